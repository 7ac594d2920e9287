#pragma once

namespace relaymetry::app {

// The documented exit codes (README.md, docs/cli.md).
enum class ExitCode : int {
    ok = 0,               // nothing at or above --fail-on
    findings = 1,         // at least one domain has a finding at or above --fail-on
    usage = 2,            // bad usage or unreadable input (the other inputs are still processed)
    internal = 3,         // a bug: an exception escaped a check, or a probe ended in internal-error
    could_not_check = 4,  // a domain could not be checked (its resolver did not answer at all)
};

// When several apply, the one that says least about the domains wins: a bug (3) over bad input
// (2) over a check that could not run (4) over findings (1) over success (0).
inline int precedence(ExitCode code) {
    switch (code) {
        case ExitCode::ok: return 0;
        case ExitCode::findings: return 1;
        case ExitCode::could_not_check: return 2;
        case ExitCode::usage: return 3;
        case ExitCode::internal: return 4;
    }
    return 4;
}

inline ExitCode worst(ExitCode a, ExitCode b) {
    return precedence(a) >= precedence(b) ? a : b;
}

}  // namespace relaymetry::app
