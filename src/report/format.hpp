#pragma once
// Internal to the report stage: formatting shared by the text and JSON renderers.

#include <cstdint>
#include <string>
#include <string_view>

#include "relaymetry/core/constants.hpp"
#include "relaymetry/core/facts.hpp"
#include "relaymetry/core/finding.hpp"

namespace relaymetry::report::detail {

// "2026-11-28T12:00:00Z" (ISO 8601, UTC).
std::string iso8601(std::int64_t unix_seconds);
// "2026-11-28" (UTC).
std::string date_only(std::int64_t unix_seconds);
std::int64_t unix_seconds(std::chrono::system_clock::time_point time);
// "pass" unless there is an error finding (the CLI applies --fail-on separately).
std::string_view result_of(const Summary& summary);
// "2 errors, 1 warning, 0 notices".
std::string counts(const Summary& summary);

}  // namespace relaymetry::report::detail
