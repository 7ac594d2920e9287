#pragma once
// DNS facts as plain values: what a lookup returned, independent of the resolver library.

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

enum class RecordType : std::uint16_t { a = 1, mx = 15, txt = 16, aaaa = 28, srv = 33 };

std::string_view to_string(RecordType type);

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
    std::string error;                   // plain English when status is not answer/nxdomain/nodata
    std::vector<std::string> addresses;  // A / AAAA, textual
    std::vector<std::string> txt;        // one string per TXT record, character-strings concatenated
    std::vector<SrvRecord> srv;
    std::vector<MxRecord> mx;
    std::optional<std::uint32_t> ttl;  // seconds the answer may be reused (answer, nxdomain, nodata)
};

}  // namespace relaymetry
