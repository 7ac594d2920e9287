#pragma once
// Internal to the report stage: the formats that make_run_output chooses from.

#include <memory>

#include "relaymetry/report/run_output.hpp"

namespace relaymetry::report::detail {

std::unique_ptr<RunOutput> make_nagios_output(const RunOutputOptions& options);
std::unique_ptr<RunOutput> make_prometheus_output(const RunOutputOptions& options);
std::unique_ptr<RunOutput> make_junit_output(const RunOutputOptions& options);

}  // namespace relaymetry::report::detail
