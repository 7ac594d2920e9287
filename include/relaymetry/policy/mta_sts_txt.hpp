#pragma once
// RFC 8461 §3.1: the TXT record at _mta-sts.<domain>. Pure and fuzzable.

#include <string_view>
#include <vector>
#include <string>

#include "relaymetry/core/facts.hpp"

namespace relaymetry::policy {

// Parses one record, exact to the ABNF of §3.1; every problem is listed.
MtaStsTxtParse parse_mta_sts_txt(std::string_view record);

// The RRset as a sender sees it (§3.1): records not starting with "v=STSv1" are discarded; zero
// left = not published, more than one = multiple (no policy), one = published or invalid.
MtaStsTxtFacts mta_sts_txt_facts(LookupStatus status, const std::vector<std::string>& records);

}  // namespace relaymetry::policy
