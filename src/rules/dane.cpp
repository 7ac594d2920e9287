// dane.*: the TLSA records of each submission endpoint (RFC 7673: behind a secure SRV RRset) and of
// each MX host (RFC 7672: behind a secure MX RRset), judged only through a validating resolver. The
// matching itself happened in policy/dane.cpp (DaneFacts::problems and ::addresses); these checks read
// the outcome.
#include <algorithm>

#include "checks.hpp"

namespace relaymetry::rules::detail {

namespace {

constexpr std::uint8_t k_usage_dane_ta = 2;
constexpr std::uint8_t k_usage_dane_ee = 3;
constexpr std::size_t k_shown_hex = 16;

// One service's TLSA facts with what it belongs to: a submission endpoint, or an MX host (its port-25
// probe as the endpoint with --mx-probe, else endpoint null: the records are judged on their own).
struct DaneSubject {
    const DaneFacts* dane = nullptr;
    const Endpoint* endpoint = nullptr;
    const HostAddresses* host = nullptr;  // the addresses of the host the records are for
    bool mx = false;                      // an MX host's records (_25._tcp)
};

std::vector<DaneSubject> dane_subjects(const DomainFacts& facts) {
    std::vector<DaneSubject> subjects;
    if (!dnssec_judged(facts)) {
        return subjects;
    }
    if (facts.submission) {
        for (const auto& endpoint : facts.submission->endpoints) {
            if (endpoint.dane) {
                subjects.push_back({&*endpoint.dane, &endpoint, &endpoint.resolution, false});
            }
        }
    }
    if (facts.mx) {
        const auto& probes = mx_probes(facts);
        for (const auto& dane : facts.mx->dane) {
            const auto host = std::find_if(facts.mx->hosts.begin(), facts.mx->hosts.end(),
                                           [&](const HostAddresses& candidate) { return candidate.host == dane.host; });
            const auto probed = std::find_if(probes.begin(), probes.end(),
                                             [&](const Endpoint& endpoint) { return endpoint.host == dane.host; });
            subjects.push_back({&dane, probed == probes.end() ? nullptr : &*probed,
                                host == facts.mx->hosts.end() ? nullptr : &*host, true});
        }
    }
    return subjects;
}

// RFC 7672 §2.2, RFC 7673 §3: clients use TLSA records only when they, and the host's addresses, are
// secure. Then every record counts, and so does every problem with them.
bool dane_applies(const DaneSubject& subject) {
    return subject.dane->status == LookupStatus::answer && subject.dane->dnssec == DnssecStatus::secure &&
           subject.host != nullptr && subject.host->dnssec == DnssecStatus::secure;
}

std::string shown(const TlsaRecord& record) {
    const auto data = to_hex(record.data);
    return std::to_string(record.usage) + " " + std::to_string(record.selector) + " " +
           std::to_string(record.matching_type) + " " +
           (data.size() > k_shown_hex ? data.substr(0, k_shown_hex) + "…" : data) + " (" +
           std::to_string(record.data.size()) + " bytes)";
}

std::vector<std::size_t> usable_records(const DaneFacts& dane) {
    std::vector<std::size_t> usable;
    for (std::size_t i = 0; i < dane.records.size() && i < dane.problems.size(); ++i) {
        if (dane.problems[i] == TlsaProblem::none) {
            usable.push_back(i);
        }
    }
    return usable;
}

std::string records_text(const DaneFacts& dane, const std::vector<std::size_t>& indices) {
    std::vector<std::string> parts;
    for (const auto i : indices) {
        parts.push_back(shown(dane.records[i]));
    }
    return join(parts, "; ");
}

std::string problem_text(TlsaProblem problem) {
    switch (problem) {
        case TlsaProblem::unknown_usage: return "its certificate usage is not one of 0-3";
        case TlsaProblem::unknown_selector: return "its selector is not 0 or 1";
        case TlsaProblem::unknown_matching_type: return "its matching type is not 0, 1 or 2";
        case TlsaProblem::pkix_usage_for_mx:
            return "usages 0 and 1 (PKIX) are not used for SMTP to an MX: RFC 7672 §3.1.3";
        case TlsaProblem::wrong_length: return "its digest has the wrong length (SHA-256: 32 bytes, SHA-512: 64)";
        case TlsaProblem::empty_data: return "it has no certificate association data";
        case TlsaProblem::none: return {};
    }
    return {};
}

// The records with a problem `wanted` accepts, as "record (why)".
std::vector<std::string> problem_records(const DaneFacts& dane, bool (*wanted)(TlsaProblem)) {
    std::vector<std::string> parts;
    for (std::size_t i = 0; i < dane.records.size() && i < dane.problems.size(); ++i) {
        if (wanted(dane.problems[i])) {
            parts.push_back(shown(dane.records[i]) + " (" + problem_text(dane.problems[i]) + ")");
        }
    }
    return parts;
}

bool is_unusable(TlsaProblem problem) {
    return problem != TlsaProblem::none && !is_invalid(problem);
}

std::string subject_text(const DaneSubject& subject) {
    if (subject.mx) {
        return "the MX host " + subject.dane->host + (subject.endpoint != nullptr ? ":25" : "");
    }
    return endpoint_text(*subject.endpoint);
}

// The addresses where the usable records were matched against a served chain and none matched.
std::vector<const DaneAddressCheck*> unmatched_addresses(const DaneFacts& dane) {
    std::vector<const DaneAddressCheck*> unmatched;
    if (usable_records(dane).empty()) {
        return unmatched;  // RFC 7672 §2.2: no usable record, no DANE: dane.tlsa-unusable/-invalid say so
    }
    for (const auto& check : dane.addresses) {
        if (check.chain_seen && check.matches.empty()) {
            unmatched.push_back(&check);
        }
    }
    return unmatched;
}

bool only_trust_anchors(const DaneFacts& dane) {
    const auto usable = usable_records(dane);
    return std::all_of(usable.begin(), usable.end(),
                       [&](std::size_t i) { return dane.records[i].usage == k_usage_dane_ta; });
}

const AddressProbe* probe_of(const Endpoint& endpoint, const std::string& address) {
    const auto found = std::find_if(endpoint.addresses.begin(), endpoint.addresses.end(),
                                    [&](const AddressProbe& probe) { return probe.address == address; });
    return found == endpoint.addresses.end() ? nullptr : &*found;
}

const CertificateFacts* chain_of(const Endpoint& endpoint, const std::string& address) {
    const auto* probe = probe_of(endpoint, address);
    return probe != nullptr && probe->tls && probe->tls->certificate ? &*probe->tls->certificate : nullptr;
}

}  // namespace

bool dane_in_place(const DomainFacts& facts, const std::string& host, std::uint16_t port) {
    const auto subjects = dane_subjects(facts);
    return std::any_of(subjects.begin(), subjects.end(), [&](const DaneSubject& subject) {
        return dane_applies(subject) && subject.dane->host == host && subject.dane->port == port &&
               !usable_records(*subject.dane).empty();
    });
}

bool dane_ee_matches(const DomainFacts& facts, const Target& target) {
    for (const auto& subject : dane_subjects(facts)) {
        if (!dane_applies(subject) || subject.endpoint == nullptr || subject.endpoint->host != target.name ||
            subject.endpoint->port != target.port) {
            continue;
        }
        for (const auto& check : subject.dane->addresses) {
            const bool ee_match = std::any_of(check.matches.begin(), check.matches.end(), [&](const TlsaMatch& match) {
                return subject.dane->records[match.record].usage == k_usage_dane_ee;
            });
            if (check.address == target.address && ee_match) {
                return true;
            }
        }
    }
    return false;
}

void check_dane_tlsa_invalid(const DomainFacts& facts, const RuleOptions&, Findings& out) {
    for (const auto& subject : dane_subjects(facts)) {
        const auto bad =
            dane_applies(subject) ? problem_records(*subject.dane, is_invalid) : std::vector<std::string>{};
        if (bad.empty()) {
            continue;
        }
        emit(out, "dane.tlsa-invalid", Target::record(subject.dane->name),
             "The TLSA record set at " + subject.dane->name + " holds records that can never match (" +
                 join(bad, "; ") + "): clients ignore them.",
             "Replace them with well-formed records, e.g. " + subject.dane->name +
                 ". IN TLSA 3 1 1 <64 hex digits: the SHA-256 of the server's public key>.");
    }
}

void check_dane_tlsa_unusable(const DomainFacts& facts, const RuleOptions&, Findings& out) {
    for (const auto& subject : dane_subjects(facts)) {
        const auto bad =
            dane_applies(subject) ? problem_records(*subject.dane, is_unusable) : std::vector<std::string>{};
        if (bad.empty()) {
            continue;
        }
        const bool none_usable = usable_records(*subject.dane).empty();
        emit(out, "dane.tlsa-unusable", Target::record(subject.dane->name),
             "The TLSA record set at " + subject.dane->name + " holds records clients do not use (" + join(bad, "; ") +
                 ")" +
                 (none_usable ? ": no usable record is left, so DANE does not authenticate " + subject_text(subject) +
                                    " at all (RFC 7672 §2.2)."
                              : "; the other records still apply."),
             "Publish DANE-EE records instead: " + subject.dane->name +
                 ". IN TLSA 3 1 1 <SHA-256 of the server's public key> (RFC 7671 §5.1), and remove the unusable ones.");
    }
}

void check_dane_tlsa_mismatch(const DomainFacts& facts, const RuleOptions&, Findings& out) {
    for (const auto& subject : dane_subjects(facts)) {
        if (!dane_applies(subject) || subject.endpoint == nullptr || only_trust_anchors(*subject.dane)) {
            continue;
        }
        const auto& dane = *subject.dane;
        for (const auto* check : unmatched_addresses(dane)) {
            const auto* chain = chain_of(*subject.endpoint, check->address);
            if (chain == nullptr) {
                continue;
            }
            const auto& leaf = chain->leaf;
            emit(out, "dane.tlsa-mismatch",
                 Target::at_address(subject.endpoint->host, subject.endpoint->port, check->address),
                 "No usable TLSA record at " + dane.name + " (" + records_text(dane, usable_records(dane)) +
                     ") matches the certificate chain " +
                     endpoint_text(*subject.endpoint, *probe_of(*subject.endpoint, check->address)) +
                     " served: its leaf has public-key SHA-256 " + leaf.spki_sha256 + " and certificate SHA-256 " +
                     leaf.sha256 +
                     ". DANE-validating clients refuse this server (often after a certificate renewal "
                     "with a new key).",
                 "Publish the record for the key the server uses now, beside the old one until caches have expired "
                 "(RFC 7671 §8.1): " +
                     dane.name + ". IN TLSA 3 1 1 " + leaf.spki_sha256 +
                     " — or serve the certificate the records describe.");
        }
    }
}

void check_dane_ta_not_in_chain(const DomainFacts& facts, const RuleOptions&, Findings& out) {
    for (const auto& subject : dane_subjects(facts)) {
        if (!dane_applies(subject) || subject.endpoint == nullptr || !only_trust_anchors(*subject.dane)) {
            continue;
        }
        const auto& dane = *subject.dane;
        for (const auto* check : unmatched_addresses(dane)) {
            emit(out, "dane.ta-not-in-chain",
                 Target::at_address(subject.endpoint->host, subject.endpoint->port, check->address),
                 "The TLSA record set at " + dane.name + " names only trust anchors (DANE-TA: " +
                     records_text(dane, usable_records(dane)) + "), and no certificate " +
                     endpoint_text(*subject.endpoint, *probe_of(*subject.endpoint, check->address)) +
                     " sent above its leaf matches them (or the leaf does not cover the name): DANE-validating clients "
                     "refuse this server.",
                 "Send the trust anchor's certificate in the chain (RFC 7671 §5.2.2: DANE-TA anchors must be sent), "
                 "or publish the records of the CA that issues the server's certificate now.");
        }
    }
}

void check_dane_no_rollover_key(const DomainFacts& facts, const RuleOptions&, Findings& out) {
    for (const auto& subject : dane_subjects(facts)) {
        const auto& dane = *subject.dane;
        const auto usable = usable_records(dane);
        if (!dane_applies(subject) || usable.size() != 1 || dane.records[usable.front()].usage != k_usage_dane_ee ||
            !unmatched_addresses(dane).empty()) {
            continue;
        }
        emit(out, "dane.no-rollover-key", Target::record(dane.name),
             "The only usable TLSA record at " + dane.name + " is one DANE-EE record (" +
                 shown(dane.records[usable.front()]) +
                 "): the next certificate must keep the same key, or DANE-validating clients refuse the server "
                 "until the records are updated and old answers have expired from caches.",
             "Publish a second record for the next key now (RFC 7671 §8.1): " + dane.name +
                 ". IN TLSA 3 1 1 <SHA-256 of the next key's public key>, or a 2 1 1 record for the issuing CA.");
    }
}

void check_dane_insecure_tlsa(const DomainFacts& facts, const RuleOptions&, Findings& out) {
    for (const auto& subject : dane_subjects(facts)) {
        const auto& dane = *subject.dane;
        const bool host_insecure = subject.host != nullptr && subject.host->dnssec == DnssecStatus::insecure;
        if (dane.status != LookupStatus::answer || (dane.dnssec != DnssecStatus::insecure && !host_insecure)) {
            continue;
        }
        emit(out, "dane.insecure-tlsa", Target::record(dane.name),
             "TLSA records are published at " + dane.name + ", but " +
                 (dane.dnssec == DnssecStatus::insecure ? "they are" : "the addresses of " + dane.host + " are") +
                 " not DNSSEC-signed: clients ignore them (RFC 7672 §2.2, RFC 7673 §3), so they protect nothing.",
             "Sign the zone of " + dane.host + " (and publish its DS at the parent), or remove the records.");
    }
}

void check_dane_mta_sts_conflict(const DomainFacts& facts, const RuleOptions&, Findings& out) {
    const auto* policy = judged_policy(facts);
    if (policy == nullptr || policy->mode != StsMode::enforce || !facts.mx) {
        return;
    }
    for (const auto& subject : dane_subjects(facts)) {
        const auto& dane = *subject.dane;
        if (!subject.mx) {
            continue;
        }
        const bool bogus = dane.dnssec == DnssecStatus::bogus;
        const bool unmatched = dane_applies(subject) && !unmatched_addresses(dane).empty();
        if (!bogus && !unmatched) {
            continue;
        }
        emit(out, "dane.mta-sts-conflict", Target::host(dane.host),
             "DANE fails for the MX host " + dane.host + " (" +
                 (bogus ? "its TLSA lookup is DNSSEC-bogus" : "no TLSA record matches its certificate") +
                 ") while the MTA-STS policy of " + domain_of(facts) +
                 " enforces TLS: DANE-validating senders do not deliver to it, whatever the policy says (RFC 8461 "
                 "§2).",
             "Repair DANE for " + dane.host + " first (" + dane.name +
                 "); MTA-STS does not replace it for senders that validate DNSSEC.");
    }
}

}  // namespace relaymetry::rules::detail
