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
// Fan-out caps (docs/cli.md "Limits"): the work one domain can ask for is bounded, whatever its DNS
// says; what a cap leaves out is reported (CapReached, DnsFacts::trimmed_answers), never dropped in
// silence.
// Addresses of each family kept for one host, when it is resolved (dns/answer_parser.cpp).
inline constexpr std::size_t k_max_addresses_per_family = 8;
// SRV, MX, TXT or TLSA records kept from one answer (LookupResult::records_cut counts the rest).
inline constexpr std::size_t k_max_records_per_answer = 32;
// --mx-probe: the MX hosts probed, in preference order.
inline constexpr std::size_t k_max_probed_mx_hosts = 10;
// MX hosts resolved (and matched against an MTA-STS policy), in preference order.
inline constexpr std::size_t k_max_resolved_mx_hosts = 32;
// SRV targets probed per submission service (_submissions, _submission), in RFC 2782 order.
inline constexpr std::size_t k_max_srv_targets_per_service = 8;
// Address probes per domain: submission (ports 465 and 587 together), and port 25 with --mx-probe.
// Shared out over the endpoints in turn (each endpoint's first address, then each one's second, ...).
inline constexpr std::size_t k_max_submission_probes = 32;
inline constexpr std::size_t k_max_mx_probes = 32;
// Certificates of one chain kept, described and verified (the leaf included). Real chains have 2-4.
inline constexpr std::size_t k_max_chain_certificates = 10;
// Bytes of the TLS Certificate message accepted: OpenSSL's default for clients, so what relaymetry
// rejects, OpenSSL-based senders reject too.
inline constexpr long k_max_certificate_list_bytes = 100 * 1024;

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
