#pragma once
// What every harness asserts about output, shared. A broken contract aborts with the reason on
// stderr, which libFuzzer reports as a crash and saves the input that caused it.

#include <cstddef>
#include <string>
#include <string_view>

namespace relaymetry::fuzz {

// Aborts with `what` (and the offending text, escaped) unless `condition` holds.
void require(bool condition, std::string_view what, std::string_view text = {});

// Whether `text` is valid UTF-8 (RFC 3629: no overlong forms, no surrogates, at most U+10FFFF).
bool valid_utf8(std::string_view text);

// The offset of the first code point a renderer must never print raw, or npos: C0 controls, DEL and
// C1 controls (U+0080-U+009F), except those `allowed` (e.g. "\n" or "\n\t").
std::size_t first_raw_control(std::string_view text, std::string_view allowed);

// Text for a terminal or a file a human reads: valid UTF-8, no raw control characters but `allowed`.
void require_clean_text(std::string_view text, std::string_view allowed, std::string_view what);

// The text without the SGR sequences (ESC [ digits ; ... m) that colour it: the only escape
// sequences the text reports may write.
std::string without_colour(std::string_view text);

// One JSON document per line, each parsing with nlohmann::json, the whole valid UTF-8 with no raw
// control characters except the newlines between documents.
void require_json_lines(std::string_view text, std::string_view what);

// A printable excerpt of `text` for a failure message.
std::string excerpt(std::string_view text);

}  // namespace relaymetry::fuzz
