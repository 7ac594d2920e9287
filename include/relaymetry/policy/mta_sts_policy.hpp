#pragma once
// RFC 8461 §3.2 (policy file) and §4.1 (MX host matching). Pure and fuzzable.

#include <string>
#include <string_view>
#include <vector>

#include "relaymetry/core/facts.hpp"

namespace relaymetry::policy {

inline constexpr std::uint32_t k_max_policy_max_age = 31557600;

// Parses a policy body exact to the ABNF of §3.2; every problem is listed in plain English.
MtaStsPolicyParse parse_mta_sts_policy(std::string_view body);

// §4.1: a pattern matches a host exactly or, as "*.suffix", by exactly one extra leftmost label;
// case-insensitive; trailing dots ignored.
bool mx_pattern_matches(std::string_view pattern, std::string_view host);

// One entry per MX host, in the given order, naming the first pattern that covers it.
std::vector<MxCoverage> mx_coverage(const std::vector<std::string>& patterns, const std::vector<std::string>& mx_hosts);

}  // namespace relaymetry::policy
