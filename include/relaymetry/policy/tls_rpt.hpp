#pragma once
// RFC 8460 §3: the TXT record at _smtp._tls.<domain>. Pure and fuzzable: any bytes, no exception.

#include <string>
#include <string_view>
#include <vector>

#include "relaymetry/core/facts.hpp"

namespace relaymetry::policy {

// Parses one record, exact to the ABNF of §3; every problem is listed; every rua URI is checked
// (mailto: with a valid address, or https: with a host).
// `valid` and `errors` are about the record's own syntax: it begins with v=TLSRPTv1 (case-sensitive),
// fields are separated by *WSP ";" *WSP, at least one rua= field, each holding a non-empty list of
// URIs separated by *WSP "," *WSP, extension fields are well formed. Whether each URI can receive
// reports (RFC 3986 syntax, the scheme, the address) is in its RuaUri only, so one bad URI yields one
// tls-rpt.rua-invalid finding, not also tls-rpt.invalid. A repeated rua field is valid (the ABNF's
// 1*(field-delim tlsrpt-field) allows it): the URIs of every field are kept in order, and
// rua_field_sizes records how many each field held, for tls-rpt.rua-repeated.
TlsRptParse parse_tls_rpt(std::string_view record);

// The RRset: records not starting with "v=TLSRPTv1" (followed by ';', whitespace or the end) are
// discarded; zero = not published, more than one = multiple, one = published or invalid. A failed
// lookup is lookup_failed.
TlsRptFacts tls_rpt_facts(LookupStatus status, const std::vector<std::string>& records);

}  // namespace relaymetry::policy
