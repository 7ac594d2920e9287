// The MTA-STS policy file (RFC 8461 §3.2) on any body, and §4.1 matching of its mx patterns: the
// input is the body; after a NUL come MX host names, one a line, to match the patterns against.
#include <algorithm>

#include "fuzz_check.hpp"
#include "fuzz_input.hpp"
#include "relaymetry/core/constants.hpp"
#include "relaymetry/policy/mta_sts_policy.hpp"

using namespace relaymetry;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const auto parts = fuzz::split(fuzz::as_text(data, size), '\0', 2);
    const auto& body = parts[0];
    const auto parse = policy::parse_mta_sts_policy(body.substr(0, k_max_policy_bytes));
    fuzz::require(!parse.valid || parse.errors.empty(), "a valid policy with errors", body);
    if (parse.valid) {
        fuzz::require(parse.version == "STSv1" && parse.mode && parse.max_age, "a valid policy lacks a field", body);
        fuzz::require(*parse.max_age <= policy::k_max_policy_max_age, "max_age above the RFC's maximum", body);
        fuzz::require(*parse.mode == StsMode::none || !parse.mx.empty(), "enforce or testing without mx", body);
    }
    fuzz::require(parse.errors.size() <= 21, "more than 20 errors and a count of the rest", body);

    std::vector<std::string> hosts;
    if (parts.size() == 2) {
        hosts = fuzz::split(parts[1], '\n', 16);
    }
    const auto coverage = policy::mx_coverage(parse.mx, hosts);
    fuzz::require(coverage.size() == hosts.size(), "coverage is not one entry per MX host");
    for (std::size_t i = 0; i < coverage.size(); ++i) {
        const auto& entry = coverage[i];
        fuzz::require(entry.mx == hosts[i], "coverage out of order");
        fuzz::require(entry.covered == !entry.pattern.empty(), "covered disagrees with the pattern named");
        if (entry.covered) {
            fuzz::require(std::find(parse.mx.begin(), parse.mx.end(), entry.pattern) != parse.mx.end(),
                          "covered by a pattern the policy does not hold", entry.pattern);
            fuzz::require(policy::mx_pattern_matches(entry.pattern, entry.mx),
                          "covered by a pattern that does not match");
        }
    }
    for (const auto& unused : policy::unused_mx_patterns(parse.mx, hosts)) {
        fuzz::require(std::find(parse.mx.begin(), parse.mx.end(), unused) != parse.mx.end(),
                      "an unused pattern not in the policy");
        for (const auto& host : hosts) {
            fuzz::require(!policy::mx_pattern_matches(unused, host), "an unused pattern that matches a host", unused);
        }
    }
    // §4.1: a host matches itself; one extra leftmost label matches "*." of it, two do not.
    for (const auto& host : hosts) {
        if (host.empty() || host.find('*') != std::string::npos || host.front() == '.' || host.ends_with('.')) {
            continue;
        }
        fuzz::require(policy::mx_pattern_matches(host, host), "a host does not match itself", host);
        fuzz::require(policy::mx_pattern_matches("*." + host, "a." + host), "*.host does not match a.host", host);
        fuzz::require(!policy::mx_pattern_matches("*." + host, "a.b." + host), "*.host matches a.b.host", host);
    }
    return 0;
}
