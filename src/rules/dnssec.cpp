// dnssec.*: what the resolver's AD bit says about the domain's zones. Every verdict needs a resolver
// that validates (DnsFacts::resolver_validates); without one, dnssec.resolver-not-validating is the only
// finding, never a false "insecure". dnssec.bogus takes the place of dns.lookup-failed for a lookup the
// resolver rejected as bogus.
#include <algorithm>

#include "checks.hpp"

namespace relaymetry::rules::detail {

namespace {

void collect_bogus(const std::vector<LookupFailure>& failures, std::vector<const LookupFailure*>& out) {
    for (const auto& failure : failures) {
        const bool seen = std::any_of(out.begin(), out.end(), [&](const LookupFailure* other) {
            return other->name == failure.name && other->type == failure.type;
        });
        if (failure.dnssec == DnssecStatus::bogus && !seen) {
            out.push_back(&failure);
        }
    }
}

}  // namespace

std::string extended_error_text(const std::optional<ExtendedDnsError>& error) {
    if (!error) {
        return {};
    }
    std::string text =
        "extended DNS error " + std::to_string(error->code) + ", " + std::string(extended_error_name(error->code));
    if (!error->text.empty()) {
        text += ": " + quoted(error->text);
    }
    return text;
}

bool is_reported_bogus(const DomainFacts& facts, const LookupFailure& failure) {
    return failure.dnssec == DnssecStatus::bogus && dnssec_judged(facts);
}

void check_dnssec_resolver_not_validating(const DomainFacts& facts, const RuleOptions&, Findings& out) {
    if (facts.dns.resolver_validates != false || resolver_unreachable(facts.dns)) {
        return;
    }
    const std::string resolvers = resolvers_text(facts.dns);
    emit(out, "dnssec.resolver-not-validating", Target::host(resolvers),
         "The resolver " + resolvers +
             " does not validate DNSSEC (its answer for the root's DNSKEY carries no AD bit), so DNSSEC and DANE "
             "could not be judged for " +
             domain_of(facts) + ": the absence of dnssec.* and dane.* findings proves nothing here.",
         "Run the check through a validating resolver: best a local unbound (apt install unbound, then --dns "
         "127.0.0.1), or a public validating one such as --dns 9.9.9.9.");
}

void check_dnssec_bogus(const DomainFacts& facts, const RuleOptions&, Findings& out) {
    if (!dnssec_judged(facts)) {
        return;
    }
    std::vector<const LookupFailure*> bogus;
    if (facts.submission) {
        collect_bogus(facts.submission->lookup_failures, bogus);
    }
    if (facts.mx) {
        collect_bogus(facts.mx->lookup_failures, bogus);
    }
    if (facts.mta_sts) {
        collect_bogus(facts.mta_sts->lookup_failures, bogus);
    }
    if (facts.tls_rpt) {
        collect_bogus(facts.tls_rpt->lookup_failures, bogus);
    }
    for (const auto* failure : bogus) {
        const auto reason = extended_error_text(failure->extended_error);
        emit(out, "dnssec.bogus", Target::record(failure->name),
             "The " + std::string(to_string(failure->type)) + " lookup of " + failure->name +
                 " is DNSSEC-bogus: the resolver " + resolvers_text(facts.dns) +
                 " rejected the answer because its signatures do not validate" +
                 (reason.empty() ? std::string{} : " (" + reason + ")") +
                 ". Every validating resolver answers SERVFAIL for it: to them, and to every DANE-validating "
                 "sender, the name does not resolve.",
             "Repair the DNSSEC of the zone of " + failure->name +
                 ": re-sign it if its signatures expired, or make the DS record at the parent match the zone's "
                 "DNSKEY (check with delv " +
                 failure->name + " " + std::string(to_string(failure->type)) +
                 " or dnsviz.net); then run the check again.");
    }
}

void check_dnssec_unsigned(const DomainFacts& facts, const RuleOptions&, Findings& out) {
    if (!dnssec_judged(facts) || facts.dns.domain_dnssec != DnssecStatus::insecure) {
        return;
    }
    emit(out, "dnssec.unsigned", Target::domain(domain_of(facts)),
         "The zone of " + domain_of(facts) +
             " is not DNSSEC-signed (the validating resolver's answers for it carry no AD bit): its records can be "
             "forged on the path, and DANE (TLSA) cannot protect its mail.",
         "Sign the zone of " + domain_of(facts) +
             " (most DNS hosts offer it) and publish its DS record at the registrar; then DANE becomes possible.");
}

}  // namespace relaymetry::rules::detail
