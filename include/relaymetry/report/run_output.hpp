#pragma once
// A whole run's output in one of the --format formats. Text, JSON Lines and JUnit print each domain
// as its turn comes; Nagios and Prometheus need every domain before they print (one status line; one
// group of lines per metric), so they keep each domain's share, in a compact form, until the end.

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "relaymetry/core/facts.hpp"
#include "relaymetry/core/finding.hpp"
#include "relaymetry/report/report.hpp"

namespace relaymetry::report {

enum class Format { text, json, nagios, prometheus, junit };
std::optional<Format> parse_format(std::string_view name);
std::string_view to_string(Format format);

// The Monitoring Plugins states, with their exit codes.
enum class NagiosState { ok = 0, warning = 1, critical = 2, unknown = 3 };
std::string_view to_string(NagiosState state);
// Of two states, the one to report: CRITICAL over WARNING over UNKNOWN over OK (the Monitoring
// Plugins' max_state_alt): a real problem outranks a check that could not run.
NagiosState worse(NagiosState a, NagiosState b);

struct NagiosThresholds {
    std::optional<Severity> warning_on = Severity::warning;  // nullopt = never
    std::optional<Severity> critical_on = Severity::error;
};
// The state one finding of this severity makes on its own.
NagiosState nagios_state(Severity severity, const NagiosThresholds& thresholds);
// The state of one checked domain: the most severe finding against the thresholds.
NagiosState nagios_state(const Findings& findings, const NagiosThresholds& thresholds);

struct RunOutputOptions {
    Format format = Format::text;
    TextOptions text;
    NagiosThresholds nagios;
    std::optional<Severity> fail_on = Severity::error;  // junit: findings at or above it are failures
    int expiry_warning_days = 14;                       // nagios: the warning threshold of certificate days
};

// How a domain's check ended, as the app saw it.
struct DomainOutcome {
    const std::string& domain;
    const DomainFacts* facts = nullptr;         // null when an internal error left no facts
    const Findings* findings = nullptr;         // after --ignore
    bool could_not_check = false;               // the resolver did not answer
    std::optional<std::string> internal_error;  // why no facts
};

// A domain's share of the output: parts the format assembles (one for the streaming formats).
using Share = std::vector<std::string>;

class RunOutput {
public:
    virtual ~RunOutput() = default;
    // Before the first domain.
    virtual std::string begin() { return {}; }
    // As each domain is done, in any order; pure.
    virtual Share render(const DomainOutcome& outcome) const = 0;
    // In input order: what to print now for one domain's share.
    virtual std::string print(Share share) = 0;
    // After the last domain. `input_errors`: lines of user input that were refused (bad domains).
    virtual std::string end(const std::vector<std::string>& input_errors) = 0;
};

std::unique_ptr<RunOutput> make_run_output(const RunOutputOptions& options);

// The Nagios state of a whole run: what `--format nagios` exits with.
NagiosState run_state(const std::vector<NagiosState>& domains, bool input_errors);

// `lint --format junit`: one testsuite for the linted text.
std::string render_lint_junit(const LintReport& lint, std::optional<Severity> fail_on);

}  // namespace relaymetry::report
