#pragma once
// Host-name syntax shared by the MTA-STS mx patterns, the TLS-RPT mailto: addresses and the domains
// users type. Pure.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace relaymetry::policy {

inline constexpr std::size_t k_max_label_length = 63;  // RFC 1035 §2.3.4
inline constexpr std::size_t k_max_name_length = 253;  // RFC 1035 §2.3.4 (255 octets on the wire)

// Checks an ASCII host name (no trailing dot) against RFC 5321 §4.1.2 `Domain`
// (sub-domain *("." sub-domain); sub-domain = Let-dig [Ldh-str]) and the RFC 1035 length limits, and
// rejects an all-numeric last label (no top-level domain is numeric; "192.0.2.1" is an address, not a
// name). A single label passes: callers that need a dot check for it. Returns nothing when the name is
// fine, else one plain-English sentence naming the first problem, e.g. "label 'a-' ends with a hyphen".
std::optional<std::string> host_name_problem(std::string_view name);

}  // namespace relaymetry::policy
