// Host-name syntax (RFC 5321 §4.1.2 Domain, RFC 1035 lengths) on any bytes.
#include <algorithm>

#include "fuzz_check.hpp"
#include "fuzz_input.hpp"
#include "relaymetry/policy/host_name.hpp"

using namespace relaymetry;

namespace {

bool ldh(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.';
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const auto name = fuzz::as_text(data, size);
    const auto problem = policy::host_name_problem(name);
    if (problem) {
        fuzz::require(!problem->empty(), "a problem without words", name);
        return 0;
    }
    fuzz::require(!name.empty() && name.size() <= policy::k_max_name_length, "an accepted name of bad length", name);
    fuzz::require(std::all_of(name.begin(), name.end(), ldh), "an accepted name with a character outside LDH", name);
    for (const auto& label : fuzz::split(name, '.', name.size() + 1)) {
        fuzz::require(!label.empty() && label.size() <= policy::k_max_label_length, "an accepted label of bad length",
                      name);
        fuzz::require(label.front() != '-' && label.back() != '-', "an accepted label with a hyphen at an end", name);
    }
    return 0;
}
