#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "../rules/facts_fixture.hpp"
#include "relaymetry/report/report.hpp"

using namespace relaymetry;
using fixture::good_domain;
using nlohmann::json;

namespace {

Finding expired_finding() {
    return {"cert.expired",
            Severity::error,
            Target::at_address("mail.example.com", 465, "192.0.2.10"),
            "At mail.example.com:465 [192.0.2.10], the certificate expired on 2026-11-27 (1 day ago).",
            "Renew the certificate of mail.example.com.",
            "RFC 5280 §4.1.2.5"};
}

json render(const DomainFacts& facts, const Findings& findings = {}) {
    const std::string text = report::render_json(facts, findings);
    REQUIRE(text.find('\n') == std::string::npos);
    return json::parse(text);
}

}  // namespace

TEST_CASE("render_json: the contract's top-level keys, in order") {
    const std::string text = report::render_json(good_domain(), {});
    const auto ordered = nlohmann::ordered_json::parse(text);
    std::vector<std::string> keys;
    for (const auto& [key, value] : ordered.items()) {
        keys.push_back(key);
    }
    CHECK(keys == std::vector<std::string>{"schema_version", "domain", "started_at", "duration_ms", "submission", "mx",
                                           "mta_sts", "tls_rpt", "dns", "findings", "summary"});
    const auto doc = json::parse(text);
    CHECK(doc["schema_version"] == 2);
    CHECK(doc["domain"] == "example.com");
    CHECK(doc["started_at"] == "2026-11-28T12:00:00Z");
    CHECK(doc["duration_ms"] == 812);
}

TEST_CASE("render_json: submission discovery, endpoints, addresses, TLS and certificate") {
    const auto doc = render(good_domain());
    const auto& submission = doc["submission"];
    CHECK(submission["discovery"]["source"] == "srv");
    CHECK(submission["discovery"]["srv"][0] == json({{"service", "_submissions._tcp"},
                                                     {"priority", 0},
                                                     {"weight", 1},
                                                     {"port", 465},
                                                     {"target", "mail.example.com"}}));
    const auto& endpoint = submission["endpoints"][1];
    CHECK(endpoint["host"] == "mail.example.com");
    CHECK(endpoint["port"] == 587);
    CHECK(endpoint["security"] == "starttls");
    CHECK(endpoint["from_srv"] == true);
    const auto& address = endpoint["addresses"][0];
    CHECK(address["address"] == "192.0.2.10");
    CHECK(address["status"] == "ok");
    CHECK(address["error"].is_null());
    CHECK(address["smtp"]["banner"] == "mail.example.com ESMTP ready");
    CHECK(address["smtp"]["ehlo"][3] == "STARTTLS");
    CHECK(address["smtp"]["ehlo_after_tls"][3] == "AUTH PLAIN LOGIN");
    CHECK(address["smtp"]["starttls_offered"] == true);
    CHECK(address["smtp"]["auth_before_tls"] == json::array());
    CHECK(address["timings_ms"] ==
          json({{"connect", 12}, {"banner", 30}, {"ehlo", 11}, {"starttls", 9}, {"handshake", 25}}));
    const auto& tls = address["tls"];
    CHECK(tls["version"] == "TLSv1.3");
    CHECK(tls["cipher"] == "TLS_AES_256_GCM_SHA384");
    CHECK(tls["cipher_iana"] == "TLS_AES_256_GCM_SHA384");
    CHECK(tls["tls13_supported"] == true);
    CHECK(tls["legacy_versions_accepted"] == json::array());
    const auto& cert = tls["certificate"];
    CHECK(cert["subject"] == "CN=mail.example.com");
    CHECK(cert["issuer"] == "CN=R3,O=Let's Encrypt,C=US");
    CHECK(cert["san"] == json({"mail.example.com"}));
    CHECK(cert["not_before"] == "2026-10-29T12:00:00Z");
    CHECK(cert["not_after"] == "2027-01-27T12:00:00Z");
    CHECK(cert["days_left"] == 60);
    CHECK(cert["key"] == "RSA-2048");
    CHECK(cert["signature"] == "sha256WithRSAEncryption");
    CHECK(cert["chain_valid"] == true);
    CHECK(cert["verify_error"].is_null());
    CHECK(cert["verify_error_code"].is_null());
    CHECK(cert["name_match"] == true);
    CHECK(cert["sha256"] == "");  // the fixture sets no digests; see the next test
    CHECK_FALSE(cert.contains("der"));
    CHECK(cert["intermediates"][0]["subject"] == "CN=R3,O=Let's Encrypt,C=US");
    CHECK(cert["intermediates"][0]["key"] == "RSA-2048");
    CHECK(cert["intermediates"][0]["not_after"] == "2027-09-24T12:00:00Z");
}

