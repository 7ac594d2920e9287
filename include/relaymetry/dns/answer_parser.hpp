#pragma once
// Pure parsing of a DNS response message into a LookupResult: no sockets, no channel, no clock. It reads
// bytes that came from the network, so it accepts any input (truncated, looping compression pointers,
// oversized counts) and answers `malformed` instead of crashing; it is the natural fuzzing target.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "relaymetry/core/dns_types.hpp"

namespace relaymetry::dns {

// At most this many addresses of each family are kept for one host.
inline constexpr std::size_t k_max_addresses_per_family = 8;
// At most this many SRV, MX or TXT records are kept from one answer; the rest are ignored.
inline constexpr std::size_t k_max_records_per_answer = 32;

// `response` is a whole DNS message (header included), as received for a query of `name`/`type`.
// The header's RCODE decides first: NXDOMAIN -> nxdomain, SERVFAIL -> servfail, REFUSED -> refused,
// any other non-zero RCODE -> servfail (RFC 1035 §4.1.1). With NOERROR, the records of `type` in the
// answer section (CNAME chains followed by c-ares) give `answer`; none of them gives `nodata`
// (RFC 2308 §2.2); bytes that do not parse give `malformed`. Host names come without the trailing
// dot; the root name (an SRV target or MX host of ".") comes back as ".". TXT records are one string
// each, their character-strings concatenated (RFC 7208 §3.3, RFC 8461 §3.1).
// The header's AD bit gives `dnssec` of an answer, NODATA or NXDOMAIN: secure when set, insecure when
// not (a SERVFAIL stays indeterminate: only a second query with CD can tell bogus). An extended DNS
// error in the OPT record (RFC 8914) is kept whatever the RCODE. TLSA records come parsed; DNSKEY
// records are only counted (answer or nodata).
LookupResult parse_answer(std::span<const unsigned char> response, std::string name, RecordType type);

// The smallest TTL of the answer and authority records (how long the answer may be reused; for a
// negative answer, its SOA's TTL, RFC 2308 §5); empty when there are none or the message does not parse.
std::optional<std::uint32_t> smallest_ttl(std::span<const unsigned char> response);

// The plain-English sentence for a failed lookup, e.g. "the DNS server answered SERVFAIL".
std::string describe_failure(LookupStatus status);

}  // namespace relaymetry::dns
