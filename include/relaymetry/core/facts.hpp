#pragma once
// Facts: everything collect() learned about one domain, as plain values. The rules and the renderers
// read only this; they never see a socket. An area that was not checked (--only) is std::nullopt.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "relaymetry/core/dns_types.hpp"
#include "relaymetry/core/policy_types.hpp"
#include "relaymetry/core/snapshot.hpp"
#include "relaymetry/core/tls_types.hpp"

namespace relaymetry {

// A lookup that failed (SERVFAIL, REFUSED, timeout, malformed): the area it belongs to is not judged.
struct LookupFailure {
    std::string name;
    RecordType type = RecordType::a;
    LookupStatus status = LookupStatus::timeout;
    std::string error;
    DnssecStatus dnssec = DnssecStatus::indeterminate;  // bogus: the zone's signatures failed validation
    std::optional<ExtendedDnsError> extended_error;     // the resolver's reason, when it sent one (RFC 8914)
};

// What one fan-out cap (docs/cli.md "Limits") left out of a check: reported, never dropped in silence.
struct CapReached {
    std::string limit;                  // what is capped, and at how many: "SRV targets probed per service: 8"
    std::size_t left_out = 0;           // how many were left out
    std::vector<std::string> examples;  // the first few of them, e.g. "mail9.example.com:465"
};
inline constexpr std::size_t k_cap_examples = 5;
// Counts `what` as left out by `cap` (its name kept while there is room for examples).
inline void leave_out(CapReached& cap, std::string what) {
    if (cap.examples.size() < k_cap_examples) {
        cap.examples.push_back(std::move(what));
    }
    ++cap.left_out;
}

// The addresses of one host name (A and AAAA).
struct HostAddresses {
    std::string host;
    LookupStatus v4_status = LookupStatus::timeout;
    LookupStatus v6_status = LookupStatus::timeout;
    std::vector<std::string> addresses;                 // IPv4 first, each family in answer order
    DnssecStatus dnssec = DnssecStatus::indeterminate;  // the weaker of the A and AAAA lookups
};

// ---- certificates and TLS -------------------------------------------------------------------

struct CertificateInfo {
    std::string subject;  // RFC 2253 form, e.g. "CN=mail.example.com,O=Example"
    std::string issuer;
    std::vector<std::string> san;  // DNS names and IP addresses of the subjectAltName
    std::int64_t not_before = 0;   // seconds since the Unix epoch, UTC
    std::int64_t not_after = 0;
    KeyType key;
    std::string signature;  // OpenSSL's long name of the algorithm, e.g. "sha256WithRSAEncryption"
    SignatureDigest signature_digest = SignatureDigest::other;
    bool self_signed = false;
    // Lower-case hex digests of the DER certificate and of its DER SubjectPublicKeyInfo (what TLSA
    // records with selector 0 / 1 match, RFC 6698 §2.1.2), and the DER itself (not in JSON).
    std::string sha256;
    std::string spki_sha256;
    std::string spki_sha512;
    std::string sha512;  // of the DER certificate (TLSA 0 2)
    std::vector<std::uint8_t> der;
    std::vector<std::uint8_t> spki_der;  // not in JSON; TLSA selector 1 with matching type 0
};

struct CertificateFacts {
    CertificateInfo leaf;
    // As sent by the server, in order, leaf excluded; at most k_max_chain_certificates - 1 of them are
    // kept, and only the kept ones take part in the verification.
    std::vector<CertificateInfo> intermediates;
    std::size_t certificates_sent = 0;  // the whole chain as sent, leaf included
    // What a current client concludes: full verification at OpenSSL's default security level
    // against the system store or --ca-file, with validity dates judged at the check's "now"
    // (DomainFacts::started_at) and the host name.
    bool chain_valid = false;
    std::optional<VerifyFailure> verify_error;  // set when chain_valid is false
    // Whether the chain leads to a trust anchor at all, ignoring dates, host name, and key/digest
    // strength (those have rules of their own). Empty when it does.
    std::optional<VerifyFailure> trust_error;
    bool name_match = false;  // SAN (or CN when there is no SAN) covers the host name
};

// What one TLS version test ended as. A server's push-back (421, a close while the run had another
// connection open, the deadline) is not an answer about its TLS: not_tested, with the reason.
enum class VersionOutcome { accepted, refused, not_tested };
std::string_view to_string(VersionOutcome outcome);  // "accepted", "refused", "not-tested"

struct VersionTest {
    TlsVersion version = TlsVersion::tls1_2;
    VersionOutcome outcome = VersionOutcome::not_tested;
    std::string reason;  // plain English, when refused or not tested
};

struct TlsFacts {
    std::optional<TlsVersion> version;  // empty only when no handshake completed
    std::string cipher;                 // OpenSSL's name, as `openssl s_client` shows it
    std::string cipher_iana;            // RFC name, e.g. "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"
    bool forward_secrecy = true;
    std::optional<CipherWeakness> weak_cipher;  // the worst property of the suite, when it is weak
    // The session a modern client (TLS 1.2-1.3) could not establish; version/cipher then come from
    // the diagnostic handshake (TLS 1.0-1.3 at @SECLEVEL=0).
    bool modern_client_failed = false;
    std::vector<TlsVersion> legacy_versions_accepted;  // TLS 1.0 / 1.1 when offered alone, ascending
    std::vector<VersionTest> versions;                 // every version tested, ascending
    bool tls13_supported = false;
    std::optional<CertificateFacts> certificate;
};

// ---- DANE (RFC 6698, RFC 7671; RFC 7672 for MX, RFC 7673 for SRV-located services) --------------

// What is wrong with one TLSA record on its own, for the port it is published for. Unusable records
// (unknown fields, PKIX usages for SMTP) are ignored by clients; invalid ones can never match.
enum class TlsaProblem {
    none,
    unknown_usage,          // usage above 3 (RFC 7671 §4.1)
    unknown_selector,       // selector above 1
    unknown_matching_type,  // matching type above 2
    pkix_usage_for_mx,      // usage 0 or 1 at _25._tcp: unusable for SMTP to an MX (RFC 7672 §3.1.3)
    wrong_length,           // a SHA-256 / SHA-512 digest that is not 32 / 64 bytes (RFC 6698 §2.1.3)
    empty_data,             // no certificate association data at all
};
std::string_view to_string(TlsaProblem problem);  // "unknown-usage", ... ; "none"
inline bool is_invalid(TlsaProblem problem) {
    return problem == TlsaProblem::wrong_length || problem == TlsaProblem::empty_data;
}

// A usable record that matched a certificate of the chain one address served.
struct TlsaMatch {
    std::size_t record = 0;       // index into DaneFacts::records
    std::size_t certificate = 0;  // position in the chain as sent: 0 is the leaf
};

// The TLSA records against the chain one address served (RFC 7671 §5).
struct DaneAddressCheck {
    std::string address;
    bool chain_seen = false;         // false: the probe got no certificate, nothing was matched
    std::vector<TlsaMatch> matches;  // every (usable record, certificate) pair that matched
};

// The TLSA lookup of one service and what its records say: `_465._tcp.<srv-target>` (looked up when
// the SRV RRset is secure, beside the target's addresses) or `_25._tcp.<mx-host>` (when the MX RRset
// is secure).
struct DaneFacts {
    std::string name;  // "_465._tcp.mail.example.com"
    std::string host;  // "mail.example.com"
    std::uint16_t port = 0;
    LookupStatus status = LookupStatus::timeout;
    DnssecStatus dnssec = DnssecStatus::indeterminate;
    std::optional<ExtendedDnsError> extended_error;
    std::vector<TlsaRecord> records;
    std::vector<TlsaProblem> problems;        // one per record
    std::vector<DaneAddressCheck> addresses;  // one per probed address (none until a probe of the port)
};

// ---- submission (RFC 6186, RFC 8314, RFC 3207) ----------------------------------------------

// lookup_failed: an SRV lookup failed (bogus, SERVFAIL, timeout): whether SRV records exist is unknown.
enum class DiscoverySource { srv, fallback, none, disabled, lookup_failed };
std::string_view to_string(DiscoverySource source);

enum class Security { implicit_tls, starttls };
std::string_view to_string(Security security);

// One vocabulary for every probe of one address.
enum class ProbeStatus {
    ok,
    refused,
    timeout,
    unreachable,
    no_starttls,
    starttls_rejected,
    tls_failed,
    protocol_error,
    inconclusive,
    not_probed,     // the run's own limits were busy until the deadline: says nothing about the server
    internal_error  // a bug in relaymetry, never the server's fault: stderr and exit code 3
};
std::string_view to_string(ProbeStatus status);

struct SmtpFacts {
    std::string banner;                       // the 220 reply text, lines joined by '\n'
    std::vector<std::string> ehlo;            // EHLO keywords/lines before TLS (or after TLS on 465)
    std::vector<std::string> ehlo_after_tls;  // 587: EHLO lines after STARTTLS
    bool starttls_offered = false;
    std::vector<std::string> auth_before_tls;  // AUTH mechanisms offered in cleartext (587)
    bool plaintext_on_implicit_port = false;   // 465 answered "220 ..." in plaintext
    bool data_after_starttls_reply = false;    // bytes after "220 Ready to start TLS", before the handshake
    bool requiretls_offered = false;           // RFC 8689: REQUIRETLS in the EHLO reply over TLS
};

struct StepTimings {
    std::optional<int> connect, banner, ehlo, starttls, handshake;  // milliseconds
};

struct AddressProbe {
    std::string address;
    ProbeStatus status = ProbeStatus::timeout;
    std::optional<std::string> error;  // plain English reason when status != ok
    SmtpFacts smtp;
    StepTimings timings_ms;
    std::optional<TlsFacts> tls;
    bool shared = false;  // the result of a probe made once for every domain of the run naming this server
};

// No connection at all: refused, timed out or unreachable while connecting (a server that accepted and
// then fell silent was reached).
inline bool never_connected(const AddressProbe& probe) {
    const bool failure = probe.status == ProbeStatus::refused || probe.status == ProbeStatus::timeout ||
                         probe.status == ProbeStatus::unreachable;
    return failure && !probe.timings_ms.connect;
}

struct Endpoint {
    std::string host;
    std::uint16_t port = 0;
    Security security = Security::implicit_tls;
    bool from_srv = false;
    DnssecStatus srv_dnssec = DnssecStatus::indeterminate;  // of the SRV RRset it was named in
    HostAddresses resolution;
    std::vector<AddressProbe> addresses;  // one per probed address
    std::optional<DaneFacts> dane;        // looked up when the SRV RRset is secure (RFC 7673 §3)
};

struct SubmissionFacts {
    DiscoverySource source = DiscoverySource::none;
    // Of the SRV lookups (_submissions and _submission), the weaker; indeterminate when none was made.
    DnssecStatus srv_dnssec = DnssecStatus::indeterminate;
    std::vector<SrvRecord> srv;  // both services, each in RFC 2782 order (priority, then weight)
    std::vector<Endpoint> endpoints;
    std::vector<LookupFailure> lookup_failures;
    std::vector<CapReached> caps;  // SRV targets and address probes left out
};

// ---- MX (RFC 5321 §5.1, RFC 7505) -------------------------------------------------------------

struct MxFacts {
    LookupStatus status = LookupStatus::timeout;
    DnssecStatus dnssec = DnssecStatus::indeterminate;  // of the MX RRset
    std::vector<MxRecord> records;                      // sorted by preference
    bool null_mx = false;                               // the single record "0 ."
    std::vector<HostAddresses> hosts;
    std::vector<DaneFacts> dane;  // one per MX host, when the MX RRset is secure (RFC 7672 §2.2)
    std::vector<LookupFailure> lookup_failures;
    // --mx-probe: the port-25 probe of each MX host (at most k_max_probed_mx_hosts, in preference
    // order), as endpoints (port 25, STARTTLS); empty without --mx-probe. Their DANE facts stay in `dane`.
    bool probed = false;
    std::vector<Endpoint> probes;
    // Every port-25 connection of the run so far failed the same way, at more than one MX host:
    // outbound port 25 looks blocked from this machine, and the probes here say nothing about the MX.
    std::optional<std::string> egress_blocked;  // why, in plain English
    std::vector<CapReached> caps;               // MX hosts and port-25 probes left out
};

// ---- MTA-STS (RFC 8461) and TLS-RPT (RFC 8460) -------------------------------------------------

enum class TxtStatus { published, not_published, invalid, multiple, lookup_failed };
std::string_view to_string(TxtStatus status);

struct MtaStsTxtFacts {
    TxtStatus status = TxtStatus::not_published;
    std::vector<std::string> records;                   // every TXT string at the name, as published
    MtaStsTxtParse parse;                               // of the single v=STSv1 record, when there is exactly one
    DnssecStatus dnssec = DnssecStatus::indeterminate;  // of the TXT lookup (indeterminate in `lint`)
};

enum class PolicyFetchStatus {
    fetched,
    not_fetched,
    http_error,
    redirect,
    tls_failed,
    too_large,
    invalid,
    unreachable,
    timeout,        // the host was reached but did not finish answering before the deadline
    internal_error  // a bug in relaymetry: stderr and exit code 3
};
std::string_view to_string(PolicyFetchStatus status);

struct MtaStsPolicyFacts {
    std::string url;
    PolicyFetchStatus status = PolicyFetchStatus::not_fetched;
    std::optional<std::string> error;  // plain English for unreachable / tls_failed / timeouts
    std::optional<int> http_status;
    std::optional<std::string> content_type;
    std::optional<std::string> location;     // of a 3xx
    std::optional<std::string> body;         // up to 64 KiB
    std::optional<std::string> body_sha256;  // lower-case hex, of the body as received (--state compares it)
    std::optional<MtaStsPolicyParse> parse;
    std::optional<TlsFacts> tls;
    HostAddresses resolution;
};

struct MtaStsFacts {
    std::optional<MtaStsTxtFacts> txt;            // absent in `lint mta-sts-policy`
    std::optional<MtaStsPolicyFacts> policy;      // absent in `lint mta-sts-txt`
    std::vector<MxCoverage> mx_coverage;          // one per MX host, when there are a policy and MX records
    std::vector<std::string> unused_mx_patterns;  // policy patterns that match none of those MX hosts
    // --state: the MX hosts against the patterns of the policy the previous run fetched (what senders
    // that cached it apply), when there is one.
    std::vector<MxCoverage> cached_coverage;
    std::vector<LookupFailure> lookup_failures;
};

struct TlsRptFacts {
    TxtStatus status = TxtStatus::not_published;
    std::vector<std::string> records;
    TlsRptParse parse;
    DnssecStatus dnssec = DnssecStatus::indeterminate;  // of the TXT lookup
    std::vector<LookupFailure> lookup_failures;
};

// ---- the resolver ------------------------------------------------------------------------------

// How the resolver of the run answered this domain's lookups: whether the check could run at all
// (dns.resolver-unreachable) is a question about the resolver, not about the domain.
// An answer relaymetry used only in part: records of the type that did not parse (dropped, each
// described), or records past the cap of one answer (dns/answer_parser.hpp).
struct AnswerTrimmed {
    std::string name;
    RecordType type = RecordType::a;
    std::vector<std::string> malformed;  // the first few dropped records, described
    std::size_t malformed_count = 0;     // all the dropped records
    std::size_t cut = 0;                 // records past the cap, not used
};

struct DnsFacts {
    std::vector<std::string> resolvers;  // as given to --dns; empty = the system's resolvers
    int lookups = 0;                     // lookups made for the domain
    int resolver_failures = 0;           // of those, ended in timeout, unreachable or refused
    // Whether the resolver answered a question about the root, asked beside the domain's lookups:
    // a resolver that does is reachable, whatever the domain's own name servers do.
    bool resolver_answered_liveness = false;
    // Whether the resolver validates DNSSEC: the root's DNSKEY (asked with AD and DO) came back with
    // AD, or any answer of the domain did. Empty when that lookup failed and no answer had AD.
    std::optional<bool> resolver_validates;
    // The DNSSEC status of the domain's own zone, from the lookups at the domain (MX, then the SRV
    // names): insecure means the zone is unsigned (or its delegation is).
    DnssecStatus domain_dnssec = DnssecStatus::indeterminate;
    std::vector<AnswerTrimmed> trimmed_answers;  // each (name, type) once
};

// The check could not run: every lookup ended without a usable answer from the resolver, and the
// resolver did not answer about the root either (a silent zone of the domain's own is dns.lookup-failed).
inline bool resolver_unreachable(const DnsFacts& dns) {
    return dns.lookups > 0 && dns.resolver_failures == dns.lookups && !dns.resolver_answered_liveness;
}
// "127.0.0.1:9", "127.0.0.1:9, [::1]:53", or "the system's resolvers (/etc/resolv.conf)".
std::string resolvers_text(const DnsFacts& dns);

// ---- one domain -------------------------------------------------------------------------------

struct DomainFacts {
    std::string domain;  // lower-cased A-label form
    // "Now" for every judgement about this domain (certificate expiry included): taken once from the
    // injected clock when the check started, so evaluation is deterministic.
    std::chrono::system_clock::time_point started_at{};
    std::chrono::milliseconds duration{0};
    DnsFacts dns;
    std::optional<SubmissionFacts> submission;
    std::optional<MxFacts> mx;
    std::optional<MtaStsFacts> mta_sts;
    std::optional<TlsRptFacts> tls_rpt;
    // --state: what the previous run saw of this domain (absent on a first run, or without --state).
    std::optional<DomainSnapshot> previous;
};

}  // namespace relaymetry
