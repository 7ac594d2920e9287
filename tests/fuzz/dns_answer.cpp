// parse_answer and smallest_ttl on any bytes, as a DNS server (or something pretending to be one)
// could send them. The first byte picks the record type asked; the rest is the whole message.
#include <arpa/inet.h>

#include <array>

#include "fuzz_check.hpp"
#include "relaymetry/dns/answer_parser.hpp"

using namespace relaymetry;

namespace {

constexpr std::array k_types = {RecordType::a,   RecordType::aaaa,   RecordType::mx,  RecordType::txt,
                                RecordType::srv, RecordType::dnskey, RecordType::tlsa};

bool is_address(const std::string& text, int family) {
    std::array<unsigned char, 16> bytes{};
    return inet_pton(family, text.c_str(), bytes.data()) == 1;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) {
        return 0;
    }
    const auto type = k_types[data[0] % k_types.size()];
    const std::span<const unsigned char> message(data + 1, size - 1);
    const auto result = dns::parse_answer(message, "example.com", type);
    (void)dns::smallest_ttl(message);

    fuzz::require(result.type == type, "the result names another type than asked");
    // Only the vector of the type asked is filled, and each within its cap.
    const bool address_type = type == RecordType::a || type == RecordType::aaaa;
    fuzz::require(address_type || result.addresses.empty(), "addresses for a non-address query");
    fuzz::require(type == RecordType::txt || result.txt.empty(), "TXT strings for another query");
    fuzz::require(type == RecordType::mx || result.mx.empty(), "MX records for another query");
    fuzz::require(type == RecordType::srv || result.srv.empty(), "SRV records for another query");
    fuzz::require(type == RecordType::tlsa || result.tlsa.empty(), "TLSA records for another query");
    fuzz::require(result.addresses.size() <= k_max_addresses_per_family, "more addresses than the cap");
    fuzz::require(result.txt.size() <= k_max_records_per_answer, "more TXT records than the cap");
    fuzz::require(result.mx.size() <= k_max_records_per_answer, "more MX records than the cap");
    fuzz::require(result.srv.size() <= k_max_records_per_answer, "more SRV records than the cap");
    const bool has_records = !result.addresses.empty() || !result.txt.empty() || !result.mx.empty() ||
                             !result.srv.empty() || !result.tlsa.empty();
    fuzz::require(result.status == LookupStatus::answer || !has_records, "records without an answer");

    const int family = type == RecordType::a ? AF_INET : AF_INET6;
    for (const auto& address : result.addresses) {
        fuzz::require(is_address(address, family), "an address that is not one of the family asked", address);
    }
    // Host names come without the trailing dot, the root as ".".
    for (const auto& mx : result.mx) {
        fuzz::require(!mx.host.empty() && (mx.host == "." || !mx.host.ends_with('.')), "MX host form", mx.host);
    }
    for (const auto& srv : result.srv) {
        fuzz::require(!srv.target.empty() && (srv.target == "." || !srv.target.ends_with('.')), "SRV target form",
                      srv.target);
    }
    if (is_failure(result.status)) {
        fuzz::require(!dns::describe_failure(result.status).empty(), "a failure without a description");
    }
    return 0;
}
