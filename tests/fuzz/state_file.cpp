// One line of the --state file ("domain TAB {json}"), as another program or a crash may have left it:
// parse_state_entry never throws, and what it accepts survives writing and reading back unchanged.
#include "relaymetry/app/state_file.hpp"
#include <algorithm>

#include "fuzz_check.hpp"
#include "fuzz_input.hpp"

using namespace relaymetry;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const auto line = fuzz::as_text(data, size);
    (void)app::state_version(line);
    const auto snapshot = app::parse_state_entry(line);
    if (!snapshot) {
        return 0;
    }
    const auto written = app::state_entry(*snapshot);
    // One line of ASCII, its only control character the TAB after the domain (state_entry's comment).
    fuzz::require(std::count(written.begin(), written.end(), '\t') == 1, "a state entry without exactly one TAB",
                  written);
    fuzz::require(std::all_of(written.begin(), written.end(),
                              [](char c) { return c == '\t' || (c >= 0x20 && c < 0x7f) || c == 0x7f; }),
                  "a state entry with a control character or a non-ASCII byte", written);
    const auto again = app::parse_state_entry(written);
    fuzz::require(again.has_value(), "a written entry does not read back", written);
    fuzz::require(*again == *snapshot, "an entry changes when written and read back", written);
    return 0;
}
