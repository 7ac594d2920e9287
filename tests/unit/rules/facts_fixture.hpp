#pragma once
// A clean "good domain" built by hand (no sockets): every rule is silent on it, and each test breaks one
// thing. Shared by the rules and report tests.

#include <algorithm>
#include <chrono>
#include <string>
#include <vector>

#include "relaymetry/core/facts.hpp"
#include "relaymetry/core/finding.hpp"

namespace fixture {

using namespace relaymetry;

// 2026-11-28T12:00:00Z: "now" of every fixture check.
inline constexpr std::int64_t k_now = 1795867200;
inline constexpr std::int64_t k_day = 86400;

inline CertificateInfo cert_info(std::string subject, std::string issuer, std::vector<std::string> san) {
    CertificateInfo info;
    info.subject = std::move(subject);
    info.issuer = std::move(issuer);
    info.san = std::move(san);
    info.not_before = k_now - 30 * k_day;
    info.not_after = k_now + 60 * k_day;
    info.key = KeyType{KeyAlgorithm::rsa, 2048, {}, {}};
    info.signature = "sha256WithRSAEncryption";
    info.signature_digest = SignatureDigest::sha256;
    return info;
}

inline TlsFacts good_tls(const std::string& host) {
    TlsFacts tls;
    tls.version = TlsVersion::tls1_3;
    tls.cipher = "TLS_AES_256_GCM_SHA384";
    tls.cipher_iana = "TLS_AES_256_GCM_SHA384";
    tls.forward_secrecy = true;
    tls.tls13_supported = true;
    CertificateFacts cert;
    cert.leaf = cert_info("CN=" + host, "CN=R3,O=Let's Encrypt,C=US", {host});
    cert.intermediates.push_back(
        cert_info("CN=R3,O=Let's Encrypt,C=US", "CN=ISRG Root X1,O=Internet Security Research Group,C=US", {}));
    cert.intermediates.back().not_after = k_now + 300 * k_day;
    cert.chain_valid = true;
    cert.name_match = true;
    tls.certificate = cert;
    return tls;
}

inline AddressProbe good_probe(const std::string& address, const std::string& host, Security security) {
    AddressProbe probe;
    probe.address = address;
    probe.status = ProbeStatus::ok;
    probe.smtp.banner = host + " ESMTP ready";
    if (security == Security::starttls) {
        probe.smtp.ehlo = {host, "PIPELINING", "SIZE 52428800", "STARTTLS", "ENHANCEDSTATUSCODES"};
        probe.smtp.ehlo_after_tls = {host, "PIPELINING", "SIZE 52428800", "AUTH PLAIN LOGIN", "ENHANCEDSTATUSCODES"};
        probe.smtp.starttls_offered = true;
        probe.timings_ms.starttls = 9;
    } else {
        probe.smtp.ehlo = {host, "PIPELINING", "SIZE 52428800", "AUTH PLAIN LOGIN"};
    }
    probe.timings_ms.connect = 12;
    probe.timings_ms.banner = 30;
    probe.timings_ms.ehlo = 11;
    probe.timings_ms.handshake = 25;
    probe.tls = good_tls(host);
    return probe;
}

inline HostAddresses resolved(const std::string& host, std::vector<std::string> addresses) {
    HostAddresses resolution;
    resolution.host = host;
    resolution.v4_status = LookupStatus::answer;
    resolution.v6_status = LookupStatus::answer;
    resolution.addresses = std::move(addresses);
    resolution.dnssec = DnssecStatus::secure;
    return resolution;
}

inline Endpoint good_endpoint(std::uint16_t port, Security security, bool from_srv = true,
                              const std::string& host = "mail.example.com") {
    Endpoint endpoint;
    endpoint.host = host;
    endpoint.port = port;
    endpoint.security = security;
    endpoint.from_srv = from_srv;
    endpoint.srv_dnssec = from_srv ? DnssecStatus::secure : DnssecStatus::indeterminate;
    endpoint.resolution = resolved(host, {"192.0.2.10", "2001:db8::10"});
    for (const auto& address : endpoint.resolution.addresses) {
        endpoint.addresses.push_back(good_probe(address, host, security));
    }
    return endpoint;
}

inline DomainFacts good_domain() {
    DomainFacts facts;
    facts.domain = "example.com";
    facts.started_at = std::chrono::system_clock::time_point(std::chrono::seconds(k_now));
    facts.duration = std::chrono::milliseconds(812);
    // Checked through a validating resolver; the zone is signed and publishes no TLSA records.
    facts.dns.resolver_validates = true;
    facts.dns.domain_dnssec = DnssecStatus::secure;

    SubmissionFacts submission;
    submission.source = DiscoverySource::srv;
    submission.srv_dnssec = DnssecStatus::secure;
    submission.srv.push_back({"_submissions._tcp", 0, 1, 465, "mail.example.com"});
    submission.srv.push_back({"_submission._tcp", 0, 1, 587, "mail.example.com"});
    submission.endpoints.push_back(good_endpoint(465, Security::implicit_tls));
    submission.endpoints.push_back(good_endpoint(587, Security::starttls));
    facts.submission = submission;

    MxFacts mx;
    mx.status = LookupStatus::answer;
    mx.dnssec = DnssecStatus::secure;
    mx.records = {{10, "mx1.example.com"}, {20, "mx2.example.com"}};
    mx.hosts = {resolved("mx1.example.com", {"192.0.2.25"}), resolved("mx2.example.com", {"192.0.2.26"})};
    facts.mx = mx;

    MtaStsFacts mta_sts;
    MtaStsTxtFacts txt;
    txt.status = TxtStatus::published;
    txt.records = {"v=STSv1; id=20261128T000000"};
    txt.parse.valid = true;
    txt.parse.id = "20261128T000000";
    mta_sts.txt = txt;
    MtaStsPolicyFacts policy;
    policy.url = "https://mta-sts.example.com/.well-known/mta-sts.txt";
    policy.status = PolicyFetchStatus::fetched;
    policy.http_status = 200;
    policy.content_type = "text/plain; charset=utf-8";
    policy.body =
        "version: STSv1\r\nmode: enforce\r\nmx: mx1.example.com\r\nmx: mx2.example.com\r\nmax_age: 604800\r\n";
    MtaStsPolicyParse parse;
    parse.valid = true;
    parse.version = "STSv1";
    parse.mode = StsMode::enforce;
    parse.max_age = 604800;
    parse.mx = {"mx1.example.com", "mx2.example.com"};
    policy.parse = parse;
    policy.tls = good_tls("mta-sts.example.com");
    policy.resolution = resolved("mta-sts.example.com", {"192.0.2.80"});
    mta_sts.policy = policy;
    mta_sts.mx_coverage = {{"mx1.example.com", true, "mx1.example.com"}, {"mx2.example.com", true, "mx2.example.com"}};
    facts.mta_sts = mta_sts;

    TlsRptFacts tls_rpt;
    tls_rpt.status = TxtStatus::published;
    tls_rpt.dnssec = DnssecStatus::secure;
    tls_rpt.records = {"v=TLSRPTv1; rua=mailto:tls-reports@example.com"};
    tls_rpt.parse.valid = true;
    tls_rpt.parse.rua = {{"mailto:tls-reports@example.com", true, ""}};
    facts.tls_rpt = tls_rpt;
    return facts;
}

// The SHA-256 of the good leaf's public key, as a fixture certificate carries it.
inline const std::string k_leaf_spki_sha256(64, 'a');

inline std::vector<std::uint8_t> bytes(std::size_t size, std::uint8_t value) {
    return std::vector<std::uint8_t>(size, value);
}

// TLSA records for both endpoints of the good domain: DANE-EE for the served key (0xaa..., matching) and
// for the next key (0xbb...), matched by hand as policy::judge_dane would.
inline DomainFacts dane_domain() {
    auto facts = good_domain();
    for (auto& endpoint : facts.submission->endpoints) {
        DaneFacts dane;
        dane.host = endpoint.host;
        dane.port = endpoint.port;
        dane.name = "_" + std::to_string(endpoint.port) + "._tcp." + endpoint.host;
        dane.status = LookupStatus::answer;
        dane.dnssec = DnssecStatus::secure;
        dane.records = {TlsaRecord{3, 1, 1, bytes(32, 0xaa)}, TlsaRecord{3, 1, 1, bytes(32, 0xbb)}};
        dane.problems = {TlsaProblem::none, TlsaProblem::none};
        for (auto& probe : endpoint.addresses) {
            probe.tls->certificate->leaf.spki_sha256 = k_leaf_spki_sha256;
            dane.addresses.push_back(DaneAddressCheck{probe.address, true, {TlsaMatch{0, 0}}});
        }
        endpoint.dane = dane;
    }
    return facts;
}

// The TLSA of the MX host mx1.example.com at port 25, secure, with `records` already judged.
inline DaneFacts mx_dane(std::vector<TlsaRecord> records, std::vector<TlsaProblem> problems) {
    DaneFacts dane;
    dane.host = "mx1.example.com";
    dane.port = 25;
    dane.name = "_25._tcp.mx1.example.com";
    dane.status = LookupStatus::answer;
    dane.dnssec = DnssecStatus::secure;
    dane.records = std::move(records);
    dane.problems = std::move(problems);
    return dane;
}

inline LookupFailure failure(std::string name, RecordType type, LookupStatus status = LookupStatus::servfail) {
    return {std::move(name), type, status, "the server failed", DnssecStatus::indeterminate, std::nullopt};
}

inline int count(const Findings& findings, const std::string& id) {
    return static_cast<int>(
        std::count_if(findings.begin(), findings.end(), [&](const Finding& f) { return f.id == id; }));
}

inline const Finding* find(const Findings& findings, const std::string& id) {
    const auto found = std::find_if(findings.begin(), findings.end(), [&](const Finding& f) { return f.id == id; });
    return found == findings.end() ? nullptr : &*found;
}

inline std::vector<std::string> ids(const Findings& findings) {
    std::vector<std::string> result;
    for (const auto& finding : findings) {
        result.push_back(finding.id);
    }
    return result;
}

}  // namespace fixture
