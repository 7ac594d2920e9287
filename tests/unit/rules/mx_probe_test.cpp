// The rules of --mx-probe on hand-made facts: the good domain's two MX hosts probed on port 25, each
// test breaks one thing and checks which rules answer, and how the three kinds of sender differ.
#include <catch2/catch.hpp>

#include "facts_fixture.hpp"
#include "relaymetry/rules/rules.hpp"

using namespace relaymetry;
using fixture::count;
using fixture::find;
using fixture::good_domain;

namespace {

// The good domain with both MX hosts probed: TLS 1.3, trusted certificates valid for their names,
// REQUIRETLS offered (so that the notice about it stays out of the way unless a test wants it).
DomainFacts probed_domain() {
    auto facts = good_domain();
    auto& mx = *facts.mx;
    mx.probed = true;
    for (const auto& host : mx.hosts) {
        auto endpoint = fixture::good_endpoint(25, Security::starttls, false, host.host);
        endpoint.resolution = host;
        endpoint.addresses.clear();
        for (const auto& address : host.addresses) {
            auto probe = fixture::good_probe(address, host.host, Security::starttls);
            probe.smtp.ehlo_after_tls.push_back("REQUIRETLS");
            probe.smtp.requiretls_offered = true;
            endpoint.addresses.push_back(probe);
        }
        mx.probes.push_back(endpoint);
    }
    return facts;
}

AddressProbe& mx1(DomainFacts& facts) {
    return facts.mx->probes.at(0).addresses.at(0);
}

const Target k_mx1 = Target::at_address("mx1.example.com", 25, "192.0.2.25");

VerifyFailure verify_failure(VerifyError reason) {
    VerifyFailure failure;
    failure.reason = reason;
    return failure;
}

void fail(AddressProbe& probe, ProbeStatus status, std::string error) {
    probe.status = status;
    probe.error = std::move(error);
    probe.tls.reset();
}

void self_sign(AddressProbe& probe) {
    auto& cert = *probe.tls->certificate;
    cert.leaf.self_signed = true;
    cert.leaf.issuer = cert.leaf.subject;
    cert.intermediates.clear();
    cert.chain_valid = false;
    cert.verify_error = verify_failure(VerifyError::self_signed);
    cert.trust_error = cert.verify_error;
}

void set_mode(DomainFacts& facts, StsMode mode) {
    facts.mta_sts->policy->parse->mode = mode;
}

// A DANE-EE record for mx1's served key, matched at its one address (as policy::judge_dane would).
void publish_matching_tlsa(DomainFacts& facts) {
    auto dane =
        fixture::mx_dane({TlsaRecord{3, 1, 1, fixture::bytes(32, 0xaa)}, TlsaRecord{3, 1, 1, fixture::bytes(32, 0xbb)}},
                         {TlsaProblem::none, TlsaProblem::none});
    dane.addresses.push_back(DaneAddressCheck{"192.0.2.25", true, {TlsaMatch{0, 0}}});
    mx1(facts).tls->certificate->leaf.spki_sha256 = fixture::k_leaf_spki_sha256;
    facts.mx->dane.push_back(dane);
}

}  // namespace

TEST_CASE("mx probe: two good MX hosts have no finding") {
    CHECK(rules::evaluate(probed_domain(), {}).empty());
}

TEST_CASE("mx.starttls-missing: a warning, an error when the policy enforces") {
    auto facts = probed_domain();
    fail(mx1(facts), ProbeStatus::no_starttls, "the server does not advertise STARTTLS");
    mx1(facts).smtp.starttls_offered = false;
    auto findings = rules::evaluate(facts, {});
    REQUIRE(findings.size() == 1);
    CHECK(findings[0].id == "mx.starttls-missing");
    CHECK(findings[0].target == k_mx1);
    CHECK(findings[0].severity == Severity::error);  // the good domain's policy enforces
    set_mode(facts, StsMode::none);
    findings = rules::evaluate(facts, {});
    REQUIRE(count(findings, "mx.starttls-missing") == 1);
    CHECK(find(findings, "mx.starttls-missing")->severity == Severity::warning);
}

