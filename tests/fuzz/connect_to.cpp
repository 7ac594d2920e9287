// --connect-to HOST:PORT:ADDR:PORT (curl's syntax) on any text a user could type.
#include "relaymetry/probe/connect_to.hpp"
#include "fuzz_check.hpp"
#include "fuzz_input.hpp"

using namespace relaymetry;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const auto text = fuzz::as_text(data, size);
    const auto rule = probe::parse_connect_to(text);
    if (!rule) {
        fuzz::require(!rule.error().empty(), "a refused value without a reason", text);
        return 0;
    }
    fuzz::require(probe::is_ip_literal(rule->address), "a rule whose address is not an IP literal", text);
    for (const char c : rule->host) {
        fuzz::require(!(c >= 'A' && c <= 'Z'), "a rule host not in lower case", text);
    }
    // The rule applies to what it names, and sends it where it says.
    const std::string host = rule->host.empty() ? "any.example" : rule->host;
    const std::uint16_t port = rule->port == 0 ? 25 : rule->port;
    const auto destination = probe::redirect({*rule}, host, port);
    fuzz::require(destination.has_value(), "a rule does not apply to the host and port it names", text);
    fuzz::require(destination->address == rule->address, "redirected elsewhere than the rule's address", text);
    fuzz::require(destination->port == (rule->address_port == 0 ? port : rule->address_port),
                  "redirected to another port than the rule's", text);
    return 0;
}
