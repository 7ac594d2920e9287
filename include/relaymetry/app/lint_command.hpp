#pragma once
// `relaymetry lint`: the parsers and rules of `check`, on text the user gives, before publishing it.

#include <iosfwd>
#include <string>
#include <vector>

#include "relaymetry/app/exit_code.hpp"
#include "relaymetry/app/gate.hpp"
#include "relaymetry/report/report.hpp"
#include "relaymetry/report/run_output.hpp"

namespace relaymetry::app {

enum class LintKind { mta_sts_policy, mta_sts_txt, tls_rpt };

struct LintRun {
    LintKind kind = LintKind::mta_sts_policy;
    std::vector<std::string> inputs;               // policy: one FILE or "-"; records: the TXT strings (the RRset)
    std::vector<std::string> mx;                   // policy: --mx hosts to check coverage against
    std::string domain = "<domain>";               // --domain: names the targets of findings
    report::Format format = report::Format::text;  // text, json or junit
    report::TextOptions text;
    Gate gate;
};

ExitCode run_lint(const LintRun& run, std::istream& in, std::ostream& out, std::ostream& err);

}  // namespace relaymetry::app
