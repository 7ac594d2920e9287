#include <catch2/catch.hpp>

#include "facts_fixture.hpp"
#include "relaymetry/rules/rules.hpp"

using namespace relaymetry;
using fixture::count;
using fixture::find;
using fixture::good_domain;

namespace {

Findings evaluate(const DomainFacts& facts) {
    return rules::evaluate(facts, {});
}

AddressProbe& probe(DomainFacts& facts, std::size_t endpoint, std::size_t address = 0) {
    return facts.submission->endpoints.at(endpoint).addresses.at(address);
}

void fail(AddressProbe& probe, ProbeStatus status, const std::string& error) {
    probe.status = status;
    probe.error = error;
    probe.tls.reset();
}

// smtp.example.com guessed on 465 and 587 (RFC 8314 §5.1 fallback), both answering.
DomainFacts fallback_domain() {
    auto facts = good_domain();
    facts.submission->source = DiscoverySource::fallback;
    facts.submission->srv.clear();
    facts.submission->endpoints = {fixture::good_endpoint(465, Security::implicit_tls, false, "smtp.example.com"),
                                   fixture::good_endpoint(587, Security::starttls, false, "smtp.example.com")};
    return facts;
}

}  // namespace

TEST_CASE("submission.not-found: no SRV and no smtp.<domain>") {
    auto facts = good_domain();
    facts.submission = SubmissionFacts{};
    facts.submission->source = DiscoverySource::none;
    const auto findings = evaluate(facts);
    REQUIRE(count(findings, "submission.not-found") == 1);
    CHECK(to_string(find(findings, "submission.not-found")->target) == "example.com");
    CHECK(find(findings, "submission.not-found")->severity == Severity::notice);
    CHECK(count(findings, "submission.no-implicit-tls") == 0);

    SECTION("silent when a lookup failed: nothing can be concluded") {
        facts.submission->lookup_failures.push_back(fixture::failure("_submissions._tcp.example.com", RecordType::srv));
        const auto again = evaluate(facts);
        CHECK(count(again, "submission.not-found") == 0);
        CHECK(count(again, "dns.lookup-failed") == 1);
    }
}

TEST_CASE("submission.srv-disabled: one per SRV record whose target is \".\"") {
    auto facts = good_domain();
    facts.submission->source = DiscoverySource::disabled;
    facts.submission->srv = {{"_submissions._tcp", 0, 0, 0, "."}, {"_submission._tcp", 0, 0, 0, "."}};
    facts.submission->endpoints.clear();
    const auto findings = evaluate(facts);
    REQUIRE(count(findings, "submission.srv-disabled") == 2);
    CHECK(to_string(find(findings, "submission.srv-disabled")->target) == "_submissions._tcp.example.com");
    CHECK(count(findings, "submission.not-found") == 0);
    CHECK(count(findings, "submission.no-implicit-tls") == 0);
}

TEST_CASE("submission.srv-target-unresolvable: the SRV target has neither A nor AAAA") {
    auto facts = good_domain();
    auto& endpoint = facts.submission->endpoints[0];
    endpoint.resolution.v4_status = LookupStatus::nxdomain;
    endpoint.resolution.v6_status = LookupStatus::nxdomain;
    endpoint.resolution.addresses.clear();
    endpoint.addresses.clear();
    const auto findings = evaluate(facts);
    REQUIRE(count(findings, "submission.srv-target-unresolvable") == 1);
    const auto* finding = find(findings, "submission.srv-target-unresolvable");
    CHECK(to_string(finding->target) == "mail.example.com:465");
    CHECK(finding->message.find("_submissions._tcp.example.com") != std::string::npos);
    CHECK(count(findings, "submission.unreachable") == 0);

    SECTION("silent when only one family is absent") {
        facts.submission->endpoints[0].resolution.v6_status = LookupStatus::answer;
        CHECK(count(evaluate(facts), "submission.srv-target-unresolvable") == 0);
    }
    SECTION("silent when the lookup failed (that is dns.lookup-failed)") {
        facts.submission->endpoints[0].resolution.v4_status = LookupStatus::servfail;
        CHECK(count(evaluate(facts), "submission.srv-target-unresolvable") == 0);
    }
}

TEST_CASE("submission.unreachable: every address of an SRV endpoint fails") {
    auto facts = good_domain();
    fail(probe(facts, 0, 0), ProbeStatus::timeout, "connect timed out");
    fail(probe(facts, 0, 1), ProbeStatus::refused, "connection refused");
    const auto findings = evaluate(facts);
    REQUIRE(count(findings, "submission.unreachable") == 1);
    const auto* finding = find(findings, "submission.unreachable");
    CHECK(to_string(finding->target) == "mail.example.com:465");
    CHECK(finding->message.find("192.0.2.10 (timeout: connect timed out)") != std::string::npos);
    CHECK(finding->message.find("2001:db8::10 (refused") != std::string::npos);
    CHECK(count(findings, "submission.address-unreachable") == 0);
    // An SRV endpoint is offered by being published, even when it is down.
    CHECK(count(findings, "submission.no-implicit-tls") == 0);
}

