// Helpers shared by the checks: emitting findings from the catalogue, targets, and the few judgements
// ("is MTA-STS judged at all?", "which TLS sessions are there?") that several rules must agree on.
#include <algorithm>
#include <cassert>
#include <cctype>
#include <chrono>
#include <cstdio>

#include "checks.hpp"

namespace relaymetry::rules::detail {

void emit(Findings& out, std::string_view id, Target target, std::string message, std::string fix,
          std::optional<Severity> severity) {
    const Rule* rule = find_rule(id);
    assert(rule != nullptr && "every emitted ID is a row of the catalogue");
    Finding finding;
    finding.id = std::string(id);
    finding.severity = severity.value_or(rule->severity);
    finding.target = std::move(target);
    finding.message = std::move(message);
    finding.fix = fix.empty() ? std::string(rule->fix) : std::move(fix);
    finding.reference = std::string(rule->reference);
    out.push_back(std::move(finding));
}

std::string join(const std::vector<std::string>& items, std::string_view separator) {
    std::string joined;
    for (const auto& item : items) {
        if (!joined.empty()) {
            joined += separator;
        }
        joined += item;
    }
    return joined;
}

std::string quoted_list(const std::vector<std::string>& items) {
    std::vector<std::string> each;
    each.reserve(items.size());
    for (const auto& item : items) {
        each.push_back(quoted(item));
    }
    return join(each);
}

std::string quoted(std::string_view text) {
    return "\"" + std::string(text) + "\"";
}

std::string format_date(std::int64_t unix_seconds) {
    using namespace std::chrono;
    const sys_seconds instant{seconds{unix_seconds}};
    const year_month_day date{floor<days>(instant)};
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%04d-%02u-%02u", static_cast<int>(date.year()),
                  static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()));
    return buffer;
}

