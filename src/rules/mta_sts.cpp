// mta-sts.*: the TXT record (RFC 8461 §3.1), the policy fetch (§3.3), the policy content (§3.2, §5)
// and how the policy covers the domain's MX hosts (§4.1).
#include <algorithm>

#include "checks.hpp"

namespace relaymetry::rules::detail {

namespace {

// The policy when the domain announces it (fetch failures matter only then: without a TXT no sender
// fetches), nullptr otherwise.
const MtaStsPolicyFacts* announced_policy(const DomainFacts& facts) {
    const MtaStsFacts* mta_sts = judged_mta_sts(facts);
    if (mta_sts == nullptr || !mta_sts->policy || !policy_announced(*mta_sts)) {
        return nullptr;
    }
    return &*mta_sts->policy;
}

// The policy when it matters at all: announced by a TXT, or served with 200 anyway.
const MtaStsPolicyFacts* relevant_policy(const DomainFacts& facts) {
    const MtaStsFacts* mta_sts = judged_mta_sts(facts);
    if (mta_sts == nullptr || !mta_sts->policy) {
        return nullptr;
    }
    return policy_announced(*mta_sts) || policy_served(*mta_sts->policy) ? &*mta_sts->policy : nullptr;
}

std::string error_suffix(const MtaStsPolicyFacts& policy) {
    return policy.error && !policy.error->empty() ? ": " + *policy.error : "";
}

std::string url_of(const DomainFacts& facts, const MtaStsPolicyFacts& policy) {
    return policy.url.empty() ? policy_url(policy_host(facts)) : policy.url;
}

std::string patterns_of(const MtaStsPolicyParse& policy) {
    return policy.mx.empty() ? "none" : join(policy.mx, ", ");
}

}  // namespace

void check_mta_sts_not_published(const DomainFacts& facts, const RuleOptions&, Findings& out) {
    const MtaStsFacts* mta_sts = judged_mta_sts(facts);
    if (mta_sts == nullptr || !mta_sts->txt || mta_sts->txt->status != TxtStatus::not_published || is_null_mx(facts)) {
        return;
    }
    emit(out, "mta-sts.not-published", Target::record(mta_sts_record(facts)),
         "There is no MTA-STS record (v=STSv1) at " + mta_sts_record(facts) + ": servers sending to " +
             domain_of(facts) +
             " accept any certificate or none, so an attacker on the path can downgrade or intercept inbound mail.",
         "Serve a policy at https://" + policy_host(facts) +
             "/.well-known/mta-sts.txt (start with mode: testing), then publish " + mta_sts_record(facts) +
             " TXT \"v=STSv1; id=<a new id for every policy change>\".");
}

void check_mta_sts_txt_invalid(const DomainFacts& facts, const RuleOptions&, Findings& out) {
    const MtaStsFacts* mta_sts = judged_mta_sts(facts);
    if (mta_sts == nullptr || !mta_sts->txt || mta_sts->txt->status != TxtStatus::invalid) {
        return;
    }
    const auto& errors = mta_sts->txt->parse.errors;
    emit(out, "mta-sts.txt-invalid", Target::record(mta_sts_record(facts)),
         "The MTA-STS record at " + mta_sts_record(facts) + " is invalid" +
             (errors.empty() ? std::string() : ": " + join(errors, "; ")) +
             ". Senders ignore it, so the domain has no MTA-STS policy.",
         "Publish exactly \"v=STSv1; id=<1 to 32 letters or digits>\" at " + mta_sts_record(facts) + ".");
}

void check_mta_sts_txt_multiple(const DomainFacts& facts, const RuleOptions&, Findings& out) {
    const MtaStsFacts* mta_sts = judged_mta_sts(facts);
    if (mta_sts == nullptr || !mta_sts->txt || mta_sts->txt->status != TxtStatus::multiple) {
        return;
    }
    emit(out, "mta-sts.txt-multiple", Target::record(mta_sts_record(facts)),
         mta_sts_record(facts) + " has more than one v=STSv1 record (" + quoted_list(mta_sts->txt->records) +
             "): senders treat that as no policy at all (RFC 8461 §3.1).",
         "Delete all but one v=STSv1 record at " + mta_sts_record(facts) + ".");
}

namespace {

// Whether a lookup of the policy host failed (then dns.lookup-failed is the finding, not the fetch's).
bool policy_host_lookup_failed(const DomainFacts& facts) {
    const auto& failures = facts.mta_sts->lookup_failures;
    const std::string host = policy_host(facts);
    return std::any_of(failures.begin(), failures.end(), [&](const LookupFailure& f) { return f.name == host; });
}

}  // namespace

void check_mta_sts_policy_unreachable(const DomainFacts& facts, const RuleOptions&, Findings& out) {
    const MtaStsPolicyFacts* policy = announced_policy(facts);
    if (policy == nullptr ||
        (policy->status != PolicyFetchStatus::unreachable && policy->status != PolicyFetchStatus::timeout)) {
        return;
    }
    // A failed lookup of the policy host is dns.lookup-failed: it says nothing about the host.
    const std::string host = policy_host(facts);
    if (policy_host_lookup_failed(facts)) {
        return;
    }
    emit(out, "mta-sts.policy-unreachable", Target::host(host),
         "The MTA-STS policy at " + url_of(facts, *policy) + " could not be fetched" + error_suffix(*policy) +
             ": senders cannot apply the policy the TXT record announces.",
         "Make " + host + " resolve and serve the policy over HTTPS on port 443.");
}

void check_mta_sts_policy_not_fetched(const DomainFacts& facts, const RuleOptions&, Findings& out) {
    const MtaStsPolicyFacts* policy = announced_policy(facts);
    // A linted policy (no TXT facts) was read from a file, never fetched.
    if (policy == nullptr || policy->status != PolicyFetchStatus::not_fetched || !facts.mta_sts->txt) {
        return;
    }
    // Not fetched because the policy host's lookups failed: dns.lookup-failed says so.
    const std::string host = policy_host(facts);
    if (policy_host_lookup_failed(facts)) {
        return;
    }
    emit(out, "mta-sts.policy-not-fetched", Target::host(host),
         "The MTA-STS policy at " + url_of(facts, *policy) + " was not fetched" + error_suffix(*policy) +
             ": the policy was not judged (this says nothing about " + host + ").",
         "Give the check more time (--timeout) or check fewer domains at once (--parallel).");
}

void check_mta_sts_policy_http_error(const DomainFacts& facts, const RuleOptions&, Findings& out) {
    const MtaStsPolicyFacts* policy = announced_policy(facts);
    if (policy == nullptr || policy->status != PolicyFetchStatus::http_error) {
        return;
    }
    const std::string status = policy->http_status ? "HTTP " + std::to_string(*policy->http_status) : "an HTTP error";
    emit(out, "mta-sts.policy-http-error", Target::host(policy_host(facts)),
         url_of(facts, *policy) + " answered " + status + " instead of 200: senders find no policy.",
         "Serve the policy file at " + url_of(facts, *policy) + " with status 200.");
}

void check_mta_sts_policy_redirect(const DomainFacts& facts, const RuleOptions&, Findings& out) {
    const MtaStsPolicyFacts* policy = announced_policy(facts);
    if (policy == nullptr || policy->status != PolicyFetchStatus::redirect) {
        return;
    }
    const std::string status = policy->http_status ? " (HTTP " + std::to_string(*policy->http_status) + ")" : "";
    emit(out, "mta-sts.policy-redirect", Target::host(policy_host(facts)),
         url_of(facts, *policy) + " redirects" + status + " to " + quoted(policy->location.value_or("")) +
             ": senders must not follow redirects (RFC 8461 §3.3), so they find no policy.",
         "Serve the policy directly at " + url_of(facts, *policy) +
             " with status 200 (no redirect to www or to HTTPS elsewhere).");
}

void check_mta_sts_policy_tls_invalid(const DomainFacts& facts, const RuleOptions&, Findings& out) {
    const MtaStsPolicyFacts* policy = relevant_policy(facts);
    if (policy == nullptr) {
        return;
    }
    std::vector<std::string> problems;
    if (policy->status == PolicyFetchStatus::tls_failed && policy_announced(*facts.mta_sts)) {
        problems.push_back("the TLS handshake failed" + error_suffix(*policy));
    }
    if (policy->tls && policy->tls->certificate) {
        const auto& cert = *policy->tls->certificate;
        const auto now = now_seconds(facts);
        if (auto problem = expired_problem(cert.leaf, now)) {
            problems.push_back(*problem);
        }
        if (auto problem = not_yet_valid_problem(cert.leaf, now)) {
            problems.push_back(*problem);
        }
        if (cert.trust_error) {
            problems.push_back("the chain does not verify: " + describe(*cert.trust_error, policy_host(facts)));
        }
        if (!cert.name_match) {
            problems.push_back("the certificate does not cover " + policy_host(facts) + " (it covers " +
                               (cert.leaf.san.empty() ? std::string("no SAN") : join(cert.leaf.san, ", ")) + ")");
        }
        for (const auto& problem : weak_key_problems(cert)) {
            problems.push_back("weak key: " + problem);
        }
        for (const auto& problem : weak_signature_problems(cert)) {
            problems.push_back("weak signature: " + problem);
        }
    }
    if (problems.empty()) {
        return;
    }
    emit(out, "mta-sts.policy-tls-invalid", Target::host(policy_host(facts)),
         "Senders reject the HTTPS certificate of " + policy_host(facts) +
             ", and with it the policy: " + join(problems, "; ") + ".",
         "Install a publicly trusted, current certificate for " + policy_host(facts) +
             " (with its full chain) on the web server that serves the policy.");
}

void check_mta_sts_policy_content_type(const DomainFacts& facts, const RuleOptions&, Findings& out) {
    const MtaStsPolicyFacts* policy = relevant_policy(facts);
    if (policy == nullptr || !policy_served(*policy)) {
        return;
    }
    // RFC 8461 §3.3: "text/plain"; parameters such as charset are allowed, names are case-insensitive.
    std::string media_type = policy->content_type.value_or("");
    media_type = lower(media_type.substr(0, media_type.find(';')));
    media_type.erase(0, media_type.find_first_not_of(" \t"));
    media_type.erase(media_type.find_last_not_of(" \t") + 1);
    if (media_type == "text/plain") {
        return;
    }
    emit(out, "mta-sts.policy-content-type", Target::host(policy_host(facts)),
         url_of(facts, *policy) + " is served as " +
             (policy->content_type ? quoted(*policy->content_type) : std::string("no Content-Type")) +
             ", not text/plain: strict senders ignore it.",
         "Serve " + url_of(facts, *policy) + " with \"Content-Type: text/plain\".");
}

void check_mta_sts_policy_too_large(const DomainFacts& facts, const RuleOptions&, Findings& out) {
    const MtaStsPolicyFacts* policy = announced_policy(facts);
    if (policy == nullptr || policy->status != PolicyFetchStatus::too_large) {
        return;
    }
    emit(out, "mta-sts.policy-too-large", Target::host(policy_host(facts)),
         url_of(facts, *policy) + " returned more than 64 KiB: senders stop reading and find no policy.",
         "Serve the policy file itself at " + url_of(facts, *policy) + " (a few hundred bytes), not another page.");
}

void check_mta_sts_policy_invalid(const DomainFacts& facts, const RuleOptions&, Findings& out) {
    const MtaStsPolicyFacts* policy = relevant_policy(facts);
    if (policy == nullptr) {
        return;
    }
    const bool parsed_invalid = policy->parse && !policy->parse->valid;
    if (!parsed_invalid && policy->status != PolicyFetchStatus::invalid) {
        return;
    }
    std::vector<std::string> errors;
    if (policy->parse) {
        errors = policy->parse->errors;
    }
    if (errors.empty() && policy->error) {
        errors.push_back(*policy->error);
    }
    emit(out, "mta-sts.policy-invalid", Target::host(policy_host(facts)),
         "The MTA-STS policy at " + url_of(facts, *policy) + " is invalid" +
             (errors.empty() ? std::string() : ": " + join(errors, "; ")) + ". Senders discard it.",
         "Fix the policy file: \"version: STSv1\", \"mode: enforce|testing|none\", \"max_age: <seconds up to "
         "31557600>\", and one \"mx: <pattern>\" line per MX host, each line ending in CRLF.");
}

void check_mta_sts_policy_line_endings(const DomainFacts& facts, const RuleOptions&, Findings& out) {
    const MtaStsPolicyParse* policy = judged_policy(facts);
    if (policy == nullptr || !policy->lf_line_endings) {
        return;
    }
    emit(out, "mta-sts.policy-line-endings", Target::host(policy_host(facts)),
         "The MTA-STS policy of " + domain_of(facts) +
             " ends lines with a bare LF instead of CRLF (RFC 8461 §3.2); most senders accept it, strict ones may "
             "not.",
         "Save the policy file with CRLF line endings (e.g. unix2dos mta-sts.txt).");
}

void check_mta_sts_policy_duplicate_field(const DomainFacts& facts, const RuleOptions&, Findings& out) {
    const MtaStsPolicyParse* policy = judged_policy(facts);
    if (policy == nullptr) {
        return;
    }
    for (const auto& field : policy->duplicate_fields) {
        emit(out, "mta-sts.policy-duplicate-field", Target::host(policy_host(facts)),
             "The MTA-STS policy of " + domain_of(facts) + " has the field " + quoted(field) +
                 " more than once: RFC 8461 takes the first, but deployed senders disagree, so the policy means "
                 "different things to different senders.",
             "Keep a single \"" + field + ":\" line in the policy file.");
    }
}

void check_mta_sts_policy_without_txt(const DomainFacts& facts, const RuleOptions&, Findings& out) {
    const MtaStsFacts* mta_sts = judged_mta_sts(facts);
    if (mta_sts == nullptr || !mta_sts->txt || mta_sts->txt->status != TxtStatus::not_published || !mta_sts->policy ||
        mta_sts->policy->status != PolicyFetchStatus::fetched || mta_sts->policy->http_status != 200) {
        return;
    }
    emit(out, "mta-sts.policy-without-txt", Target::record(mta_sts_record(facts)),
         url_of(facts, *mta_sts->policy) + " serves a policy, but no TXT record at " + mta_sts_record(facts) +
             " announces it: senders never fetch it.",
         "Publish " + mta_sts_record(facts) + " TXT \"v=STSv1; id=<a new id for every policy change>\".");
}

void check_mta_sts_mode_none(const DomainFacts& facts, const RuleOptions&, Findings& out) {
    const MtaStsPolicyParse* policy = judged_policy(facts);
    if (policy == nullptr || policy->mode != StsMode::none) {
        return;
    }
    emit(out, "mta-sts.mode-none", Target::host(policy_host(facts)),
         "The MTA-STS policy of " + domain_of(facts) + " is in mode \"none\": senders apply no TLS requirement.",
         "Once reports show that delivery works, set \"mode: testing\" and then \"mode: enforce\" (and change the id "
         "in " +
             mta_sts_record(facts) + "). Mode none is meant only for withdrawing a policy.");
}

void check_mta_sts_mode_testing(const DomainFacts& facts, const RuleOptions&, Findings& out) {
    const MtaStsPolicyParse* policy = judged_policy(facts);
    if (policy == nullptr || policy->mode != StsMode::testing) {
        return;
    }
    emit(out, "mta-sts.mode-testing", Target::host(policy_host(facts)),
         "The MTA-STS policy of " + domain_of(facts) +
             " is in mode \"testing\": senders report TLS failures but still deliver without TLS.",
         "When TLS-RPT reports show no failures, set \"mode: enforce\" and change the id in " + mta_sts_record(facts) +
             ".");
}

void check_mta_sts_max_age_short(const DomainFacts& facts, const RuleOptions&, Findings& out) {
    const MtaStsPolicyParse* policy = judged_policy(facts);
    if (policy == nullptr || !policy->max_age || *policy->max_age >= 86400) {
        return;
    }
    emit(out, "mta-sts.max-age-short", Target::host(policy_host(facts)),
         "The MTA-STS policy of " + domain_of(facts) + " has max_age " + std::to_string(*policy->max_age) +
             " seconds (under one day): senders forget it quickly, which weakens the protection against downgrades.",
         "Set max_age to at least 604800 (one week); RFC 8461 suggests weeks or more (e.g. 1209600).");
}

void check_mta_sts_mx_not_covered(const DomainFacts& facts, const RuleOptions&, Findings& out) {
    const MtaStsPolicyParse* policy = judged_policy(facts);
    if (policy == nullptr || !policy->mode || *policy->mode == StsMode::none || is_null_mx(facts) ||
        mx_hosts(facts).empty()) {
        return;
    }
    const bool enforce = *policy->mode == StsMode::enforce;
    for (const auto& coverage : facts.mta_sts->mx_coverage) {
        if (coverage.covered) {
            continue;
        }
        emit(out, "mta-sts.mx-not-covered", Target::host(coverage.mx),
             "The MX host " + coverage.mx + " matches none of the policy's mx patterns (" + patterns_of(*policy) +
                 (enforce ? "): senders that enforce the policy refuse to deliver to it."
                          : "): in testing mode senders deliver anyway but report failures."),
             "Add \"mx: " + coverage.mx + "\" (or a matching \"*.\" pattern) to the policy and change the id in " +
                 mta_sts_record(facts) + ".",
             enforce ? Severity::error : Severity::warning);
    }
}

void check_mta_sts_mx_pattern_unused(const DomainFacts& facts, const RuleOptions&, Findings& out) {
    const MtaStsPolicyParse* policy = judged_policy(facts);
    const auto hosts = mx_hosts(facts);
    if (policy == nullptr || hosts.empty()) {
        return;
    }
    for (const auto& pattern : facts.mta_sts->unused_mx_patterns) {
        emit(out, "mta-sts.mx-pattern-unused", Target::host(policy_host(facts)),
             "The policy pattern " + quoted(pattern) + " matches none of the MX hosts of " + domain_of(facts) + " (" +
                 join(hosts, ", ") + "): probably a stale entry.",
             "Remove \"mx: " + pattern + "\" from the policy if that host no longer receives mail for " +
                 domain_of(facts) + ", and change the id in " + mta_sts_record(facts) + ".");
    }
}

}  // namespace relaymetry::rules::detail

