// mx.*: how the domain receives mail (RFC 5321 §5.1, RFC 7505).
#include "checks.hpp"

namespace relaymetry::rules::detail {

void check_mx_none(const DomainFacts& facts, const RuleOptions&, Findings& out) {
    if (!facts.mx || !is_absent(facts.mx->status)) {
        return;
    }
    emit(out, "mx.none", Target::domain(domain_of(facts)),
         domain_of(facts) + " has no MX record (" + std::string(to_string(facts.mx->status)) +
             "): senders fall back to its A/AAAA address (RFC 5321 §5.1), and MTA-STS has no MX host to cover.",
         "Publish an MX record naming the host that receives mail for " + domain_of(facts) +
             ", or a null MX (\"0 .\", RFC 7505) if it receives none.");
}

void check_mx_null(const DomainFacts& facts, const RuleOptions&, Findings& out) {
    if (!is_null_mx(facts)) {
        return;
    }
    emit(out, "mx.null", Target::domain(domain_of(facts)),
         domain_of(facts) +
             " publishes a null MX (\"0 .\"): it accepts no mail, so inbound TLS policy (MTA-STS, "
             "TLS-RPT) does not apply.",
         "Nothing to do if " + domain_of(facts) +
             " should receive no mail; otherwise replace the null MX with real MX "
             "records.");
}

}  // namespace relaymetry::rules::detail