std::string lower(std::string_view text) {
    std::string result(text);
    std::transform(result.begin(), result.end(), result.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return result;
}

std::int64_t now_seconds(const DomainFacts& facts) {
    using namespace std::chrono;
    return duration_cast<seconds>(facts.started_at.time_since_epoch()).count();
}

std::int64_t days_left(const CertificateInfo& cert, std::int64_t now) {
    return relaymetry::days_left(cert.not_after, now);
}

bool is_null_mx(const DomainFacts& facts) {
    return facts.mx && facts.mx->null_mx;
}

std::vector<std::string> mx_hosts(const DomainFacts& facts) {
    std::vector<std::string> hosts;
    if (!facts.mx || facts.mx->null_mx) {
        return hosts;
    }
    for (const auto& record : facts.mx->records) {
        if (record.host != "." && std::find(hosts.begin(), hosts.end(), record.host) == hosts.end()) {
            hosts.push_back(record.host);
        }
    }
    return hosts;
}

std::string domain_of(const DomainFacts& facts) {
    return facts.domain.empty() ? "<domain>" : facts.domain;
}

Target address_target(const Endpoint& endpoint, const AddressProbe& probe) {
    return Target::at_address(endpoint.host, endpoint.port, probe.address);
}

Target endpoint_target(const Endpoint& endpoint) {
    return Target::endpoint(endpoint.host, endpoint.port);
}

std::string endpoint_text(const Endpoint& endpoint, const AddressProbe& probe) {
    return to_string(address_target(endpoint, probe));
}

std::string endpoint_text(const Endpoint& endpoint) {
    return to_string(endpoint_target(endpoint));
}

void emit_caps(Findings& out, std::string_view id, const DomainFacts& facts, const std::vector<CapReached>& caps,
               std::string_view what, std::string_view done, const std::string& fix) {
    for (const auto& cap : caps) {
        std::string text = cap.limit + "; " + std::to_string(cap.left_out) + " left out: " + join(cap.examples, ", ");
        if (cap.left_out > cap.examples.size()) {
            text += " (and " + std::to_string(cap.left_out - cap.examples.size()) + " more)";
        }
        emit(out, id, Target::domain(facts.domain),
             "Not every " + std::string(what) + " of " + domain_of(facts) + " was " + std::string(done) + " (" + text +
                 ", docs/cli.md \"Limits\"): nothing was concluded about those left out.",
             fix);
    }
}

std::string error_suffix(const AddressProbe& probe) {
    return probe.error && !probe.error->empty() ? ": " + *probe.error : "";
}

const std::vector<Endpoint>& mx_probes(const DomainFacts& facts) {
    static const std::vector<Endpoint> none;
    return facts.mx && !facts.mx->null_mx ? facts.mx->probes : none;
}

std::string policy_host(const DomainFacts& facts) {
    return "mta-sts." + domain_of(facts);
}

std::string mta_sts_record(const DomainFacts& facts) {
    return "_mta-sts." + domain_of(facts);
}

std::string tls_rpt_record(const DomainFacts& facts) {
    return "_smtp._tls." + domain_of(facts);
}

const MtaStsFacts* judged_mta_sts(const DomainFacts& facts) {
    if (!facts.mta_sts) {
        return nullptr;
    }
    const auto& mta_sts = *facts.mta_sts;
    if (mta_sts.txt && mta_sts.txt->status == TxtStatus::lookup_failed) {
        return nullptr;
    }
    const std::string record = mta_sts_record(facts);
    const bool txt_failed = std::any_of(mta_sts.lookup_failures.begin(), mta_sts.lookup_failures.end(),
                                        [&](const LookupFailure& failure) { return failure.name == record; });
    return txt_failed ? nullptr : &mta_sts;
}

bool policy_announced(const MtaStsFacts& mta_sts) {
    return !mta_sts.txt || mta_sts.txt->status == TxtStatus::published || mta_sts.txt->status == TxtStatus::invalid ||
           mta_sts.txt->status == TxtStatus::multiple;
}

bool policy_served(const MtaStsPolicyFacts& policy) {
    return policy.http_status == 200 &&
           (policy.status == PolicyFetchStatus::fetched || policy.status == PolicyFetchStatus::invalid);
}

const MtaStsPolicyParse* judged_policy(const DomainFacts& facts) {
    const MtaStsFacts* mta_sts = judged_mta_sts(facts);
    if (mta_sts == nullptr || !mta_sts->policy || !mta_sts->policy->parse || !mta_sts->policy->parse->valid) {
        return nullptr;
    }
    const bool linted = !mta_sts->txt;
    if (!linted && mta_sts->policy->status != PolicyFetchStatus::fetched) {
        return nullptr;
    }
    return &*mta_sts->policy->parse;
}

std::vector<TlsSubject> tls_subjects(const DomainFacts& facts) {
    std::vector<TlsSubject> subjects;
    if (facts.submission) {
        for (const auto& endpoint : facts.submission->endpoints) {
            for (const auto& probe : endpoint.addresses) {
                if (probe.tls) {
                    subjects.push_back({address_target(endpoint, probe), endpoint_text(endpoint, probe), endpoint.host,
                                        &*probe.tls, TlsSubjectKind::submission});
                }
            }
        }
    }
    for (const auto& endpoint : mx_probes(facts)) {
        for (const auto& probe : endpoint.addresses) {
            if (probe.tls) {
                subjects.push_back({address_target(endpoint, probe), "the MX host " + endpoint_text(endpoint, probe),
                                    endpoint.host, &*probe.tls, TlsSubjectKind::mx});
            }
        }
    }
    const MtaStsFacts* mta_sts = judged_mta_sts(facts);
    if (mta_sts != nullptr && mta_sts->policy && mta_sts->policy->tls &&
        (policy_announced(*mta_sts) || policy_served(*mta_sts->policy))) {
        subjects.push_back({Target::host(policy_host(facts)), policy_host(facts), policy_host(facts),
                            &*mta_sts->policy->tls, TlsSubjectKind::policy_host});
    }
    return subjects;
}

std::optional<std::string> expired_problem(const CertificateInfo& leaf, std::int64_t now) {
    if (leaf.not_after >= now) {
        return std::nullopt;
    }
    const std::int64_t ago = -days_left(leaf, now);
    return "the certificate expired on " + format_date(leaf.not_after) + " (" + std::to_string(ago) +
           (ago == 1 ? " day" : " days") + " ago)";
}

std::optional<std::string> not_yet_valid_problem(const CertificateInfo& leaf, std::int64_t now) {
    if (leaf.not_before <= now) {
        return std::nullopt;
    }
    return "the certificate is not valid before " + format_date(leaf.not_before);
}

namespace {

std::optional<std::string> weak_key(const CertificateInfo& cert) {
    if (!is_weak(cert.key)) {
        return std::nullopt;
    }
    return quoted(cert.subject) + " has a " + display_name(cert.key) + " key";
}

std::optional<std::string> weak_signature(const CertificateInfo& cert) {
    if (!is_weak(cert.signature_digest)) {
        return std::nullopt;
    }
    return quoted(cert.subject) + " is signed with " + cert.signature;
}

}  // namespace

std::vector<std::string> weak_key_problems(const CertificateFacts& cert) {
    std::vector<std::string> problems;
    if (auto problem = weak_key(cert.leaf)) {
        problems.push_back(*problem);
    }
    for (const auto& intermediate : cert.intermediates) {
        if (auto problem = weak_key(intermediate)) {
            problems.push_back(*problem);
        }
    }
    return problems;
}

std::vector<std::string> weak_signature_problems(const CertificateFacts& cert) {
    std::vector<std::string> problems;
    if (auto problem = weak_signature(cert.leaf)) {
        problems.push_back(*problem);
    }
    for (const auto& intermediate : cert.intermediates) {
        // A self-signed certificate sent along is a trust anchor: clients never check its own signature
        // (RFC 5280 §6.1), so SHA-1 there is harmless.
        if (intermediate.self_signed) {
            continue;
        }
        if (auto problem = weak_signature(intermediate)) {
            problems.push_back(*problem);
        }
    }
    return problems;
}

bool negotiated_deprecated(const TlsFacts& tls) {
    return tls.version && is_deprecated(*tls.version);
}

bool only_deprecated_tls(const AddressProbe& probe) {
    return probe.tls && probe.tls->modern_client_failed && negotiated_deprecated(*probe.tls);
}

}  // namespace relaymetry::rules::detail
