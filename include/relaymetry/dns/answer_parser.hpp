#pragma once
// Pure parsing of a DNS response message into a LookupResult: no sockets, no channel, no clock, no
// c-ares. It reads bytes that came from the network, so it accepts any input (truncated, looping
// compression pointers, oversized counts) and answers `malformed` instead of crashing; it is the
// natural fuzzing target. "Not published" comes only from what the DNS said: a lookup that could not
// be completed is a failure, never NODATA.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "relaymetry/core/constants.hpp"
#include "relaymetry/core/dns_types.hpp"

namespace relaymetry::dns {

// At most this many dropped records are described (LookupResult::dropped_records); all are counted.
inline constexpr std::size_t k_max_dropped_descriptions = 8;

// `response` is a whole DNS message (header included), as received for a query of `name`/`type`.
// The header's RCODE decides first: REFUSED -> refused, SERVFAIL and any other RCODE but NOERROR
// and NXDOMAIN -> servfail (RFC 1035 §4.1.1). Then a set TC bit -> malformed: the answer is
// incomplete even over TCP (RFC 2181 §9; the comment in the .cpp says why it came over TCP).
// NXDOMAIN -> nxdomain. With NOERROR, a message that does not frame (counts larger than the records
// present, a length or name past the end, a compression pointer that does not point backwards, a
// label over 63 or a name over 255 bytes) -> malformed. Otherwise the CNAME chain from `name` is
// followed through the answer section (at most 16 links; a loop -> malformed "CNAME loop: a -> b ->
// a"), and only the records of `type` owned by its end count, names compared without ASCII case
// (RFC 4343); records of other names are ignored. None of them -> `nodata` (RFC 2308 §2.2), also when
// the chain ends at a name without records. Each record must fill its RDATA exactly (A 4 bytes, AAAA
// 16, SRV priority/weight/port and a target, MX preference and a host, TXT whole character-strings,
// TLSA its 3 fields and at most 16384 bytes of data), and an SRV target or MX host must be a usable
// host name (printable ASCII, no '.' inside a label). A record that is not is dropped and named in
// `dropped_records`, the others kept -> `answer`; when every one is dropped -> malformed, the error
// naming the first. Host names come without the trailing dot; the root name (an SRV target or MX
// host of ".") comes back as ".". TXT records are one string each, their character-strings
// concatenated (RFC 7208 §3.3, RFC 8461 §3.1). A record sent twice (the same RDATA) is kept once.
// The header's AD bit gives `dnssec` of an answer, NODATA or NXDOMAIN: secure when set, insecure when
// not (a SERVFAIL stays indeterminate: only a second query with CD can tell bogus). An extended DNS
// error in the OPT record (RFC 8914) is kept whatever the RCODE. TLSA records come parsed; DNSKEY
// records are only counted (answer or nodata). `ttl` is smallest_ttl of an answer, nodata or nxdomain.
LookupResult parse_answer(std::span<const unsigned char> response, std::string name, RecordType type);

// The smallest TTL of the answer and authority records (how long the answer may be reused; for a
// negative answer, its SOA's TTL, RFC 2308 §5); empty when there are none or the message does not parse.
std::optional<std::uint32_t> smallest_ttl(std::span<const unsigned char> response);

// The plain-English sentence for a failed lookup, e.g. "the DNS server answered SERVFAIL".
std::string describe_failure(LookupStatus status);

}  // namespace relaymetry::dns
