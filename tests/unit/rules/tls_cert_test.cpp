#include <catch2/catch.hpp>

#include "facts_fixture.hpp"
#include "relaymetry/rules/rules.hpp"

using namespace relaymetry;
using fixture::count;
using fixture::find;
using fixture::good_domain;
using fixture::k_day;
using fixture::k_now;

namespace {

Findings evaluate(const DomainFacts& facts, int expiry_warning_days = 14) {
    return rules::evaluate(facts, {expiry_warning_days});
}

TlsFacts& tls_of(DomainFacts& facts, std::size_t endpoint = 0, std::size_t address = 0) {
    return *facts.submission->endpoints.at(endpoint).addresses.at(address).tls;
}

CertificateFacts& cert_of(DomainFacts& facts, std::size_t endpoint = 0, std::size_t address = 0) {
    return *tls_of(facts, endpoint, address).certificate;
}

CertificateFacts& policy_cert(DomainFacts& facts) {
    return *facts.mta_sts->policy->tls->certificate;
}

const std::string k_target = "mail.example.com:465 [192.0.2.10]";

}  // namespace

TEST_CASE("tls.version-deprecated: TLS 1.0 or 1.1 negotiated") {
    auto facts = good_domain();
    auto& tls = tls_of(facts);
    tls.version = TlsVersion::tls1_1;
    tls.cipher = "ECDHE-RSA-AES256-SHA";
    tls.tls13_supported = false;
    tls.modern_client_failed = true;
    tls.legacy_versions_accepted = {TlsVersion::tls1_0, TlsVersion::tls1_1};
    const auto findings = evaluate(facts);
    REQUIRE(count(findings, "tls.version-deprecated") == 1);
    CHECK(to_string(find(findings, "tls.version-deprecated")->target) == k_target);
    CHECK(find(findings, "tls.version-deprecated")->message.find("TLSv1.1") != std::string::npos);
    // The version finding says it all: no "also accepts legacy" on top.
    CHECK(count(findings, "tls.legacy-accepted") == 0);
    CHECK(count(findings, "tls.no-tls13") == 1);
}

TEST_CASE("tls.legacy-accepted: modern version, but 1.0/1.1 still accepted") {
    auto facts = good_domain();
    tls_of(facts).legacy_versions_accepted = {TlsVersion::tls1_0, TlsVersion::tls1_1};
    const auto findings = evaluate(facts);
    REQUIRE(count(findings, "tls.legacy-accepted") == 1);
    CHECK(find(findings, "tls.legacy-accepted")->message.find("TLSv1 and TLSv1.1") != std::string::npos);
    CHECK(count(findings, "tls.version-deprecated") == 0);
}

TEST_CASE("tls.no-tls13 and tls.weak-cipher") {
    auto facts = good_domain();
    auto& tls = tls_of(facts, 1, 1);
    tls.version = TlsVersion::tls1_2;
    tls.tls13_supported = false;
    tls.cipher = "AES256-SHA";
    tls.forward_secrecy = false;
    const auto findings = evaluate(facts);
    REQUIRE(count(findings, "tls.no-tls13") == 1);
    CHECK(to_string(find(findings, "tls.no-tls13")->target) == "mail.example.com:587 [2001:db8::10]");
    REQUIRE(count(findings, "tls.weak-cipher") == 1);
    CHECK(find(findings, "tls.weak-cipher")->message.find("AES256-SHA (no forward secrecy)") != std::string::npos);

    SECTION("a named weakness is reported even with forward secrecy") {
        auto other = good_domain();
        tls_of(other).weak_cipher = CipherWeakness::triple_des;
        tls_of(other).cipher = "ECDHE-RSA-DES-CBC3-SHA";
        const auto again = evaluate(other);
        REQUIRE(count(again, "tls.weak-cipher") == 1);
        CHECK(find(again, "tls.weak-cipher")->message.find("3DES") != std::string::npos);
    }
}