TEST_CASE("render_json: certificate digests and the verification failure as prose and as a code") {
    auto facts = good_domain();
    auto& cert = *facts.submission->endpoints[0].addresses[0].tls->certificate;
    cert.leaf.sha256 = std::string(64, 'a');
    cert.leaf.spki_sha256 = std::string(64, 'b');
    cert.leaf.spki_sha512 = std::string(128, 'c');
    cert.leaf.der = {0x30, 0x82};
    cert.intermediates[0].spki_sha256 = std::string(64, 'd');
    cert.chain_valid = false;
    cert.verify_error = VerifyFailure{VerifyError::name_mismatch, 62, "hostname mismatch", 0, {}, {}};
    const auto doc = render(facts);
    const auto& json_cert = doc["submission"]["endpoints"][0]["addresses"][0]["tls"]["certificate"];
    CHECK(json_cert["sha256"] == std::string(64, 'a'));
    CHECK(json_cert["spki_sha256"] == std::string(64, 'b'));
    CHECK(json_cert["spki_sha512"] == std::string(128, 'c'));
    CHECK_FALSE(json_cert.contains("der"));
    CHECK(json_cert["intermediates"][0]["spki_sha256"] == std::string(64, 'd'));
    CHECK(json_cert["verify_error_code"] == "name-mismatch");
    CHECK(json_cert["verify_error"] == "certificate does not match the host name mail.example.com");
}

TEST_CASE("render_json: a finding's target as text and as a structured subject") {
    Findings findings;
    findings.push_back(
        {"cert.expired", Severity::error, Target::at_address("mail.example.com", 465, "192.0.2.10"), "m", "f", "r"});
    findings.push_back(
        {"mta-sts.not-published", Severity::warning, Target::record("_mta-sts.example.com"), "m", "f", "r"});
    const auto doc = json::parse(report::render_json(good_domain(), findings));
    CHECK(doc["findings"][0]["target"] == "mail.example.com:465 [192.0.2.10]");
    CHECK(doc["findings"][0]["subject"] ==
          json({{"kind", "address"}, {"name", "mail.example.com"}, {"port", 465}, {"address", "192.0.2.10"}}));
    CHECK(doc["findings"][1]["target"] == "_mta-sts.example.com");
    CHECK(doc["findings"][1]["subject"] == json({{"kind", "record"}, {"name", "_mta-sts.example.com"}}));
}

TEST_CASE("render_json: a failed address has its error and no TLS") {
    auto facts = good_domain();
    auto& probe = facts.submission->endpoints[0].addresses[1];
    probe.status = ProbeStatus::timeout;
    probe.error = "connect timed out";
    probe.tls.reset();
    probe.timings_ms = {};
    const auto doc = render(facts);
    const auto& address = doc["submission"]["endpoints"][0]["addresses"][1];
    CHECK(address["status"] == "timeout");
    CHECK(address["error"] == "connect timed out");
    CHECK(address["tls"].is_null());
    CHECK(address["timings_ms"] == json::object());
}

