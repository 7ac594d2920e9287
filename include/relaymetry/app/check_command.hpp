#pragma once
// `relaymetry check`: many domains on one event loop, at most --parallel at once, reported in input
// order as soon as each result and every one before it are ready.

#include <iosfwd>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "relaymetry/app/collect.hpp"
#include "relaymetry/app/exit_code.hpp"
#include "relaymetry/app/gate.hpp"
#include "relaymetry/app/progress.hpp"
#include "relaymetry/app/state_file.hpp"
#include "relaymetry/core/finding.hpp"
#include "relaymetry/report/report.hpp"
#include "relaymetry/report/run_output.hpp"
#include "relaymetry/rules/rules.hpp"

namespace relaymetry::app {

struct CheckRun {
    std::vector<std::string> domains;  // normalised
    CollectSettings settings;
    rules::RuleOptions rule_options;
    Gate gate;
    report::RunOutputOptions output;        // --format and what it needs
    std::vector<std::string> input_errors;  // refused inputs (already on stderr): nagios and junit name them
    std::size_t parallel = k_default_parallel;
    ProgressStyle progress = ProgressStyle::off;  // on `err`
    bool out_shares_screen = false;               // `out` is a terminal: results erase the live line first
    // --state: each domain's previous snapshot goes into its facts, its new one into the file, which is
    // written when the run is done (a domain that ended in an internal error keeps its old entry).
    std::shared_ptr<StateFile> state;
};

struct CheckResult {
    ExitCode code = ExitCode::ok;
    report::NagiosState nagios = report::NagiosState::ok;  // what --format nagios exits with
};

// Runs every domain; writes results to `out`, per-domain internal errors and the progress line to `err`.
CheckResult run_check(CheckRun run, std::ostream& out, std::ostream& err);

}  // namespace relaymetry::app