TEST_CASE("mx.starttls-failed: a refused STARTTLS, a broken handshake; a 421 is only inconclusive") {
    auto facts = probed_domain();
    fail(mx1(facts), ProbeStatus::tls_failed, "TLS handshake failed: connection reset");
    fail(facts.mx->probes[1].addresses[0], ProbeStatus::inconclusive,
         "the server turned the probe away with 421 4.7.0 try again later");
    const auto findings = rules::evaluate(facts, {});
    REQUIRE(findings.size() == 2);
    CHECK(findings[0].id == "mx.starttls-failed");
    CHECK(findings[0].severity == Severity::error);
    CHECK(findings[0].message.find("connection reset") != std::string::npos);
    CHECK(findings[1].id == "mx.inconclusive");
    CHECK(findings[1].severity == Severity::notice);
    CHECK(findings[1].target == Target::at_address("mx2.example.com", 25, "192.0.2.26"));
}

TEST_CASE("mx.unreachable: one address refusing, beside MX hosts that answer") {
    auto facts = probed_domain();
    fail(mx1(facts), ProbeStatus::refused, "connection refused while connecting");
    mx1(facts).timings_ms = {};
    const auto findings = rules::evaluate(facts, {});
    REQUIRE(findings.size() == 1);
    CHECK(findings[0].id == "mx.unreachable");
    CHECK(findings[0].severity == Severity::warning);
}

TEST_CASE("mx.probe-blocked: the one finding when port 25 is blocked from here") {
    auto facts = probed_domain();
    for (auto& endpoint : facts.mx->probes) {
        for (auto& probe : endpoint.addresses) {
            fail(probe, ProbeStatus::inconclusive, "outbound port 25 seems blocked from this machine");
            probe.timings_ms = {};
        }
    }
    facts.mx->egress_blocked = "outbound port 25 seems blocked from this machine: ...";
    const auto findings = rules::evaluate(facts, {});
    REQUIRE(findings.size() == 1);
    CHECK(findings[0].id == "mx.probe-blocked");
    CHECK(findings[0].severity == Severity::notice);
    CHECK(findings[0].target == Target::domain("example.com"));
}

TEST_CASE("mta-sts.mx-certificate-invalid: a self-signed MX is an MTA-STS error, and no opportunistic error") {
    auto facts = probed_domain();
    self_sign(mx1(facts));
    auto findings = rules::evaluate(facts, {});
    REQUIRE(findings.size() == 1);
    CHECK(findings[0].id == "mta-sts.mx-certificate-invalid");
    CHECK(findings[0].severity == Severity::error);
    CHECK(findings[0].target == k_mx1);
    CHECK(findings[0].message.find("self-signed") != std::string::npos);
    CHECK(count(findings, "cert.untrusted") == 0);

    set_mode(facts, StsMode::testing);
    findings = rules::evaluate(facts, {});
    REQUIRE(count(findings, "mta-sts.mx-certificate-invalid") == 1);
    CHECK(find(findings, "mta-sts.mx-certificate-invalid")->severity == Severity::warning);

    facts.mta_sts.reset();  // no policy: nobody checks the certificate
    CHECK(rules::evaluate(facts, {}).empty());
}

TEST_CASE("mx certificates: a wrong name is MTA-STS's verdict, the dates and key are cert.*'s") {
    auto facts = probed_domain();
    auto& cert = *mx1(facts).tls->certificate;
    cert.name_match = false;
    cert.chain_valid = false;
    cert.verify_error = verify_failure(VerifyError::name_mismatch);
    auto findings = rules::evaluate(facts, {});
    REQUIRE(findings.size() == 1);
    CHECK(findings[0].id == "mta-sts.mx-certificate-invalid");

    facts = probed_domain();
    mx1(facts).tls->certificate->leaf.not_after = fixture::k_now - 2 * fixture::k_day;
    mx1(facts).tls->certificate->chain_valid = false;
    mx1(facts).tls->certificate->verify_error = verify_failure(VerifyError::expired);
    findings = rules::evaluate(facts, {});
    CHECK(count(findings, "cert.expired") == 1);
    CHECK(count(findings, "mta-sts.mx-certificate-invalid") == 1);
    CHECK(find(findings, "cert.expired")->target == k_mx1);
}

