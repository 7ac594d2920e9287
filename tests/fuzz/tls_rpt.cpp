// The _smtp._tls TXT record (RFC 8460 §3): the input is the RRset, its records separated by NUL.
#include <numeric>
#include <string>

#include "fuzz_check.hpp"
#include "fuzz_input.hpp"
#include "relaymetry/policy/tls_rpt.hpp"

using namespace relaymetry;

namespace {

std::string lower(std::string text) {
    for (auto& c : text) {
        c = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
    }
    return text;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const auto records = fuzz::split(fuzz::as_text(data, size), '\0', 8);
    for (const auto& record : records) {
        const auto parse = policy::parse_tls_rpt(record);
        fuzz::require(parse.valid == parse.errors.empty(), "valid disagrees with the errors listed", record);
        fuzz::require(!parse.valid || record.starts_with("v=TLSRPTv1"), "valid without v=TLSRPTv1", record);
        fuzz::require(!parse.valid || !parse.rua.empty(), "valid without a rua URI", record);
        const auto in_fields =
            std::accumulate(parse.rua_field_sizes.begin(), parse.rua_field_sizes.end(), std::size_t{0});
        fuzz::require(in_fields == parse.rua.size(), "rua_field_sizes does not add up to the URIs", record);
        for (const auto& rua : parse.rua) {
            fuzz::require(rua.valid == rua.error.empty(), "a rua URI's validity disagrees with its error", rua.uri);
            // RFC 3986 §3.1: schemes are case-insensitive.
            const auto scheme = lower(rua.uri.substr(0, rua.uri.find(':') + 1));
            fuzz::require(!rua.valid || scheme == "mailto:" || scheme == "https:",
                          "a usable rua URI that is neither mailto: nor https:", rua.uri);
        }
    }
    (void)policy::tls_rpt_facts(LookupStatus::answer, records);
    return 0;
}
