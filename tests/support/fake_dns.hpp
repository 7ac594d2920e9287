#pragma once
// A scripted DNS server on 127.0.0.1 (ephemeral port, UDP and TCP on the same port) with its own thread
// and io_context, in the manner of c-ares' test MockServer. Answers are built by hand here (never by
// c-ares, which is what the tests examine). Records are scripted per (name, type), names compared
// case-insensitively; a name can instead be told to misbehave. Unscripted names get NXDOMAIN; a name
// with records, but none of the asked type, gets NODATA. Every query received is recorded.

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace relaymetry::test {

// Record type codes (RFC 1035 §3.2.2, RFC 3596, RFC 2782).
inline constexpr std::uint16_t k_type_a = 1;
inline constexpr std::uint16_t k_type_cname = 5;
inline constexpr std::uint16_t k_type_mx = 15;
inline constexpr std::uint16_t k_type_txt = 16;
inline constexpr std::uint16_t k_type_aaaa = 28;
inline constexpr std::uint16_t k_type_srv = 33;
inline constexpr std::uint16_t k_type_dnskey = 48;
inline constexpr std::uint16_t k_type_tlsa = 52;

struct FakeRecord {
    std::string name;
    std::uint16_t type = k_type_a;
    std::uint32_t ttl = 300;
    std::string address;               // A, AAAA: textual address
    std::string target;                // CNAME target, MX host, SRV target; "." = the root
    std::uint16_t preference = 0;      // MX preference, SRV priority
    std::uint16_t weight = 0;          // SRV
    std::uint16_t port = 0;            // SRV
    std::vector<std::string> strings;  // TXT: the character-strings of one record (longer than 255: split)
    std::string raw;                   // TLSA, DNSKEY: the RDATA as bytes
    // Any type: these bytes as the RDATA instead of the fields above (a hostile server's record,
    // e.g. an A record of 5 bytes).
    std::optional<std::string> rdata_override;

    static FakeRecord a(std::string name, std::string address);
    static FakeRecord aaaa(std::string name, std::string address);
    static FakeRecord cname(std::string name, std::string target);
    static FakeRecord mx(std::string name, std::uint16_t preference, std::string host);
    static FakeRecord txt(std::string name, std::vector<std::string> strings);
    static FakeRecord srv(std::string name, std::uint16_t priority, std::uint16_t weight, std::uint16_t port,
                          std::string target);
    // `data`: the certificate association data as hex ("" allowed; odd-length or non-hex throws).
    static FakeRecord tlsa(std::string name, std::uint8_t usage, std::uint8_t selector, std::uint8_t matching_type,
                           std::string_view data);
};

// How the server plays a resolver's DNSSEC for the names of a zone (the longest zone suffix wins; by
// default the root is `secure`, so every name is): secure answers carry AD when the query asked with
// AD or DO (RFC 6840 §5.7); insecure ones never do; bogus names get SERVFAIL with an extended DNS
// error (RFC 8914: 7, "Signature Expired") unless the query has CD set, then the normal answer
// without AD. set_validating(false) makes the server a non-validating resolver: never AD, never bogus.
enum class FakeDnssec { secure, insecure, bogus };

enum class DnsBehaviour {
    answer,           // the scripted records (the default)
    nxdomain,         // RCODE 3
    nodata,           // NOERROR, empty answer section
    servfail,         // RCODE 2
    refused,          // RCODE 5
    drop,             // no answer at all
    truncate,         // over UDP: TC set and no records; over TCP: the normal answer
    truncate_loop,    // over UDP: TC set; over TCP: garbage bytes, then the connection is closed
    truncate_always,  // TC set and no records, over UDP and over TCP alike
    garbage,          // random bytes (never with the query's ID); over TCP the connection is then closed
    malformed,        // the query's ID and question, NOERROR, one answer record cut short (a bad name pointer)
};

// "nxdomain", "truncate-loop", ... (the scenario spelling); nullopt for anything else.
std::optional<DnsBehaviour> parse_dns_behaviour(std::string_view text);

struct FakeDnsQuery {
    std::string name;  // lower case, no trailing dot
    std::uint16_t type = 0;
    bool tcp = false;
    bool edns = false;               // an OPT record was present (RFC 6891)
    std::uint16_t edns_payload = 0;  // its UDP payload size
    bool dnssec_ok = false;          // DO in the OPT record (RFC 3225)
    bool authentic_data = false;     // AD in the header
    bool checking_disabled = false;  // CD in the header
};

class FakeDns {
public:
    // Serving when the constructor returns. port 0 = an ephemeral port, free for both UDP and TCP.
    explicit FakeDns(std::uint16_t port = 0);
    ~FakeDns();
    FakeDns(const FakeDns&) = delete;
    FakeDns& operator=(const FakeDns&) = delete;

    std::uint16_t port() const;
    // "127.0.0.1:PORT", as ResolverConfig::servers and --dns take it.
    std::string server() const;

    // Scripting is safe at any time, also while queries are being answered.
    void add(FakeRecord record);
    void set_behaviour(std::string name, DnsBehaviour behaviour);                      // every type
    void set_behaviour(std::string name, std::uint16_t type, DnsBehaviour behaviour);  // one type (wins)
    void set_delay(std::chrono::milliseconds delay);                                   // every answer
    void set_delay(std::string name, std::chrono::milliseconds delay);                 // this name (wins)
    void set_dnssec(std::string zone, FakeDnssec dnssec);                              // "." = the root
    void set_validating(bool validating);

    std::vector<FakeDnsQuery> queries() const;
    std::size_t query_count(std::string_view name, std::uint16_t type) const;

private:
    struct Impl;
    std::unique_ptr<Impl> m_impl;
};

// A whole response message, as this server would send it, to a query of `name`/`type` (ID 0x1234):
// `answers` form the answer section, in order. For tests of answer parsing without a socket.
std::string build_dns_response(std::string_view name, std::uint16_t type, const std::vector<FakeRecord>& answers,
                               int rcode = 0);

// Applies a JSON scenario (format: the comment at the top of fake_dns_main.cpp). Throws
// std::runtime_error naming the offending entry when the scenario is not valid.
void load_dns_scenario(FakeDns& server, std::string_view json_text);

}  // namespace relaymetry::test