TEST_CASE("dane for an MX: a matching DANE-EE record makes a self-signed certificate fine for DANE senders") {
    auto facts = probed_domain();
    self_sign(mx1(facts));
    publish_matching_tlsa(facts);
    auto findings = rules::evaluate(facts, {});
    REQUIRE(findings.size() == 1);  // the MTA-STS verdict stays apart
    CHECK(findings[0].id == "mta-sts.mx-certificate-invalid");
    CHECK(findings[0].message.find("DANE senders do deliver") != std::string::npos);

    facts.mx->dane[0].addresses[0].matches.clear();  // the key changed, the records did not
    findings = rules::evaluate(facts, {});
    REQUIRE(count(findings, "dane.tlsa-mismatch") == 1);
    CHECK(find(findings, "dane.tlsa-mismatch")->target == k_mx1);
    CHECK(find(findings, "dane.tlsa-mismatch")->message.find("_25._tcp.mx1.example.com") != std::string::npos);
}

TEST_CASE("dane for an MX: an expired certificate with a DANE-EE match says DANE senders are unaffected") {
    auto facts = probed_domain();
    publish_matching_tlsa(facts);
    mx1(facts).tls->certificate->leaf.not_after = fixture::k_now - 2 * fixture::k_day;
    const auto findings = rules::evaluate(facts, {});
    REQUIRE(count(findings, "cert.expired") == 1);
    CHECK(find(findings, "cert.expired")->message.find("DANE senders are not affected") != std::string::npos);
}

TEST_CASE("mx.requiretls-not-offered: a notice when MTA-STS or DANE asks for TLS") {
    auto facts = probed_domain();
    for (auto& endpoint : facts.mx->probes) {
        for (auto& probe : endpoint.addresses) {
            probe.smtp.requiretls_offered = false;
        }
    }
    auto findings = rules::evaluate(facts, {});
    REQUIRE(count(findings, "mx.requiretls-not-offered") == 2);  // one per MX host
    CHECK(find(findings, "mx.requiretls-not-offered")->target == Target::endpoint("mx1.example.com", 25));

    facts.mta_sts.reset();
    CHECK(rules::evaluate(facts, {}).empty());  // nothing asks for TLS
    publish_matching_tlsa(facts);
    findings = rules::evaluate(facts, {});
    REQUIRE(count(findings, "mx.requiretls-not-offered") == 1);  // DANE for mx1 only
}

TEST_CASE("tls.* judge MX sessions too, with the MX address as target") {
    auto facts = probed_domain();
    auto& tls = *mx1(facts).tls;
    tls.legacy_versions_accepted = {TlsVersion::tls1_0};
    const auto findings = rules::evaluate(facts, {});
    REQUIRE(count(findings, "tls.legacy-accepted") == 1);
    CHECK(find(findings, "tls.legacy-accepted")->target == k_mx1);
}

TEST_CASE("mx.inconclusive: a tarpit that never greets, or an EHLO refused, is no STARTTLS verdict") {
    auto facts = probed_domain();
    fail(mx1(facts), ProbeStatus::protocol_error, "no greeting in 10.0 s after the connection");
    mx1(facts).smtp = {};
    auto findings = rules::evaluate(facts, {});
    REQUIRE(fixture::ids(findings) == std::vector<std::string>{"mx.inconclusive"});

    fail(mx1(facts), ProbeStatus::protocol_error, "EHLO was answered with 554 5.7.1 your IP is listed");
    mx1(facts).smtp.banner = "mx1.example.com ESMTP";
    findings = rules::evaluate(facts, {});
    REQUIRE(fixture::ids(findings) == std::vector<std::string>{"mx.inconclusive"});
}