TEST_CASE("cert.expired, cert.not-yet-valid and cert.expires-soon judge against started_at") {
    auto facts = good_domain();
    SECTION("expired one day ago") {
        cert_of(facts).leaf.not_after = k_now - k_day;
        const auto findings = evaluate(facts);
        REQUIRE(count(findings, "cert.expired") == 1);
        CHECK(find(findings, "cert.expired")->message.find("2026-11-27 (1 day ago)") != std::string::npos);
        CHECK(count(findings, "cert.expires-soon") == 0);
    }
    SECTION("expired one second ago") {
        cert_of(facts).leaf.not_after = k_now - 1;
        CHECK(count(evaluate(facts), "cert.expired") == 1);
    }
    SECTION("not yet valid") {
        cert_of(facts).leaf.not_before = k_now + 2 * k_day;
        const auto findings = evaluate(facts);
        REQUIRE(count(findings, "cert.not-yet-valid") == 1);
        CHECK(find(findings, "cert.not-yet-valid")->message.find("2026-11-30") != std::string::npos);
    }
    SECTION("expires in 13 days and 23 hours: 13 days left, within 14") {
        cert_of(facts).leaf.not_after = k_now + 14 * k_day - 3600;
        const auto findings = evaluate(facts);
        REQUIRE(count(findings, "cert.expires-soon") == 1);
        CHECK(find(findings, "cert.expires-soon")->message.find("in 13 days") != std::string::npos);
        CHECK(find(findings, "cert.expires-soon")->severity == Severity::warning);
    }
    SECTION("exactly 14 days left is not within 14") {
        cert_of(facts).leaf.not_after = k_now + 14 * k_day;
        CHECK(count(evaluate(facts), "cert.expires-soon") == 0);
        CHECK(count(evaluate(facts, 15), "cert.expires-soon") == 1);
    }
}

TEST_CASE("cert.untrusted carries the reason and a fitting fix") {
    auto facts = good_domain();
    SECTION("self-signed") {
        cert_of(facts).trust_error = VerifyFailure{VerifyError::self_signed, 18, "self-signed certificate", 0, {}, {}};
        cert_of(facts).leaf.self_signed = true;
        const auto findings = evaluate(facts);
        REQUIRE(count(findings, "cert.untrusted") == 1);
        CHECK(find(findings, "cert.untrusted")->message.find("self-signed certificate") != std::string::npos);
        CHECK(find(findings, "cert.untrusted")->fix.find("public CA") != std::string::npos);
    }
    SECTION("missing intermediate") {
        cert_of(facts).trust_error =
            VerifyFailure{VerifyError::missing_intermediate, 20, "unable to get local issuer certificate", 0, {}, {}};
        const auto findings = evaluate(facts);
        REQUIRE(count(findings, "cert.untrusted") == 1);
        CHECK(find(findings, "cert.untrusted")->fix.find("full chain") != std::string::npos);
    }
}

TEST_CASE("cert.name-mismatch lists the SANs and names the host in the fix") {
    auto facts = good_domain();
    cert_of(facts).name_match = false;
    cert_of(facts).leaf.san = {"www.example.com", "example.com"};
    const auto findings = evaluate(facts);
    REQUIRE(count(findings, "cert.name-mismatch") == 1);
    const auto* finding = find(findings, "cert.name-mismatch");
    CHECK(finding->message.find("www.example.com, example.com") != std::string::npos);
    CHECK(finding->fix == "Re-issue the certificate with mail.example.com in its Subject Alternative Names.");
}

TEST_CASE("cert.weak-key on the leaf or an intermediate") {
    auto facts = good_domain();
    SECTION("RSA-1024 leaf") {
        cert_of(facts).leaf.key.bits = 1024;
        const auto findings = evaluate(facts);
        REQUIRE(count(findings, "cert.weak-key") == 1);
        CHECK(find(findings, "cert.weak-key")->message.find("RSA-1024") != std::string::npos);
    }
    SECTION("EC-P224 intermediate") {
        auto& intermediate = cert_of(facts).intermediates[0];
        intermediate.key = KeyType{KeyAlgorithm::ec, 224, "P224", {}};
        const auto findings = evaluate(facts);
        REQUIRE(count(findings, "cert.weak-key") == 1);
        CHECK(find(findings, "cert.weak-key")->message.find("CN=R3") != std::string::npos);
    }
    SECTION("EC-P256 and Ed25519 are fine") {
        cert_of(facts).leaf.key = KeyType{KeyAlgorithm::ec, 256, "P256", {}};
        cert_of(facts).intermediates[0].key = KeyType{KeyAlgorithm::ed25519, 0, {}, {}};
        CHECK(count(evaluate(facts), "cert.weak-key") == 0);
    }
}

