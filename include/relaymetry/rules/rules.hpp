#pragma once
// The rule catalogue: one static table of every rule, each row with the pure check that emits it.
// A reader goes from a rule ID to its check in one step: search this table (src/rules/catalog.cpp).

#include <span>
#include <string>
#include <string_view>

#include "relaymetry/core/facts.hpp"
#include "relaymetry/core/finding.hpp"

namespace relaymetry::rules {

struct RuleOptions {
    int expiry_warning_days = 14;
};

using Check = void (*)(const DomainFacts& facts, const RuleOptions& options, Findings& out);

struct Rule {
    std::string_view id;
    Severity severity;       // the usual severity; a check may lower it where the catalogue says so
    std::string_view area;   // "submission", "tls", "cert", "mx", "mta-sts", "tls-rpt", "dns"
    std::string_view title;  // one line
    std::string_view fix;    // default fix text
    std::string_view reference;
    Check check;
};

std::span<const Rule> catalog();
const Rule* find_rule(std::string_view id);

// Every finding for the facts, in catalogue order. Areas absent from the facts are not judged.
Findings evaluate(const DomainFacts& facts, const RuleOptions& options);

// docs/rules.md, generated from the table (a test keeps the file identical).
std::string catalog_markdown();
// `relaymetry rules` and `relaymetry rules ID`.
std::string catalog_text();
std::string rule_text(const Rule& rule);

}  // namespace relaymetry::rules