namespace relaymetry::rules::detail {

// RFC 8461 §4.2: a sender applying the policy delivers only over TLS with a certificate that chains to
// a trusted root, is within its dates and is valid for the MX host name. Opportunistic senders (RFC
// 3207) take any certificate and DANE senders their TLSA records, so this is the MTA-STS verdict alone.
void check_mta_sts_mx_certificate_invalid(const DomainFacts& facts, const RuleOptions&, Findings& out) {
    const MtaStsPolicyParse* policy = judged_policy(facts);
    if (policy == nullptr || !policy->mode || *policy->mode == StsMode::none) {
        return;
    }
    const bool enforce = *policy->mode == StsMode::enforce;
    for (const auto& endpoint : mx_probes(facts)) {
        for (const auto& probe : endpoint.addresses) {
            if (!probe.tls || !probe.tls->certificate || probe.tls->certificate->chain_valid) {
                continue;
            }
            const auto& cert = *probe.tls->certificate;
            const std::string why = cert.verify_error ? describe(*cert.verify_error, endpoint.host)
                                                      : std::string("the certificate does not verify");
            const auto target = address_target(endpoint, probe);
            emit(out, "mta-sts.mx-certificate-invalid", target,
                 "The certificate of the MX host " + endpoint_text(endpoint, probe) +
                     " is not one an MTA-STS sender accepts: " + why + " (subject " + quoted(cert.leaf.subject) +
                     ", issuer " + quoted(cert.leaf.issuer) + "). " +
                     (enforce ? "Under the enforce policy, compliant senders refuse to deliver to it."
                              : "In testing mode senders deliver anyway but report the failure (TLS-RPT).") +
                     (dane_ee_matches(facts, target)
                          ? " DANE senders do deliver: a DANE-EE TLSA record matches its key (RFC 7672 §3.1.1)."
                          : ""),
                 "Install a certificate for " + endpoint.host +
                     " from a publicly trusted CA, with its full chain, on port 25 (opportunistic senders are "
                     "unaffected; MTA-STS senders check chain, dates and name).",
                 enforce ? Severity::error : Severity::warning);
        }
    }
}

}  // namespace relaymetry::rules::detail
