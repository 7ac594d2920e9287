// TLSA RDATA (RFC 6698 §2.1): the input is the RDATA of the one answer record of an otherwise
// well-formed response to a TLSA query, so every execution reaches the TLSA field parser. What it
// yields then goes through the DANE judgement of one record (tlsa_problem, presentation).
#include <algorithm>
#include <vector>

#include "fuzz_check.hpp"
#include "relaymetry/dns/answer_parser.hpp"
#include "relaymetry/policy/dane.hpp"

using namespace relaymetry;

namespace {

constexpr std::size_t k_max_rdata = 65535;  // RDLENGTH is 16 bits (RFC 1035 §4.1.3)

void put16(std::vector<unsigned char>& out, std::size_t value) {
    out.push_back(static_cast<unsigned char>(value >> 8));
    out.push_back(static_cast<unsigned char>(value & 0xff));
}

// A NOERROR response to "_25._tcp.mx.example.com TLSA" with one answer holding `rdata`.
std::vector<unsigned char> response(std::span<const std::uint8_t> rdata) {
    std::vector<unsigned char> out = {0x12, 0x34, 0x81, 0x80, 0, 1, 0, 1, 0, 0, 0, 0};
    for (const std::string_view label : {"_25", "_tcp", "mx", "example", "com"}) {
        out.push_back(static_cast<unsigned char>(label.size()));
        out.insert(out.end(), label.begin(), label.end());
    }
    out.push_back(0);
    put16(out, 52);  // TLSA
    put16(out, 1);   // IN
    out.insert(out.end(), {0xc0, 0x0c});
    put16(out, 52);
    put16(out, 1);
    out.insert(out.end(), {0, 0, 0x0e, 0x10});  // TTL 3600
    put16(out, rdata.size());
    out.insert(out.end(), rdata.begin(), rdata.end());
    return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::span<const std::uint8_t> rdata(data, std::min(size, k_max_rdata));
    const auto message = response(rdata);
    const auto result = dns::parse_answer(message, "_25._tcp.mx.example.com", RecordType::tlsa);
    if (rdata.size() < 3) {
        fuzz::require(result.tlsa.empty(), "a TLSA record from RDATA shorter than its three fields");
        return 0;
    }
    fuzz::require(result.status == LookupStatus::answer, "a well-formed TLSA answer is not an answer");
    fuzz::require(result.tlsa.size() == 1, "one TLSA RR did not give one record");
    const auto& record = result.tlsa.front();
    fuzz::require(record.usage == rdata[0] && record.selector == rdata[1] && record.matching_type == rdata[2],
                  "the TLSA fields are not the first three bytes");
    const auto data_bytes = rdata.subspan(3);
    fuzz::require(record.data.size() <= data_bytes.size() &&
                      std::equal(record.data.begin(), record.data.end(), data_bytes.begin()),
                  "the association data is not the RDATA after the fields");

    for (const std::uint16_t port : {policy::k_mx_tlsa_port, std::uint16_t{465}}) {
        const auto problem = policy::tlsa_problem(record, port);
        fuzz::require(!to_string(problem).empty(), "a TLSA problem without a name");
        fuzz::require(problem != TlsaProblem::empty_data || record.data.empty() || record.matching_type > 2,
                      "empty_data for a record with data");
    }
    const auto text = presentation(record);
    const auto hex = to_hex(record.data);
    fuzz::require(text.size() >= hex.size() && text.ends_with(hex), "the presentation does not end in the data", text);
    fuzz::require(hex.find_first_not_of("0123456789abcdef") == std::string::npos, "hex that is not lower-case", hex);
    return 0;
}
