#pragma once
// RFC 8460 §3: the TXT record at _smtp._tls.<domain>. Pure and fuzzable.

#include <string>
#include <string_view>
#include <vector>

#include "relaymetry/core/facts.hpp"

namespace relaymetry::policy {

// Parses one record, exact to the ABNF of §3; every problem is listed; every rua URI is checked
// (mailto: with a valid address, or https:).
TlsRptParse parse_tls_rpt(std::string_view record);

// The RRset: records not starting with "v=TLSRPTv1" are discarded; zero = not published, more than
// one = multiple, one = published or invalid.
TlsRptFacts tls_rpt_facts(LookupStatus status, const std::vector<std::string>& records);

}  // namespace relaymetry::policy