TEST_CASE("render_json: mx, mta_sts, tls_rpt") {
    auto facts = good_domain();
    facts.mta_sts->policy->parse->duplicate_fields = {"mode"};
    const auto doc = render(facts);
    CHECK(doc["mx"]["records"][0] == json({{"preference", 10}, {"host", "mx1.example.com"}}));
    CHECK(doc["mx"]["null_mx"] == false);
    CHECK(doc["mx"]["status"] == "answer");
    const auto& mta_sts = doc["mta_sts"];
    CHECK(mta_sts["txt"]["status"] == "published");
    CHECK(mta_sts["txt"]["records"] == json({"v=STSv1; id=20261128T000000"}));
    CHECK(mta_sts["txt"]["id"] == "20261128T000000");
    const auto& policy = mta_sts["policy"];
    CHECK(policy["url"] == "https://mta-sts.example.com/.well-known/mta-sts.txt");
    CHECK(policy["status"] == "fetched");
    CHECK(policy["http_status"] == 200);
    CHECK(policy["content_type"] == "text/plain; charset=utf-8");
    CHECK(policy["mode"] == "enforce");
    CHECK(policy["max_age"] == 604800);
    CHECK(policy["mx"] == json({"mx1.example.com", "mx2.example.com"}));
    CHECK(policy["errors"] == json::array());
    CHECK(policy["duplicate_fields"] == json({"mode"}));
    CHECK(policy["body_bytes"] == facts.mta_sts->policy->body->size());
    CHECK(policy["location"].is_null());
    CHECK(policy["certificate"]["subject"] == "CN=mta-sts.example.com");
    CHECK(policy["tls"]["version"] == "TLSv1.3");
    CHECK(mta_sts["mx_coverage"][1] ==
          json({{"mx", "mx2.example.com"}, {"covered", true}, {"pattern", "mx2.example.com"}}));
    CHECK(doc["tls_rpt"]["status"] == "published");
    CHECK(doc["tls_rpt"]["records"] == json({"v=TLSRPTv1; rua=mailto:tls-reports@example.com"}));
    CHECK(doc["tls_rpt"]["rua"] == json({"mailto:tls-reports@example.com"}));
}

TEST_CASE("render_json: findings and summary") {
    const auto doc = render(good_domain(), {expired_finding()});
    CHECK(doc["findings"][0] ==
          json({{"id", "cert.expired"},
                {"severity", "error"},
                {"target", "mail.example.com:465 [192.0.2.10]"},
                {"subject",
                 {{"kind", "address"}, {"name", "mail.example.com"}, {"port", 465}, {"address", "192.0.2.10"}}},
                {"message", expired_finding().message},
                {"fix", "Renew the certificate of mail.example.com."},
                {"reference", "RFC 5280 §4.1.2.5"}}));
    CHECK(doc["summary"] == json({{"errors", 1}, {"warnings", 0}, {"notices", 0}, {"result", "fail"}}));
    const auto clean = render(good_domain());
    CHECK(clean["findings"] == json::array());
    CHECK(clean["summary"]["result"] == "pass");
    Finding warning = expired_finding();
    warning.severity = Severity::warning;
    CHECK(render(good_domain(), {warning})["summary"]["result"] == "pass");
}

TEST_CASE("render_json: an area not checked is null") {
    auto facts = good_domain();
    facts.submission.reset();
    facts.mx.reset();
    facts.tls_rpt.reset();
    const auto doc = render(facts);
    CHECK(doc["submission"].is_null());
    CHECK(doc["mx"].is_null());
    CHECK(doc["tls_rpt"].is_null());
    CHECK(doc["mta_sts"].is_object());
}

TEST_CASE("render_json: hostile network text does not throw and cannot drive a terminal") {
    auto facts = good_domain();
    facts.submission->endpoints[0].addresses[0].smtp.banner =
        "evil\xff\xfe\x1b[2J\xc2\x9b"
        "31m\xe2\x80\xae";
    facts.mta_sts->txt->records = {std::string("v=STSv1;\0id=1", 13)};
    std::string text;
    REQUIRE_NOTHROW(text = report::render_json(facts, {}));
    CHECK(text.find('\x1b') == std::string::npos);
    CHECK(text.find("\xc2\x9b") == std::string::npos);
    CHECK(text.find("\xe2\x80\xae") == std::string::npos);
    CHECK(text.find("\\u001b[2J") != std::string::npos);
    CHECK(text.find("\\u009b31m") != std::string::npos);
    CHECK(text.find("\\u202e") != std::string::npos);
    const auto doc = json::parse(text);
    CHECK(doc["submission"]["endpoints"][0]["addresses"][0]["smtp"]["banner"] ==
          "evil\xef\xbf\xbd\xef\xbf\xbd\x1b[2J\xc2\x9b"
          "31m\xe2\x80\xae");
    CHECK(doc["mta_sts"]["txt"]["records"][0] == std::string("v=STSv1;\0id=1", 13));
}