TEST_CASE("submission.unreachable on fallback: a refusing port is not offered") {
    auto facts = fallback_domain();
    REQUIRE(evaluate(facts).empty());

    SECTION("465 refused, 587 answers: not offered, no unreachable, but no implicit TLS") {
        fail(probe(facts, 0, 0), ProbeStatus::refused, "connection refused");
        fail(probe(facts, 0, 1), ProbeStatus::refused, "connection refused");
        const auto findings = evaluate(facts);
        CHECK(count(findings, "submission.unreachable") == 0);
        REQUIRE(count(findings, "submission.no-implicit-tls") == 1);
        CHECK(to_string(find(findings, "submission.no-implicit-tls")->target) == "example.com");
        CHECK(find(findings, "submission.no-implicit-tls")->message.find("smtp.example.com") != std::string::npos);
    }
    SECTION("both ports refused: one unreachable on the host") {
        for (std::size_t e = 0; e < 2; ++e) {
            for (std::size_t a = 0; a < 2; ++a) {
                fail(probe(facts, e, a), ProbeStatus::refused, "connection refused");
            }
        }
        const auto findings = evaluate(facts);
        REQUIRE(count(findings, "submission.unreachable") == 1);
        CHECK(to_string(find(findings, "submission.unreachable")->target) == "smtp.example.com");
        CHECK(count(findings, "submission.no-implicit-tls") == 0);
        CHECK(count(findings, "submission.address-unreachable") == 0);
    }
    SECTION("a fallback port that times out everywhere is unreachable") {
        fail(probe(facts, 1, 0), ProbeStatus::timeout, "connect timed out");
        fail(probe(facts, 1, 1), ProbeStatus::unreachable, "network unreachable");
        const auto findings = evaluate(facts);
        REQUIRE(count(findings, "submission.unreachable") == 1);
        CHECK(to_string(find(findings, "submission.unreachable")->target) == "smtp.example.com:587");
    }
}

TEST_CASE("submission.address-unreachable: some, not all, addresses fail") {
    auto facts = good_domain();
    fail(probe(facts, 1, 1), ProbeStatus::timeout, "connect timed out");
    const auto findings = evaluate(facts);
    REQUIRE(count(findings, "submission.address-unreachable") == 1);
    const auto* finding = find(findings, "submission.address-unreachable");
    CHECK(to_string(finding->target) == "mail.example.com:587 [2001:db8::10]");
    CHECK(finding->severity == Severity::warning);
    CHECK(finding->fix.find("2001:db8::10") != std::string::npos);
    CHECK(count(findings, "submission.unreachable") == 0);
}

TEST_CASE("submission.no-implicit-tls: SRV publishes only _submission._tcp") {
    auto facts = good_domain();
    facts.submission->srv.erase(facts.submission->srv.begin());
    facts.submission->endpoints.erase(facts.submission->endpoints.begin());
    const auto findings = evaluate(facts);
    REQUIRE(count(findings, "submission.no-implicit-tls") == 1);
    CHECK(find(findings, "submission.no-implicit-tls")->severity == Severity::notice);

    SECTION("silent when the SRV lookup failed") {
        facts.submission->lookup_failures.push_back(fixture::failure("_submissions._tcp.example.com", RecordType::srv));
        CHECK(count(evaluate(facts), "submission.no-implicit-tls") == 0);
    }
}

TEST_CASE("submission.not-tls: 465 answers in plaintext") {
    auto facts = good_domain();
    auto& p = probe(facts, 0);
    fail(p, ProbeStatus::protocol_error, "plaintext SMTP banner on the implicit-TLS port");
    p.smtp.plaintext_on_implicit_port = true;
    p.smtp.banner = "mail.example.com ESMTP";
    const auto findings = evaluate(facts);
    REQUIRE(count(findings, "submission.not-tls") == 1);
    CHECK(to_string(find(findings, "submission.not-tls")->target) == "mail.example.com:465 [192.0.2.10]");
    CHECK(find(findings, "submission.not-tls")->message.find("\"mail.example.com ESMTP\"") != std::string::npos);
    // One cause, one finding.
    CHECK(count(findings, "submission.protocol-error") == 0);
    CHECK(count(findings, "submission.tls-failed") == 0);
}

