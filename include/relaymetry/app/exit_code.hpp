#pragma once

namespace relaymetry::app {

// The documented exit codes (README.md, docs/cli.md). When several apply, the highest wins.
enum class ExitCode : int {
    ok = 0,        // nothing at or above --fail-on
    findings = 1,  // at least one domain has a finding at or above --fail-on
    usage = 2,     // bad usage or unreadable input (the other inputs are still processed)
    internal = 3,  // a bug: an exception escaped a check
};

inline ExitCode worst(ExitCode a, ExitCode b) {
    return static_cast<int>(a) >= static_cast<int>(b) ? a : b;
}

}  // namespace relaymetry::app
