// mx.*, tls-rpt.* and dns.lookup-failed.
#include <catch2/catch.hpp>

#include "facts_fixture.hpp"
#include "relaymetry/rules/rules.hpp"

using namespace relaymetry;
using fixture::count;
using fixture::find;
using fixture::good_domain;
using fixture::ids;

namespace {

Findings evaluate(const DomainFacts& facts) {
    return rules::evaluate(facts, {});
}

}  // namespace

TEST_CASE("mx.none: NXDOMAIN or NODATA, not a failed lookup") {
    auto facts = good_domain();
    facts.mx = MxFacts{};
    facts.mx->status = LookupStatus::nodata;
    facts.mta_sts->mx_coverage.clear();
    auto findings = evaluate(facts);
    REQUIRE(ids(findings) == std::vector<std::string>{"mx.none"});
    CHECK(to_string(findings[0].target) == "example.com");
    CHECK(findings[0].message.find("nodata") != std::string::npos);

    facts.mx->status = LookupStatus::servfail;
    facts.mx->lookup_failures.push_back(fixture::failure("example.com", RecordType::mx));
    findings = evaluate(facts);
    REQUIRE(ids(findings) == std::vector<std::string>{"dns.lookup-failed"});
    CHECK(findings[0].message.find("MX lookup of example.com failed (servfail") != std::string::npos);
}

TEST_CASE("mx.null suppresses the inbound advice of MTA-STS and TLS-RPT") {
    auto facts = good_domain();
    facts.mx->records = {{0, "."}};
    facts.mx->null_mx = true;
    facts.mx->hosts.clear();
    facts.mta_sts = MtaStsFacts{};
    facts.mta_sts->txt = MtaStsTxtFacts{};
    facts.mta_sts->txt->status = TxtStatus::not_published;
    facts.tls_rpt->status = TxtStatus::not_published;
    facts.tls_rpt->records.clear();
    facts.tls_rpt->parse = {};
    const auto findings = evaluate(facts);
    REQUIRE(ids(findings) == std::vector<std::string>{"mx.null"});
    CHECK(findings[0].severity == Severity::notice);
}

TEST_CASE("tls-rpt.not-published") {
    auto facts = good_domain();
    facts.tls_rpt->status = TxtStatus::not_published;
    facts.tls_rpt->records.clear();
    facts.tls_rpt->parse = {};
    const auto findings = evaluate(facts);
    REQUIRE(ids(findings) == std::vector<std::string>{"tls-rpt.not-published"});
    CHECK(to_string(findings[0].target) == "_smtp._tls.example.com");
    CHECK(findings[0].severity == Severity::warning);
    CHECK(findings[0].fix.find("rua=mailto:tls-reports@example.com") != std::string::npos);

    SECTION("a failed lookup is not \"not published\"") {
        facts.tls_rpt->status = TxtStatus::lookup_failed;
        facts.tls_rpt->lookup_failures.push_back(
            fixture::failure("_smtp._tls.example.com", RecordType::txt, LookupStatus::timeout));
        const auto again = evaluate(facts);
        REQUIRE(ids(again) == std::vector<std::string>{"dns.lookup-failed"});
        CHECK(to_string(again[0].target) == "_smtp._tls.example.com");
        CHECK(again[0].message.find("TLS-RPT") != std::string::npos);
    }
}

TEST_CASE("tls-rpt.invalid, tls-rpt.multiple, tls-rpt.rua-invalid") {
    auto facts = good_domain();
    SECTION("invalid, with its errors, and each bad rua") {
        facts.tls_rpt->status = TxtStatus::invalid;
        facts.tls_rpt->records = {"v=TLSRPTv1; rua=ftp://x"};
        facts.tls_rpt->parse.valid = false;
        facts.tls_rpt->parse.errors = {"rua is missing a valid URI"};
        facts.tls_rpt->parse.rua = {{"ftp://x", false, "not a mailto: or https: URI"}};
        const auto findings = evaluate(facts);
        REQUIRE(ids(findings) == std::vector<std::string>{"tls-rpt.invalid", "tls-rpt.rua-invalid"});
        CHECK(findings[0].message.find("rua is missing a valid URI") != std::string::npos);
        CHECK(findings[1].message.find("\"ftp://x\"") != std::string::npos);
        CHECK(findings[1].message.find("not a mailto: or https: URI") != std::string::npos);
    }
    SECTION("one finding per unusable rua of a valid record") {
        facts.tls_rpt->parse.rua.push_back({"mailto:not-an-address", false, "no valid address"});
        facts.tls_rpt->parse.rua.push_back({"https:", false, "no host"});
        CHECK(count(evaluate(facts), "tls-rpt.rua-invalid") == 2);
    }
    SECTION("multiple") {
        facts.tls_rpt->status = TxtStatus::multiple;
        facts.tls_rpt->records = {"v=TLSRPTv1; rua=mailto:a@example.com", "v=TLSRPTv1; rua=mailto:b@example.com"};
        facts.tls_rpt->parse = {};
        const auto findings = evaluate(facts);
        REQUIRE(ids(findings) == std::vector<std::string>{"tls-rpt.multiple"});
        CHECK(findings[0].message.find("b@example.com") != std::string::npos);
    }
}

