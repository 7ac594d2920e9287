// dns.resolver-unreachable: the resolver itself did not answer, so nothing about the domain can be said.
// dns.lookup-failed: a lookup that failed (SERVFAIL, REFUSED, timeout, malformed answer) says nothing
// about the record, so the area that needed it is not judged; the failure itself is the finding.
// dns.record-malformed / dns.answer-capped: an answer used only in part (DnsFacts::trimmed_answers).
#include "checks.hpp"
#include "relaymetry/core/constants.hpp"

namespace relaymetry::rules::detail {

namespace {

void report_failures(const DomainFacts& facts, const std::vector<LookupFailure>& failures, std::string_view area,
                     Findings& out) {
    for (const auto& failure : failures) {
        if (is_reported_bogus(facts, failure)) {
            continue;  // dnssec.bogus says why
        }
        std::string message = "The " + std::string(to_string(failure.type)) + " lookup of " + failure.name +
                              " failed (" + std::string(to_string(failure.status));
        if (!failure.error.empty()) {
            message += ": " + failure.error;
        }
        message += "), so " + std::string(area) + " could not be judged from it.";
        emit(out, "dns.lookup-failed", Target::record(failure.name), std::move(message),
             "Check that every authoritative name server of the zone of " + failure.name + " answers this query (dig " +
                 std::string(to_string(failure.type)) + " " + failure.name +
                 " +trace), and that the resolver used can reach them; then run the check again.");
    }
}

}  // namespace

void check_dns_resolver_unreachable(const DomainFacts& facts, const RuleOptions&, Findings& out) {
    if (!resolver_unreachable(facts.dns)) {
        return;
    }
    const std::string resolvers = resolvers_text(facts.dns);
    emit(out, "dns.resolver-unreachable", Target::host(resolvers),
         "The resolver " + resolvers + " did not answer any of the " + std::to_string(facts.dns.lookups) +
             " lookups for " + domain_of(facts) +
             " (refused, unreachable, or no answer in time): nothing about the domain was judged.",
         "Check that " + resolvers +
             " runs and answers queries from this machine (dig @ADDRESS example.com), or give a working resolver "
             "with --dns; then run the check again.");
}

void check_dns_lookup_failed(const DomainFacts& facts, const RuleOptions&, Findings& out) {
    if (resolver_unreachable(facts.dns)) {
        return;  // one cause, one finding: dns.resolver-unreachable
    }
    if (facts.submission) {
        report_failures(facts, facts.submission->lookup_failures, "submission", out);
    }
    if (facts.mx) {
        report_failures(facts, facts.mx->lookup_failures, "MX", out);
    }
    if (facts.mta_sts) {
        report_failures(facts, facts.mta_sts->lookup_failures, "MTA-STS", out);
    }
    if (facts.tls_rpt) {
        report_failures(facts, facts.tls_rpt->lookup_failures, "TLS-RPT", out);
    }
}

void check_dns_record_malformed(const DomainFacts& facts, const RuleOptions&, Findings& out) {
    for (const auto& answer : facts.dns.trimmed_answers) {
        if (answer.malformed_count == 0) {
            continue;
        }
        std::string described = join(answer.malformed, "; ");
        if (answer.malformed_count > answer.malformed.size()) {
            described += "; and " + std::to_string(answer.malformed_count - answer.malformed.size()) + " more";
        }
        emit(out, "dns.record-malformed", Target::record(answer.name),
             "The " + std::string(to_string(answer.type)) + " answer for " + answer.name + " held " +
                 std::to_string(answer.malformed_count) + " record" + (answer.malformed_count == 1 ? "" : "s") +
                 " that do not parse (" + described +
                 "); they were ignored and only the well-formed records used, as most resolvers and senders would.",
             "Correct or remove the broken " + std::string(to_string(answer.type)) + " record at " + answer.name +
                 " (dig " + std::string(to_string(answer.type)) + " " + answer.name +
                 " shows what the name servers send).");
    }
}

void check_dns_answer_capped(const DomainFacts& facts, const RuleOptions&, Findings& out) {
    for (const auto& answer : facts.dns.trimmed_answers) {
        if (answer.cut == 0) {
            continue;
        }
        const bool addresses = answer.type == RecordType::a || answer.type == RecordType::aaaa;
        emit(out, "dns.answer-capped", Target::record(answer.name),
             "The " + std::string(to_string(answer.type)) + " answer for " + answer.name + " held " +
                 std::to_string(answer.cut) + " more record" + (answer.cut == 1 ? "" : "s") +
                 " than relaymetry reads (" +
                 (addresses ? std::to_string(k_max_addresses_per_family) + " addresses per host and family"
                            : std::to_string(k_max_records_per_answer) + " records per answer") +
                 ", docs/cli.md \"Limits\"): those were not checked.",
             "Nothing to do if the records are intended; a shorter RRset is checked whole.");
    }
}

}  // namespace relaymetry::rules::detail
