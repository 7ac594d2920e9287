#pragma once
// The query messages relaymetry sends, built here rather than by c-ares: c-ares 1.18 cannot set the
// DO and AD bits (RFC 3225, RFC 6840 §5.7) or CD (RFC 4035 §3.2.2), which the DNSSEC status needs.

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "relaymetry/core/dns_types.hpp"

namespace relaymetry::dns {

// EDNS UDP payload size (RFC 6891 §6.2.5, DNS Flag Day 2020): large enough for the answers we ask for,
// small enough to avoid IP fragmentation.
inline constexpr std::uint16_t k_edns_payload = 1232;

// A whole query message for `name`/`type` in class IN: ID 0 (c-ares gives each query its own), RD and
// AD set, CD when `checking_disabled`, and an OPT record with DO set and k_edns_payload. Empty when
// `name` cannot be encoded (an empty label, a label over 63 bytes, a name over 255). "." is the root.
std::optional<std::vector<std::uint8_t>> build_query(std::string_view name, RecordType type, bool checking_disabled);

}  // namespace relaymetry::dns