TEST_CASE("tls-rpt.rua-repeated: a warning naming the URIs of each field") {
    auto facts = good_domain();
    facts.tls_rpt->records = {"v=TLSRPTv1; rua=mailto:a@example.com; rua=https://r.example.net/x,mailto:b@example.org"};
    facts.tls_rpt->parse.rua = {
        {"mailto:a@example.com", true, ""}, {"https://r.example.net/x", true, ""}, {"mailto:b@example.org", true, ""}};
    facts.tls_rpt->parse.rua_field_sizes = {1, 2};
    const auto findings = evaluate(facts);
    REQUIRE(ids(findings) == std::vector<std::string>{"tls-rpt.rua-repeated"});
    CHECK(findings[0].severity == Severity::warning);
    CHECK(to_string(findings[0].target) == "_smtp._tls.example.com");
    CHECK(findings[0].message.find("2 rua fields (\"mailto:a@example.com\"; \"https://r.example.net/x\", "
                                   "\"mailto:b@example.org\")") != std::string::npos);
    CHECK(findings[0].message.find("read only the first") != std::string::npos);
    CHECK(findings[0].fix.find("\"rua=mailto:a@example.com,https://r.example.net/x,mailto:b@example.org\"") !=
          std::string::npos);

    SECTION("an unusable URI in a repeated field is also tls-rpt.rua-invalid") {
        facts.tls_rpt->parse.rua[1] = {"http://r.example.net/x", false, "only mailto: and https: can"};
        CHECK(ids(evaluate(facts)) == std::vector<std::string>{"tls-rpt.rua-invalid", "tls-rpt.rua-repeated"});
    }
    SECTION("silent for one rua field with several URIs") {
        facts.tls_rpt->parse.rua_field_sizes = {3};
        CHECK(evaluate(facts).empty());
    }
    SECTION("silent for an invalid record: tls-rpt.invalid speaks") {
        facts.tls_rpt->status = TxtStatus::invalid;
        facts.tls_rpt->parse.valid = false;
        facts.tls_rpt->parse.errors = {"field \"x\" has no '='"};
        CHECK(ids(evaluate(facts)) == std::vector<std::string>{"tls-rpt.invalid"});
    }
}

TEST_CASE("dns.lookup-failed: one finding per failure, in every area") {
    auto facts = good_domain();
    facts.submission->lookup_failures.push_back(
        fixture::failure("_submission._tcp.example.com", RecordType::srv, LookupStatus::refused));
    facts.mx->lookup_failures.push_back(fixture::failure("mx2.example.com", RecordType::aaaa, LookupStatus::timeout));
    facts.mta_sts->lookup_failures.push_back(fixture::failure("mta-sts.example.com", RecordType::aaaa));
    facts.tls_rpt->lookup_failures.push_back(fixture::failure("_smtp._tls.example.com", RecordType::txt));
    const auto findings = evaluate(facts);
    REQUIRE(count(findings, "dns.lookup-failed") == 4);
    std::vector<std::string> targets;
    for (const auto& finding : findings) {
        targets.push_back(to_string(finding.target));
    }
    CHECK(targets == std::vector<std::string>{"_submission._tcp.example.com", "mx2.example.com", "mta-sts.example.com",
                                              "_smtp._tls.example.com"});
    CHECK(findings[0].message ==
          "The SRV lookup of _submission._tcp.example.com failed (refused: the server "
          "failed), so submission could not be judged from it.");
    CHECK(findings[1].message.find("AAAA lookup of mx2.example.com failed (timeout") != std::string::npos);
}

TEST_CASE("lint: records judged without a domain name it \"<domain>\"") {
    DomainFacts facts;  // `lint tls-rpt 'RECORD'`: only the record
    facts.tls_rpt = TlsRptFacts{};
    facts.tls_rpt->status = TxtStatus::published;
    facts.tls_rpt->parse.valid = true;
    facts.tls_rpt->parse.rua = {{"mailto:", false, "no address"}};
    const auto findings = evaluate(facts);
    REQUIRE(ids(findings) == std::vector<std::string>{"tls-rpt.rua-invalid"});
    CHECK(to_string(findings[0].target) == "_smtp._tls.<domain>");
}