TEST_CASE("cert.weak-signature: SHA-1 or MD5, except a sent trust anchor's own signature") {
    auto facts = good_domain();
    cert_of(facts).intermediates[0].signature = "sha1WithRSAEncryption";
    cert_of(facts).intermediates[0].signature_digest = SignatureDigest::sha1;
    const auto findings = evaluate(facts);
    REQUIRE(count(findings, "cert.weak-signature") == 1);
    CHECK(find(findings, "cert.weak-signature")->message.find("sha1WithRSAEncryption") != std::string::npos);

    SECTION("md5 on the leaf") {
        auto other = good_domain();
        cert_of(other).leaf.signature = "md5WithRSAEncryption";
        cert_of(other).leaf.signature_digest = SignatureDigest::md5;
        CHECK(count(evaluate(other), "cert.weak-signature") == 1);
    }
    SECTION("a self-signed root sent along is not judged by its signature") {
        cert_of(facts).intermediates[0].self_signed = true;
        CHECK(count(evaluate(facts), "cert.weak-signature") == 0);
    }
}

TEST_CASE("the policy host: certificate problems are one mta-sts.policy-tls-invalid, not cert.*") {
    auto facts = good_domain();
    auto& cert = policy_cert(facts);
    cert.name_match = false;
    cert.leaf.san = {"*.hosting.example.net"};
    cert.trust_error = VerifyFailure{VerifyError::self_signed, 18, "self-signed certificate", 0, {}, {}};
    cert.leaf.not_after = k_now - 3 * k_day;
    cert.leaf.key.bits = 1024;
    const auto findings = evaluate(facts);
    REQUIRE(count(findings, "mta-sts.policy-tls-invalid") == 1);
    const auto* finding = find(findings, "mta-sts.policy-tls-invalid");
    CHECK(to_string(finding->target) == "mta-sts.example.com");
    CHECK(finding->message.find("*.hosting.example.net") != std::string::npos);
    CHECK(finding->message.find("self-signed certificate") != std::string::npos);
    CHECK(finding->message.find("expired on 2026-11-25") != std::string::npos);
    CHECK(finding->message.find("weak key") != std::string::npos);
    for (const auto* id : {"cert.expired", "cert.untrusted", "cert.name-mismatch", "cert.weak-key"}) {
        CHECK(count(findings, id) == 0);
    }
}

TEST_CASE("the policy host: tls.* and cert.expires-soon still apply, targeted at mta-sts.<domain>") {
    auto facts = good_domain();
    auto& tls = *facts.mta_sts->policy->tls;
    tls.tls13_supported = false;
    tls.version = TlsVersion::tls1_2;
    tls.certificate->leaf.not_after = k_now + 3 * k_day;
    const auto findings = evaluate(facts);
    REQUIRE(count(findings, "tls.no-tls13") == 1);
    CHECK(to_string(find(findings, "tls.no-tls13")->target) == "mta-sts.example.com");
    REQUIRE(count(findings, "cert.expires-soon") == 1);
    CHECK(to_string(find(findings, "cert.expires-soon")->target) == "mta-sts.example.com");
    CHECK(count(findings, "mta-sts.policy-tls-invalid") == 0);
}

TEST_CASE("the policy host is not judged when no TXT announces it and nothing is served") {
    auto facts = good_domain();
    facts.mta_sts->txt->status = TxtStatus::not_published;
    facts.mta_sts->txt->records.clear();
    facts.mta_sts->policy->status = PolicyFetchStatus::http_error;
    facts.mta_sts->policy->http_status = 404;
    facts.mta_sts->policy->parse.reset();
    facts.mta_sts->policy->tls->tls13_supported = false;
    policy_cert(facts).name_match = false;
    const auto findings = evaluate(facts);
    CHECK(count(findings, "tls.no-tls13") == 0);
    CHECK(count(findings, "mta-sts.policy-tls-invalid") == 0);
    CHECK(count(findings, "mta-sts.policy-http-error") == 0);
    CHECK(fixture::ids(findings) == std::vector<std::string>{"mta-sts.not-published"});
}
