// The lint pipeline end to end (relaymetry lint mta-sts-policy | mta-sts-txt | tls-rpt): text in,
// parsed, judged by the rules and rendered as text, JSON and JUnit. The first byte picks the kind and
// the format; the rest is the policy body followed after a NUL by --mx hosts (one a line), or the
// TXT RRset (records separated by NUL). Whatever comes in, what comes out is valid UTF-8 without raw
// control characters, the JSON parses, and nothing goes to stderr.
#include <sstream>
#include <string>

#include "fuzz_check.hpp"
#include "fuzz_input.hpp"
#include "relaymetry/app/lint_command.hpp"

using namespace relaymetry;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) {
        return 0;
    }
    const auto text = fuzz::as_text(data + 1, size - 1);
    app::LintRun run;
    run.kind = static_cast<app::LintKind>(data[0] % 3);
    constexpr report::Format k_formats[] = {report::Format::text, report::Format::json, report::Format::junit};
    run.format = k_formats[(data[0] / 3) % 3];
    run.text.color = (data[0] & 0x80) != 0;
    std::istringstream in;
    if (run.kind == app::LintKind::mta_sts_policy) {
        const auto parts = fuzz::split(text, '\0', 2);
        in.str(parts[0]);
        run.inputs = {"-"};
        if (parts.size() == 2) {
            run.mx = fuzz::split(parts[1], '\n', 8);
        }
    } else {
        run.inputs = fuzz::split(text, '\0', 8);
    }
    run.domain = "example.com";
    std::ostringstream out;
    std::ostringstream err;
    const auto code = app::run_lint(run, in, out, err);
    fuzz::require(code == app::ExitCode::ok || code == app::ExitCode::findings, "lint ended with a usage error");
    fuzz::require(err.str().empty(), "lint wrote to stderr", err.str());
    const auto output = out.str();
    fuzz::require(!output.empty(), "lint printed nothing");
    switch (run.format) {
        case report::Format::json: fuzz::require_json_lines(output, "lint --json"); break;
        case report::Format::junit:
            fuzz::require_clean_text(output, "\n", "lint --format junit");
            fuzz::require(output.starts_with("<?xml"), "JUnit output is not an XML document", output);
            break;
        default: fuzz::require_clean_text(fuzz::without_colour(output), "\n", "lint text report");
    }
    return 0;
}
