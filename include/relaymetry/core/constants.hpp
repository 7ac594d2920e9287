#pragma once
// Numbers that more than one stage needs, each defined once. The defaults are those of the CLI
// (docs/cli.md); the protocol constants cite their RFC.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace relaymetry {

// RFC 8461 §3.3: the policy is fetched from https://mta-sts.<domain>/.well-known/mta-sts.txt and
// "Policy bodies SHOULD be no larger than 64 KiB"; senders may refuse larger ones, and so do we.
inline constexpr std::uint16_t k_https_port = 443;
inline constexpr std::string_view k_policy_path = "/.well-known/mta-sts.txt";
inline constexpr std::size_t k_max_policy_bytes = 64 * 1024;

inline constexpr std::int64_t k_seconds_per_day = 86400;

// RFC 5321 §4.5.4.1 / RFC 7672 §2.2: receivers (MX hosts) take mail on port 25, and DANE looks for
// their TLSA records at _25._tcp.<mx-host>.
inline constexpr std::uint16_t k_smtp_port = 25;
// --mx-probe: the MX hosts probed, in preference order (the addresses of each are capped at
// k_max_addresses_per_family per family when they are resolved).
inline constexpr std::size_t k_max_probed_mx_hosts = 10;

// Defaults of `relaymetry check`.
inline constexpr std::chrono::milliseconds k_default_timeout{15000};  // the whole check of one domain
inline constexpr int k_default_expiry_warning_days = 14;
inline constexpr std::size_t k_default_parallel = 256;

// floor((not_after - now) / one day): negative once expired (an hour ago is -1, not 0).
inline std::int64_t days_left(std::int64_t not_after, std::int64_t now) {
    const std::int64_t difference = not_after - now;
    return difference >= 0 ? difference / k_seconds_per_day
                           : -((-difference + k_seconds_per_day - 1) / k_seconds_per_day);
}

// The policy URL of a policy host ("mta-sts.<domain>").
inline std::string policy_url(std::string_view policy_host) {
    return "https://" + std::string(policy_host) + std::string(k_policy_path);
}

}  // namespace relaymetry
