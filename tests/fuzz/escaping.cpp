// escape_untrusted and escape_untrusted_lines: whatever the bytes, what reaches a terminal is valid
// UTF-8 without a control character, and text that needs no escape is left as it is.
#include "fuzz_check.hpp"
#include "fuzz_input.hpp"
#include "relaymetry/report/report.hpp"

#include <algorithm>

using namespace relaymetry;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const auto text = fuzz::as_text(data, size);
    const auto escaped = report::escape_untrusted(text);
    fuzz::require_clean_text(escaped, "", "escape_untrusted");
    const bool plain = std::all_of(text.begin(), text.end(), [](char c) { return c >= 0x20 && c < 0x7f && c != '\\'; });
    fuzz::require(!plain || escaped == text, "printable ASCII was changed", text);
    fuzz::require(escaped.size() >= text.size(), "escaping lost bytes", text);

    const auto lines = report::escape_untrusted_lines(text);
    fuzz::require_clean_text(lines, "\n", "escape_untrusted_lines");
    fuzz::require(std::count(lines.begin(), lines.end(), '\n') == std::count(text.begin(), text.end(), '\n'),
                  "escape_untrusted_lines changed the number of lines", text);
    return 0;
}
