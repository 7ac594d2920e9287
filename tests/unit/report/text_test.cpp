#include <catch2/catch.hpp>

#include "../rules/facts_fixture.hpp"
#include "relaymetry/report/report.hpp"

using namespace relaymetry;
using fixture::good_domain;

namespace {

bool has(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

Finding finding(std::string id, Severity severity, Target target, std::string message) {
    return {std::move(id), severity, std::move(target), std::move(message), "Do the right thing.", "RFC 0000"};
}

}  // namespace

TEST_CASE("render_text shows DNSSEC per area and each TLSA record against each address") {
    auto facts = fixture::dane_domain();
    auto& dane = *facts.submission->endpoints[0].dane;
    dane.addresses[1].matches.clear();
    const auto text = report::render_text(facts, {}, {});
    INFO(text);
    CHECK(has(text, "resolver: the system's resolvers (/etc/resolv.conf), validates DNSSEC"));
    CHECK(has(text, "DNSSEC of example.com: secure (validated)"));
    CHECK(has(text, "DNSSEC of the SRV records: secure (validated)"));
    CHECK(has(text,
              "TXT _smtp._tls.example.com: published\n    \"v=TLSRPTv1; rua=mailto:tls-reports@example.com\"\n"
              "    DNSSEC: secure (validated)"));
    CHECK(has(text,
              "TLSA _465._tcp.mail.example.com: 2 records, DNSSEC secure (validated)\n"
              "      3 1 1 " +
                  std::string(64, 'a') +
                  "\n"
                  "        192.0.2.10: matches the leaf\n"
                  "        2001:db8::10: does not match\n"
                  "      3 1 1 " +
                  std::string(64, 'b') +
                  "\n"
                  "        192.0.2.10: does not match\n"));
    facts.dns.resolver_validates = false;
    const auto unjudged = report::render_text(facts, {}, {});
    CHECK(has(unjudged, "does NOT validate DNSSEC: DNSSEC and DANE not judged"));
    CHECK(has(unjudged, "DNSSEC of the SRV records: not judged (the resolver does not validate)"));
}

TEST_CASE("render_text shows the facts of every area") {
    const auto text = report::render_text(good_domain(), {}, {});
    INFO(text);
    // Submission: discovery, SRV records, endpoints, one line per address, certificate summary.
    CHECK(has(text, "Submission\n"));
    CHECK(has(text, "discovery: SRV records"));
    CHECK(has(text, "_submissions._tcp.example.com SRV 0 1 465 mail.example.com"));
    CHECK(has(text, "mail.example.com:465 (implicit-tls, from SRV)"));
    CHECK(has(text, "mail.example.com:587 (starttls, from SRV)"));
    CHECK(has(text, "✓ 192.0.2.10  ok  TLSv1.3 TLS_AES_256_GCM_SHA384"));
    CHECK(has(text, "✓ 2001:db8::10  ok"));
    CHECK(has(text, "certificate: CN=mail.example.com, RSA-2048, sha256WithRSAEncryption"));
    CHECK(has(text, "SAN: mail.example.com"));
    CHECK(has(text, "issuer: CN=R3,O=Let's Encrypt,C=US"));
    CHECK(has(text, "valid 2026-10-29 to 2027-01-27 (60 days left)"));
    CHECK(has(text, "chain valid, name matches"));
    CHECK_FALSE(has(text, "timings:"));
    // MX, MTA-STS, TLS-RPT.
    CHECK(has(text, "MX\n  DNSSEC: secure (validated)\n  10 mx1.example.com  (192.0.2.25)\n  20 mx2.example.com"));
    CHECK(has(text, "TXT _mta-sts.example.com: published, id 20261128T000000"));
    CHECK(has(text, "\"v=STSv1; id=20261128T000000\""));
    CHECK(has(text, "policy: https://mta-sts.example.com/.well-known/mta-sts.txt: fetched, HTTP 200, text/plain"));
    CHECK(has(text, "mode: enforce"));
    CHECK(has(text, "max_age: 604800 s (7 days)"));
    CHECK(has(text, "mx: mx1.example.com, mx2.example.com"));
    CHECK(has(text, "coverage: mx1.example.com covered by mx1.example.com"));
    CHECK(has(text, "TXT _smtp._tls.example.com: published"));
    CHECK(has(text, "rua: mailto:tls-reports@example.com"));
    CHECK_FALSE(has(text, "Findings"));
    CHECK(text.ends_with("\n\nexample.com: PASS — 0 errors, 0 warnings, 0 notices\n"));
}

TEST_CASE("render_text lists findings with their fix, marks the address, and gives the verdict") {
    const Findings findings = {
        finding("cert.expired", Severity::error, Target::at_address("mail.example.com", 465, "192.0.2.10"),
                "The certificate expired."),
        finding("tls.no-tls13", Severity::notice, Target::at_address("mail.example.com", 587, "192.0.2.10"),
                "No TLS 1.3."),
        finding("mta-sts.mode-testing", Severity::notice, Target::host("mta-sts.example.com"), "Testing mode."),
    };
    const auto text = report::render_text(good_domain(), findings, {});
    INFO(text);
    CHECK(has(text, "✗ 192.0.2.10  ok"));
    CHECK(has(text,
              "Findings\n  error cert.expired  mail.example.com:465 [192.0.2.10]\n    The certificate expired.\n"
              "    fix: Do the right thing.\n"));
    CHECK(has(text, "  notice tls.no-tls13  mail.example.com:587 [192.0.2.10]\n"));
    CHECK(has(text, "example.com: FAIL — 1 error, 0 warnings, 2 notices\n"));
}

TEST_CASE("render_text marks every address of an unreachable endpoint") {
    auto facts = good_domain();
    for (auto& probe : facts.submission->endpoints[1].addresses) {
        probe.status = ProbeStatus::refused;
        probe.error = "connection refused";
        probe.tls.reset();
    }
    const auto plain = report::render_text(facts, {}, {});
    CHECK(has(plain, "- 192.0.2.10  refused  (connection refused)"));  // no finding: e.g. a port not offered
    const Findings findings = {
        finding("submission.unreachable", Severity::error, Target::endpoint("mail.example.com", 587), "Down.")};
    const auto text = report::render_text(facts, findings, {});
    CHECK(has(text, "✗ 192.0.2.10  refused  (connection refused)"));
    CHECK(has(text, "✗ 2001:db8::10  refused"));
    CHECK(has(text, "✓ 192.0.2.10  ok"));  // port 465 is fine
}

TEST_CASE("render_text shows max_age in seconds and days") {
    auto facts = good_domain();
    facts.mta_sts->policy->parse->max_age = 90000;
    CHECK(has(report::render_text(facts, {}, {}), "max_age: 90000 s (about 1 day)"));
    facts.mta_sts->policy->parse->max_age = 7200;
    CHECK(has(report::render_text(facts, {}, {}), "max_age: 7200 s (2 hours)"));
}

TEST_CASE("render_text shows a failed address with its reason and timings on request") {
    auto facts = good_domain();
    auto& probe = facts.submission->endpoints[0].addresses[1];
    probe.status = ProbeStatus::timeout;
    probe.error = "connect timed out";
    probe.tls.reset();
    probe.timings_ms = {};
    const auto text = report::render_text(facts, {}, {false, true});
    INFO(text);
    CHECK(has(text, "2001:db8::10  timeout  (connect timed out)"));
    CHECK(has(text, "timings: connect 12 ms, banner 30 ms, ehlo 11 ms, handshake 25 ms"));
    CHECK(has(text, "timings: connect 12 ms, banner 30 ms, ehlo 11 ms, starttls 9 ms, handshake 25 ms"));
}

TEST_CASE("render_text escapes every network string") {
    auto facts = good_domain();
    auto& probe = facts.submission->endpoints[0].addresses[0];
    probe.smtp.banner = "hi\x1b[2J\x1b]0;pwned\x07";
    probe.tls->certificate->leaf.subject = "CN=evil\nFAKE LINE";
    facts.mta_sts->txt->records = {"v=STSv1; id=1\x1b[31m"};
    facts.tls_rpt->parse.rua[0].uri = "mailto:a@example.com\xc2\x9b";
    const Findings findings = {finding("submission.not-tls", Severity::error,
                                       Target::at_address("mail.example.com", 465, "192.0.2.10"),
                                       "banner \"hi\x1b[2J\"")};
    const auto text = report::render_text(facts, findings, {});
    CHECK(text.find('\x1b') == std::string::npos);
    CHECK(text.find('\x07') == std::string::npos);
    CHECK(text.find("\xc2\x9b") == std::string::npos);
    CHECK(has(text, "banner: hi\\u001b[2J\\u001b]0;pwned\\u0007"));
    CHECK(has(text, "certificate: CN=evil\\nFAKE LINE"));
    CHECK(has(text, "\"v=STSv1; id=1\\u001b[31m\""));
    CHECK(has(text, "rua: mailto:a@example.com\\u009b"));
    CHECK(has(text, "banner \"hi\\u001b[2J\""));
}

TEST_CASE("render_text uses colour only when asked") {
    const Findings findings = {finding("cert.expired", Severity::error, Target::domain("x"), "y")};
    const auto plain = report::render_text(good_domain(), findings, {false, false});
    const auto colour = report::render_text(good_domain(), findings, {true, false});
    CHECK(plain.find('\x1b') == std::string::npos);
    CHECK(has(colour, "\x1b[31merror\x1b[0m cert.expired"));
    CHECK(has(colour, "\x1b[31mFAIL\x1b[0m"));
    CHECK(has(colour, "\x1b[1mSubmission\x1b[0m"));
}

TEST_CASE("render_text has no section for an area that was not checked") {
    auto facts = good_domain();
    facts.submission.reset();
    facts.tls_rpt.reset();
    const auto text = report::render_text(facts, {}, {});
    CHECK_FALSE(has(text, "Submission"));
    CHECK_FALSE(has(text, "TLS-RPT"));
    CHECK(has(text, "\nMX\n"));
    CHECK(has(text, "\nMTA-STS\n"));
}

TEST_CASE("render_text describes a null MX and a missing MX") {
    auto facts = good_domain();
    facts.mx->records = {{0, "."}};
    facts.mx->null_mx = true;
    CHECK(has(report::render_text(facts, {}, {}), "null MX (\"0 .\"): the domain accepts no mail"));
    facts.mx = MxFacts{};
    facts.mx->status = LookupStatus::nxdomain;
    CHECK(has(report::render_text(facts, {}, {}), "no MX records (nxdomain)"));
}

TEST_CASE("render_text shortens a long SAN list; the JSON keeps every name") {
    auto facts = good_domain();
    auto& san = facts.submission->endpoints.at(0).addresses.at(0).tls->certificate->leaf.san;
    san.clear();
    for (int i = 0; i < 20; ++i) {
        san.push_back("host" + std::to_string(i) + ".example.com");
    }
    const auto text = report::render_text(facts, {}, {});
    INFO(text);
    CHECK(has(text, "SAN: host0.example.com, host1.example.com"));
    CHECK(has(text, "host7.example.com (and 12 more; --json lists all)"));
    CHECK_FALSE(has(text, "host8.example.com"));
    CHECK(has(report::render_json(facts, {}), "host19.example.com"));
}
