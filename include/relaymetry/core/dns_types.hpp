#pragma once
// DNS facts as plain values: what a lookup returned, independent of the resolver library.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace relaymetry {

// Every lookup ends in exactly one of these; the rules must tell them apart
// (NXDOMAIN and NODATA mean "not published", the rest mean "could not tell"). `refused` is the
// resolver's answer REFUSED; `unreachable` means nothing answered at the resolver's address at all
// (connection refused, ICMP port unreachable); `timeout`, no answer in time.
enum class LookupStatus { answer, nxdomain, nodata, servfail, refused, timeout, malformed, unreachable };

std::string_view to_string(LookupStatus status);

// True when the name authoritatively has no such record (NXDOMAIN or NODATA).
inline bool is_absent(LookupStatus status) {
    return status == LookupStatus::nxdomain || status == LookupStatus::nodata;
}
// True when the lookup failed and nothing can be concluded about the record.
inline bool is_failure(LookupStatus status) {
    return status != LookupStatus::answer && !is_absent(status);
}
// True when the resolver itself gave no usable answer: nothing answered, nothing in time, or it
// refused to serve us. SERVFAIL and malformed answers are answers (about the domain's zone).
inline bool is_resolver_failure(LookupStatus status) {
    return status == LookupStatus::timeout || status == LookupStatus::unreachable || status == LookupStatus::refused;
}

// DNSKEY is asked only of the root, to learn whether the resolver validates.
enum class RecordType : std::uint16_t { a = 1, mx = 15, txt = 16, aaaa = 28, srv = 33, dnskey = 48, tlsa = 52 };

std::string_view to_string(RecordType type);

// What the resolver said about an answer's DNSSEC (RFC 4035 §3.2.3, RFC 6840 §5.7): relaymetry asks
// with the AD and DO bits set and trusts the AD bit of the answer, as Postfix and Exim do.
// secure: AD set (the answer, or the proof that there is none, validated). insecure: no AD (unsigned,
// or below an insecure delegation). bogus: SERVFAIL that succeeds when asked again with CD set (the
// zone's signatures do not validate). indeterminate: the lookup failed otherwise, nothing to say.
// Whether the resolver validates at all is a separate fact (DnsFacts::resolver_validates).
enum class DnssecStatus { secure, insecure, bogus, indeterminate };
std::string_view to_string(DnssecStatus status);

// The weaker of two statuses, for an RRset learned from several lookups (A and AAAA of one host):
// bogus < indeterminate < insecure < secure.
DnssecStatus weaker(DnssecStatus left, DnssecStatus right);

// An extended DNS error the resolver attached to its answer (RFC 8914 §2), e.g. 7 "Signature Expired".
struct ExtendedDnsError {
    std::uint16_t code = 0;
    std::string text;  // EXTRA-TEXT as sent (may be empty); network text
};
// The name IANA registers for an extended DNS error code (RFC 8914 §5.2), e.g. "Signature Expired";
// "Unknown" for codes outside the registry.
std::string_view extended_error_name(std::uint16_t code);

// One TLSA record (RFC 6698 §2.1), as published: the fields are not judged here.
struct TlsaRecord {
    std::uint8_t usage = 0;          // 0 PKIX-TA, 1 PKIX-EE, 2 DANE-TA, 3 DANE-EE (RFC 7218)
    std::uint8_t selector = 0;       // 0 full certificate, 1 SubjectPublicKeyInfo
    std::uint8_t matching_type = 0;  // 0 exact, 1 SHA-256, 2 SHA-512
    std::vector<std::uint8_t> data;
};
// Lower-case hex of `bytes`.
std::string to_hex(const std::vector<std::uint8_t>& bytes);
// The record as a zone file has it: "3 1 1 8f0c...".
std::string presentation(const TlsaRecord& record);

struct SrvRecord {
    std::string service;  // "_submissions._tcp" or "_submission._tcp"
    std::uint16_t priority = 0;
    std::uint16_t weight = 0;
    std::uint16_t port = 0;
    std::string target;  // without the trailing dot; "." when the service is explicitly not offered
};

struct MxRecord {
    std::uint16_t preference = 0;
    std::string host;  // without the trailing dot; "." for a null MX
};

// The outcome of one lookup. Only the vector matching the queried type is filled.
struct LookupResult {
    std::string name;
    RecordType type = RecordType::a;
    LookupStatus status = LookupStatus::timeout;
    std::string error;  // plain English when status is not answer/nxdomain/nodata
    DnssecStatus dnssec = DnssecStatus::indeterminate;
    std::optional<ExtendedDnsError> extended_error;
    std::vector<std::string> addresses;  // A / AAAA, textual
    std::vector<std::string> txt;        // one string per TXT record, character-strings concatenated
    std::vector<SrvRecord> srv;
    std::vector<MxRecord> mx;
    std::vector<TlsaRecord> tlsa;
    std::optional<std::uint32_t> ttl;  // seconds the answer may be reused (answer, nxdomain, nodata)
    // Records of the queried type that the answer carried but that cannot be used (an A record that
    // is not 4 bytes, an SRV target that is no host name, ...): left out of the vectors above, the
    // others kept. `dropped_records` describes the first few in plain English ("A record 2: rdata is
    // 5 bytes, not 4"; network bytes appear escaped as \xNN); `dropped_count` counts all of them.
    std::vector<std::string> dropped_records;
    std::size_t dropped_count = 0;
    // Usable records of the queried type left out because the answer had more than the parser keeps
    // (dns/answer_parser.hpp: its caps); never a silent cut.
    std::size_t records_cut = 0;
};

}  // namespace relaymetry
