#include "relaymetry/dns/query.hpp"

namespace relaymetry::dns {

namespace {

constexpr std::size_t k_max_label = 63;  // RFC 1035 §2.3.4
constexpr std::size_t k_max_name = 255;
constexpr std::uint8_t k_flags_rd = 0x01;  // byte 2
constexpr std::uint8_t k_flags_ad = 0x20;  // byte 3
constexpr std::uint8_t k_flags_cd = 0x10;  // byte 3
constexpr std::uint16_t k_type_opt = 41;
constexpr std::uint16_t k_class_in = 1;
constexpr std::uint8_t k_edns_do = 0x80;  // the high bit of the OPT record's flags (RFC 3225 §3)

void put16(std::vector<std::uint8_t>& out, std::uint16_t value) {
    out.push_back(static_cast<std::uint8_t>(value >> 8));
    out.push_back(static_cast<std::uint8_t>(value & 0xFF));
}

// Appends `name` in wire form ("." and "" are the root); false when a label is empty or too long, or the name too long.
bool put_name(std::vector<std::uint8_t>& out, std::string_view name) {
    if (name.ends_with('.')) {
        name.remove_suffix(1);
    }
    const auto start = out.size();
    while (!name.empty()) {
        const auto dot = name.find('.');
        const auto label = name.substr(0, dot);
        if (label.empty() || label.size() > k_max_label) {
            return false;
        }
        out.push_back(static_cast<std::uint8_t>(label.size()));
        out.insert(out.end(), label.begin(), label.end());
        name = dot == std::string_view::npos ? std::string_view{} : name.substr(dot + 1);
        if (dot != std::string_view::npos && name.empty()) {
            return false;  // "a..": an empty label in the middle
        }
    }
    out.push_back(0);
    return out.size() - start <= k_max_name;
}

}  // namespace

std::optional<std::vector<std::uint8_t>> build_query(std::string_view name, RecordType type, bool checking_disabled) {
    std::vector<std::uint8_t> query{
        0, 0, k_flags_rd, static_cast<std::uint8_t>(k_flags_ad | (checking_disabled ? k_flags_cd : 0)),
        0, 1,   // one question
        0, 0,   // no answers
        0, 0,   // no authority records
        0, 1};  // one additional record: the OPT
    if (!put_name(query, name)) {
        return std::nullopt;
    }
    put16(query, static_cast<std::uint16_t>(type));
    put16(query, k_class_in);
    query.push_back(0);  // OPT owner: the root
    put16(query, k_type_opt);
    put16(query, k_edns_payload);  // the class field carries the payload size
    query.push_back(0);            // extended RCODE
    query.push_back(0);            // EDNS version 0
    query.push_back(k_edns_do);
    query.push_back(0);
    put16(query, 0);  // no options
    return query;
}

}  // namespace relaymetry::dns
