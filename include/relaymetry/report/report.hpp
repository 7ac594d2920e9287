#pragma once
// Renderers: facts and findings in, text or one JSON line out. Blind to the network.

#include <string>
#include <string_view>

#include "relaymetry/core/facts.hpp"
#include "relaymetry/core/finding.hpp"

namespace relaymetry::report {

struct TextOptions {
    bool color = false;
    bool timings = false;  // show per-step timings of each probe
};

// Plain English for a terminal, grouped by area: facts, then findings with their fix, then a verdict.
std::string render_text(const DomainFacts& facts, const Findings& findings, const TextOptions& options);

// One compact JSON object (docs/json.md, schema in docs/schema/), without a trailing newline.
std::string render_json(const DomainFacts& facts, const Findings& findings);
// The "schema_version" of render_json (docs/json.md): 2 since MX hosts have the shape of endpoints.
inline constexpr int k_schema_version = 2;

// `relaymetry lint ...`: kind is "mta-sts-policy", "mta-sts-txt" or "tls-rpt".
struct LintReport {
    std::string kind;
    bool valid = false;  // what a conforming sender concludes
    DomainFacts facts;   // holds only the linted area (and mx with --mx)
    Findings findings;
};
std::string render_lint_text(const LintReport& lint, const TextOptions& options);
std::string render_lint_json(const LintReport& lint);

// Control characters (and invalid UTF-8) of a network string escaped as JSON escapes, so a hostile
// peer cannot drive the user's terminal.
std::string escape_untrusted(std::string_view text);
// escape_untrusted line by line, the line feeds kept: for messages of several lines (a library's
// usage error) that quote what the user typed.
std::string escape_untrusted_lines(std::string_view text);

}  // namespace relaymetry::report
