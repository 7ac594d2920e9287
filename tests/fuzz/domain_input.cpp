// What users type as domains (check DOMAIN..., check -f FILE): normalize_domain on the first line of
// the input, parse_domain_list on the whole of it.
#include "relaymetry/app/domain_input.hpp"
#include "fuzz_check.hpp"
#include "fuzz_input.hpp"
#include "relaymetry/policy/host_name.hpp"

using namespace relaymetry;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const auto text = fuzz::as_text(data, size);
    const auto first = text.substr(0, text.find('\n'));
    const auto domain = app::normalize_domain(first);
    if (domain) {
        fuzz::require(!policy::host_name_problem(*domain), "a normalised domain that is not a host name", *domain);
        fuzz::require(domain->find('.') != std::string::npos, "a normalised domain of one label", *domain);
        for (const char c : *domain) {
            fuzz::require(!(c >= 'A' && c <= 'Z'), "a normalised domain not in lower case", *domain);
        }
        const auto again = app::normalize_domain(*domain);
        fuzz::require(again && *again == *domain, "normalising twice changes the domain", *domain);
    } else {
        fuzz::require(!domain.error().empty(), "a refused domain without a reason", first);
    }
    std::size_t previous = 0;
    for (const auto& line : app::parse_domain_list(text)) {
        fuzz::require(line.line > previous, "domain list lines out of order");
        previous = line.line;
        fuzz::require(line.text.find('\n') == std::string::npos, "a domain list line holds a line feed", line.text);
        fuzz::require(line.domain.has_value() || !line.domain.error().empty(), "a refused line without a reason");
    }
    return 0;
}