TEST_CASE("submission.tls-failed: the handshake on 465 fails") {
    auto facts = good_domain();
    fail(probe(facts, 0), ProbeStatus::tls_failed, "handshake failure (alert 40)");
    const auto findings = evaluate(facts);
    REQUIRE(count(findings, "submission.tls-failed") == 1);
    CHECK(find(findings, "submission.tls-failed")->message.find("alert 40") != std::string::npos);
    CHECK(count(findings, "submission.starttls-failed") == 0);
}

TEST_CASE("a server speaking only TLS 1.0 is tls.version-deprecated, not also a handshake failure") {
    auto facts = good_domain();
    for (int endpoint : {0, 1}) {
        auto& p = probe(facts, endpoint);
        fail(p, ProbeStatus::tls_failed, "a TLS 1.2+ client cannot connect; the server speaks only TLSv1");
        TlsFacts diagnostic;
        diagnostic.version = TlsVersion::tls1_0;
        diagnostic.cipher = "ECDHE-RSA-AES256-SHA";
        diagnostic.modern_client_failed = true;
        p.tls = diagnostic;
    }
    const auto findings = evaluate(facts);
    CHECK(count(findings, "tls.version-deprecated") == 2);
    CHECK(count(findings, "submission.tls-failed") == 0);
    CHECK(count(findings, "submission.starttls-failed") == 0);
}

TEST_CASE("submission.starttls-missing: 587 without STARTTLS") {
    auto facts = good_domain();
    auto& p = probe(facts, 1);
    fail(p, ProbeStatus::no_starttls, "STARTTLS not advertised");
    p.smtp.ehlo = {"mail.example.com", "PIPELINING", "AUTH PLAIN"};
    p.smtp.starttls_offered = false;
    const auto findings = evaluate(facts);
    REQUIRE(count(findings, "submission.starttls-missing") == 1);
    CHECK(to_string(find(findings, "submission.starttls-missing")->target) == "mail.example.com:587 [192.0.2.10]");
    CHECK(find(findings, "submission.starttls-missing")->message.find("PIPELINING") != std::string::npos);
}

TEST_CASE("submission.starttls-failed: rejected, or the handshake after STARTTLS fails") {
    auto facts = good_domain();
    fail(probe(facts, 1, 0), ProbeStatus::starttls_rejected, "454 TLS not available");
    fail(probe(facts, 1, 1), ProbeStatus::tls_failed, "handshake failure");
    const auto findings = evaluate(facts);
    REQUIRE(count(findings, "submission.starttls-failed") == 2);
    CHECK(find(findings, "submission.starttls-failed")->message.find("454 TLS not available") != std::string::npos);
    CHECK(count(findings, "submission.tls-failed") == 0);
}

TEST_CASE("submission.starttls-buffered-data: bytes after the STARTTLS reply") {
    auto facts = good_domain();
    probe(facts, 1).smtp.data_after_starttls_reply = true;
    const auto findings = evaluate(facts);
    REQUIRE(count(findings, "submission.starttls-buffered-data") == 1);
    CHECK(find(findings, "submission.starttls-buffered-data")->severity == Severity::error);
    CHECK(find(findings, "submission.starttls-buffered-data")->reference.find("RFC 3207 §6") != std::string::npos);
}

TEST_CASE("submission.auth-before-tls: AUTH offered in cleartext on a STARTTLS port") {
    auto facts = good_domain();
    probe(facts, 1).smtp.auth_before_tls = {"PLAIN", "LOGIN"};
    const auto findings = evaluate(facts);
    REQUIRE(count(findings, "submission.auth-before-tls") == 1);
    CHECK(find(findings, "submission.auth-before-tls")->message.find("AUTH PLAIN LOGIN") != std::string::npos);

    SECTION("silent on implicit TLS, where AUTH comes after TLS anyway") {
        auto implicit = good_domain();
        probe(implicit, 0).smtp.auth_before_tls = {"PLAIN"};
        CHECK(count(evaluate(implicit), "submission.auth-before-tls") == 0);
    }
}

TEST_CASE("submission.protocol-error and submission.inconclusive") {
    auto facts = good_domain();
    fail(probe(facts, 0, 0), ProbeStatus::protocol_error, "no 220 banner");
    fail(probe(facts, 0, 1), ProbeStatus::inconclusive, "421 too many connections");
    const auto findings = evaluate(facts);
    REQUIRE(count(findings, "submission.protocol-error") == 1);
    CHECK(find(findings, "submission.protocol-error")->message.find("no 220 banner") != std::string::npos);
    REQUIRE(count(findings, "submission.inconclusive") == 1);
    const auto* inconclusive = find(findings, "submission.inconclusive");
    CHECK(inconclusive->severity == Severity::warning);
    CHECK(to_string(inconclusive->target) == "mail.example.com:465 [2001:db8::10]");
    // Never "no TLS".
    CHECK(count(findings, "submission.not-tls") == 0);
    CHECK(count(findings, "submission.starttls-missing") == 0);
}
