#pragma once
// Internal to the report stage: formatting shared by the text and JSON renderers.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "relaymetry/core/constants.hpp"
#include "relaymetry/core/facts.hpp"
#include "relaymetry/core/finding.hpp"

namespace relaymetry::report::detail {

// "2026-11-28T12:00:00Z" (ISO 8601, UTC).
std::string iso8601(std::int64_t unix_seconds);
// "2026-11-28" (UTC).
std::string date_only(std::int64_t unix_seconds);
std::int64_t unix_seconds(std::chrono::system_clock::time_point time);
// "0.812": a duration in seconds with millisecond precision.
std::string decimal_seconds(std::chrono::milliseconds duration);
// "pass" unless there is an error finding (the CLI applies --fail-on separately).
std::string_view result_of(const Summary& summary);
// "2 errors, 1 warning, 0 notices".
std::string counts(const Summary& summary);

// Every TLS endpoint of a domain that completed a handshake: each probed submission (and MX) address, and
// the MTA-STS policy host (port 443; its address is the first it resolved to).
struct TlsEndpoint {
    std::string domain;
    std::string host;
    std::uint16_t port = 0;
    std::string address;
    const TlsFacts* tls = nullptr;
    const StepTimings* timings = nullptr;  // SMTP probes only (submission, and MX with --mx-probe)
};
std::vector<TlsEndpoint> tls_endpoints(const DomainFacts& facts);

// The area a rule ID belongs to: what comes before its first dot ("cert.expired" -> "cert").
std::string_view area_of(std::string_view rule_id);

}  // namespace relaymetry::report::detail
