#pragma once
// The rule catalogue: one static table of every rule, each row with the pure check that emits it.
// A reader goes from a rule ID to its check in one step: search this table (src/rules/catalog.cpp).

#include <span>
#include <string>
#include <string_view>

#include "relaymetry/core/constants.hpp"
#include "relaymetry/core/facts.hpp"
#include "relaymetry/core/finding.hpp"

namespace relaymetry::rules {

struct RuleOptions {
    int expiry_warning_days = k_default_expiry_warning_days;
};

using Check = void (*)(const DomainFacts& facts, const RuleOptions& options, Findings& out);

struct Rule {
    std::string_view id;
    Severity severity;       // the usual severity; a check may lower it where the catalogue says so
    std::string_view area;   // "submission", "tls", "cert", "mx", "mta-sts", "tls-rpt", "dns",
                             // "dnssec", "dane", "drift"
    std::string_view title;  // one line
    std::string_view fix;    // default fix text
    std::string_view reference;
    Check check;
};

std::span<const Rule> catalog();
const Rule* find_rule(std::string_view id);

// The verdicts the report shows as facts, decided here rather than where the facts are gathered:
// a fetched MTA-STS policy whose host certificate does not verify is `tls_failed` for senders
// (RFC 8461 §3.3), one that does not parse is `invalid`. Run once, before evaluate() and rendering.
void settle(DomainFacts& facts);

// Whether a conforming sender uses what was published (`lint`'s "valid", RFC 8461 / RFC 8460).
bool sender_accepts(const MtaStsPolicyFacts& policy);
bool sender_accepts(const MtaStsTxtFacts& txt);
bool sender_accepts(const TlsRptFacts& tls_rpt);

// --state: what the next run keeps of this check. An area the check did not judge (not checked, or its
// lookup failed) keeps the previous run's values (facts.previous), and so does the last fetched policy
// while it is still in senders' caches (fetched_at + max_age) and the fetch fails now.
DomainSnapshot snapshot(const DomainFacts& facts);

// Every finding for the facts, in catalogue order. Areas absent from the facts are not judged.
Findings evaluate(const DomainFacts& facts, const RuleOptions& options);

// docs/rules.md, generated from the table (a test keeps the file identical).
std::string catalog_markdown();
// `relaymetry rules` and `relaymetry rules ID`.
std::string catalog_text();
std::string rule_text(const Rule& rule);

}  // namespace relaymetry::rules
