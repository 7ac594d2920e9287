#pragma once
// Which findings count for the exit code (check and lint alike). Pure.

#include <optional>
#include <string>
#include <vector>

#include "relaymetry/core/finding.hpp"

namespace relaymetry::app {

// --fail-on and --ignore (exact IDs or "area.*").
struct Gate {
    std::optional<Severity> fail_on = Severity::error;  // nullopt = never
    std::vector<std::string> ignore;

    bool ignored(const Finding& finding) const;
    bool fails(const Findings& findings) const;
};

}  // namespace relaymetry::app
