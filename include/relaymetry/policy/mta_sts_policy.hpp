#pragma once
// RFC 8461 §3.2 (policy file) and §4.1 (MX host matching). Pure and fuzzable: any bytes, no exception.

#include <string>
#include <string_view>
#include <vector>

#include "relaymetry/core/facts.hpp"

namespace relaymetry::policy {

inline constexpr std::uint32_t k_max_policy_max_age = 31557600;

// Parses a policy body exact to the ABNF of §3.2; every problem is listed in plain English, most
// prefixed "line N: " (at most 20, then a count of the rest). What the ABNF says, and so what the
// parser enforces: lines end in CRLF or LF (a bare LF sets lf_line_endings) and the last may have no
// line end; no blank lines; a field begins its line; "name:" then optional whitespace, value, optional
// whitespace; names and the values STSv1 / enforce / testing / none are case-sensitive; fields in any
// order; version, mode and max_age required; mx required unless mode is none; max_age 1 to 10 digits,
// 0..31557600; mx patterns ["*."] host name (RFC 5321 Domain) in A-label form, no IP addresses; of a
// repeated non-mx field the first counts and the name goes to duplicate_fields; unknown fields go to
// extension_fields. `mx` lists every non-empty mx value as written (valid or not) in file order.
MtaStsPolicyParse parse_mta_sts_policy(std::string_view body);

// §4.1: a pattern matches a host exactly or, as "*.suffix", by exactly one extra leftmost label;
// case-insensitive; one trailing dot ignored on either side; anchored (no substring match). A '*'
// anywhere else matches nothing.
bool mx_pattern_matches(std::string_view pattern, std::string_view host);

// One entry per MX host, in the given order, naming the first pattern that covers it.
std::vector<MxCoverage> mx_coverage(const std::vector<std::string>& patterns, const std::vector<std::string>& mx_hosts);

// The patterns, in the given order, that match none of the MX hosts (stale entries).
std::vector<std::string> unused_mx_patterns(const std::vector<std::string>& patterns,
                                            const std::vector<std::string>& mx_hosts);

}  // namespace relaymetry::policy
