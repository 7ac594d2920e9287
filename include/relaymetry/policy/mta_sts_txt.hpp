#pragma once
// RFC 8461 §3.1: the TXT record at _mta-sts.<domain>. Pure and fuzzable: any bytes, no exception.

#include <string>
#include <string_view>
#include <vector>

#include "relaymetry/core/facts.hpp"

namespace relaymetry::policy {

// Parses one record (its strings already concatenated), exact to the ABNF of §3.1: it begins with
// v=STSv1, fields are separated by *WSP ";" *WSP, "v=STSv1" and "id=" are case-sensitive, id is
// 1*32(ALPHA / DIGIT) and required; extension fields name=value are tolerated (and listed); of a
// repeated id the first counts (§3.2). Every problem is listed in plain English; `id` is set only
// when the record is valid. Quoted record text in messages is escaped and cut short.
MtaStsTxtParse parse_mta_sts_txt(std::string_view record);

// The RRset as a sender sees it (§3.1): records not starting with "v=STSv1" are discarded; zero
// left = not published, more than one = multiple (no policy), one = published or invalid.
// "Starting with v=STSv1" means the version followed by ';', whitespace or the end: the RFC's prose
// writes "v=STSv1;", its ABNF allows "v=STSv1 ;" (erratum 6285); "v=STSv10" and "V=STSv1" are
// discarded. A failed lookup (is_failure) is lookup_failed; NXDOMAIN/NODATA are not published.
MtaStsTxtFacts mta_sts_txt_facts(LookupStatus status, const std::vector<std::string>& records);

}  // namespace relaymetry::policy
