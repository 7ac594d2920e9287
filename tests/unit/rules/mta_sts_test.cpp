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

MtaStsPolicyFacts& policy_of(DomainFacts& facts) {
    return *facts.mta_sts->policy;
}

MtaStsPolicyParse& parse_of(DomainFacts& facts) {
    return *facts.mta_sts->policy->parse;
}

void no_txt(DomainFacts& facts) {
    facts.mta_sts->txt->status = TxtStatus::not_published;
    facts.mta_sts->txt->records.clear();
    facts.mta_sts->txt->parse = {};
}

void null_mx(DomainFacts& facts) {
    facts.mx->records = {{0, "."}};
    facts.mx->null_mx = true;
    facts.mx->hosts.clear();
}

// `lint mta-sts-policy --mx ...`: only the policy parse and the given MX hosts.
DomainFacts linted_policy(MtaStsPolicyParse parse, std::vector<std::string> mx_hosts, std::vector<MxCoverage> coverage,
                          std::vector<std::string> unused_patterns = {}) {
    DomainFacts facts;
    facts.domain = "example.com";
    MtaStsFacts mta_sts;
    MtaStsPolicyFacts policy;
    policy.parse = std::move(parse);
    mta_sts.policy = policy;
    mta_sts.mx_coverage = std::move(coverage);
    mta_sts.unused_mx_patterns = std::move(unused_patterns);
    facts.mta_sts = mta_sts;
    if (!mx_hosts.empty()) {
        MxFacts mx;
        mx.status = LookupStatus::answer;
        for (auto& host : mx_hosts) {
            mx.records.push_back({10, host});
        }
        facts.mx = mx;
    }
    return facts;
}

}  // namespace

TEST_CASE("mta-sts.not-published: no TXT, unless the domain has a null MX") {
    auto facts = good_domain();
    no_txt(facts);
    policy_of(facts).status = PolicyFetchStatus::http_error;
    policy_of(facts).http_status = 404;
    policy_of(facts).parse.reset();
    auto findings = evaluate(facts);
    REQUIRE(ids(findings) == std::vector<std::string>{"mta-sts.not-published"});
    CHECK(to_string(findings[0].target) == "_mta-sts.example.com");
    CHECK(findings[0].severity == Severity::warning);

    SECTION("null MX: no advice, no coverage") {
        null_mx(facts);
        facts.tls_rpt->status = TxtStatus::not_published;
        findings = evaluate(facts);
        CHECK(ids(findings) == std::vector<std::string>{"mx.null"});
    }
    SECTION("mx.none does not suppress the advice") {
        facts.mx = MxFacts{};
        facts.mx->status = LookupStatus::nodata;
        findings = evaluate(facts);
        CHECK(ids(findings) == std::vector<std::string>{"mx.none", "mta-sts.not-published"});
    }
    SECTION("a failed TXT lookup: not judged, no advice") {
        facts.mta_sts->txt->status = TxtStatus::lookup_failed;
        facts.mta_sts->lookup_failures.push_back(fixture::failure("_mta-sts.example.com", RecordType::txt));
        findings = evaluate(facts);
        CHECK(ids(findings) == std::vector<std::string>{"dns.lookup-failed"});
        CHECK(to_string(findings[0].target) == "_mta-sts.example.com");
    }
}

TEST_CASE("mta-sts.txt-invalid and mta-sts.txt-multiple") {
    auto facts = good_domain();
    SECTION("invalid lists the parse errors") {
        facts.mta_sts->txt->status = TxtStatus::invalid;
        facts.mta_sts->txt->records = {"v=STSv1; id=bad_id!"};
        facts.mta_sts->txt->parse = {};
        facts.mta_sts->txt->parse.errors = {"id \"bad_id!\" is not 1 to 32 letters or digits"};
        const auto findings = evaluate(facts);
        REQUIRE(count(findings, "mta-sts.txt-invalid") == 1);
        CHECK(find(findings, "mta-sts.txt-invalid")->message.find("bad_id!") != std::string::npos);
        CHECK(to_string(find(findings, "mta-sts.txt-invalid")->target) == "_mta-sts.example.com");
    }
    SECTION("multiple") {
        facts.mta_sts->txt->status = TxtStatus::multiple;
        facts.mta_sts->txt->records = {"v=STSv1; id=1", "v=STSv1; id=2"};
        const auto findings = evaluate(facts);
        REQUIRE(count(findings, "mta-sts.txt-multiple") == 1);
        CHECK(find(findings, "mta-sts.txt-multiple")->message.find("\"v=STSv1; id=2\"") != std::string::npos);
    }
}

TEST_CASE("policy fetch failures, when a TXT announces the policy") {
    auto facts = good_domain();
    auto& policy = policy_of(facts);
    policy.parse.reset();
    policy.content_type.reset();
    policy.body.reset();
    SECTION("unreachable") {
        policy.status = PolicyFetchStatus::unreachable;
        policy.http_status.reset();
        policy.tls.reset();
        policy.error = "connection refused";
        auto findings = evaluate(facts);
        REQUIRE(ids(findings) == std::vector<std::string>{"mta-sts.policy-unreachable"});
        CHECK(to_string(findings[0].target) == "mta-sts.example.com");
        CHECK(findings[0].message.find("connection refused") != std::string::npos);

        no_txt(facts);  // then silence: nobody fetches it
        CHECK(ids(evaluate(facts)) == std::vector<std::string>{"mta-sts.not-published"});
    }
    SECTION("unreachable because its lookup failed: dns.lookup-failed only") {
        policy.status = PolicyFetchStatus::unreachable;
        policy.http_status.reset();
        policy.tls.reset();
        facts.mta_sts->lookup_failures.push_back(fixture::failure("mta-sts.example.com", RecordType::a));
        CHECK(ids(evaluate(facts)) == std::vector<std::string>{"dns.lookup-failed"});
    }
    SECTION("not fetched because the run's limits were busy: a notice, never a verdict") {
        policy.status = PolicyFetchStatus::not_fetched;
        policy.http_status.reset();
        policy.tls.reset();
        policy.error = "127.0.0.1:443: not fetched before the check's deadline";
        const auto findings = evaluate(facts);
        REQUIRE(ids(findings) == std::vector<std::string>{"mta-sts.policy-not-fetched"});
        CHECK(findings[0].severity == Severity::notice);
        CHECK(findings[0].message.find("not fetched before the check's deadline") != std::string::npos);
        facts.mta_sts->lookup_failures.push_back(fixture::failure("mta-sts.example.com", RecordType::a));
        CHECK(ids(evaluate(facts)) == std::vector<std::string>{"dns.lookup-failed"});
    }
    SECTION("http error") {
        policy.status = PolicyFetchStatus::http_error;
        policy.http_status = 404;
        const auto findings = evaluate(facts);
        REQUIRE(ids(findings) == std::vector<std::string>{"mta-sts.policy-http-error"});
        CHECK(findings[0].message.find("HTTP 404") != std::string::npos);
    }
    SECTION("redirect carries the Location") {
        policy.status = PolicyFetchStatus::redirect;
        policy.http_status = 301;
        policy.location = "https://www.example.com/";
        const auto findings = evaluate(facts);
        REQUIRE(ids(findings) == std::vector<std::string>{"mta-sts.policy-redirect"});
        CHECK(findings[0].message.find("\"https://www.example.com/\"") != std::string::npos);
    }
    SECTION("tls-failed") {
        policy.status = PolicyFetchStatus::tls_failed;
        policy.http_status.reset();
        policy.tls.reset();
        policy.error = "handshake failure";
        const auto findings = evaluate(facts);
        REQUIRE(ids(findings) == std::vector<std::string>{"mta-sts.policy-tls-invalid"});
        CHECK(findings[0].message.find("handshake failure") != std::string::npos);
    }
    SECTION("too large") {
        policy.status = PolicyFetchStatus::too_large;
        CHECK(ids(evaluate(facts)) == std::vector<std::string>{"mta-sts.policy-too-large"});
    }
}

TEST_CASE("mta-sts.policy-content-type: text/plain with parameters, any case, is fine") {
    auto facts = good_domain();
    for (const auto* fine : {"text/plain", "TEXT/Plain; charset=us-ascii", " text/plain ;charset=utf-8"}) {
        policy_of(facts).content_type = fine;
        CHECK(evaluate(facts).empty());
    }
    policy_of(facts).content_type = "text/html; charset=utf-8";
    auto findings = evaluate(facts);
    REQUIRE(ids(findings) == std::vector<std::string>{"mta-sts.policy-content-type"});
    CHECK(findings[0].message.find("\"text/html; charset=utf-8\"") != std::string::npos);
    policy_of(facts).content_type.reset();
    CHECK(count(evaluate(facts), "mta-sts.policy-content-type") == 1);
}

TEST_CASE("mta-sts.policy-invalid lists every parse error; content rules stay silent") {
    auto facts = good_domain();
    policy_of(facts).status = PolicyFetchStatus::invalid;
    auto& parse = parse_of(facts);
    parse.valid = false;
    parse.mode = StsMode::testing;
    parse.max_age = 60;
    parse.errors = {"max_age 99999999999 is out of range", "unknown mode \"enforcing\""};
    parse.duplicate_fields = {"mode"};
    const auto findings = evaluate(facts);
    REQUIRE(ids(findings) == std::vector<std::string>{"mta-sts.policy-invalid"});
    CHECK(findings[0].message.find("max_age 99999999999 is out of range; unknown mode \"enforcing\"") !=
          std::string::npos);
}

TEST_CASE("content rules: line endings, duplicate fields, modes, max_age") {
    auto facts = good_domain();
    auto& parse = parse_of(facts);
    SECTION("line endings") {
        parse.lf_line_endings = true;
        const auto findings = evaluate(facts);
        REQUIRE(ids(findings) == std::vector<std::string>{"mta-sts.policy-line-endings"});
        CHECK(findings[0].severity == Severity::notice);
    }
    SECTION("one finding per duplicated field") {
        parse.duplicate_fields = {"mode", "max_age"};
        const auto findings = evaluate(facts);
        REQUIRE(count(findings, "mta-sts.policy-duplicate-field") == 2);
        CHECK(findings[0].message.find("\"mode\"") != std::string::npos);
        CHECK(findings[1].message.find("\"max_age\"") != std::string::npos);
    }
    SECTION("mode none: warning, and no coverage findings") {
        parse.mode = StsMode::none;
        facts.mta_sts->mx_coverage[1].covered = false;
        const auto findings = evaluate(facts);
        REQUIRE(ids(findings) == std::vector<std::string>{"mta-sts.mode-none"});
        CHECK(findings[0].severity == Severity::warning);
    }
    SECTION("mode testing: notice") {
        parse.mode = StsMode::testing;
        const auto findings = evaluate(facts);
        REQUIRE(ids(findings) == std::vector<std::string>{"mta-sts.mode-testing"});
        CHECK(findings[0].severity == Severity::notice);
    }
    SECTION("max_age under a day") {
        parse.max_age = 86399;
        const auto findings = evaluate(facts);
        REQUIRE(ids(findings) == std::vector<std::string>{"mta-sts.max-age-short"});
        CHECK(findings[0].message.find("86399") != std::string::npos);
        parse.max_age = 86400;
        CHECK(evaluate(facts).empty());
    }
}

TEST_CASE("mta-sts.policy-without-txt: a policy is served but not announced") {
    auto facts = good_domain();
    no_txt(facts);
    const auto findings = evaluate(facts);
    CHECK(ids(findings) == std::vector<std::string>{"mta-sts.not-published", "mta-sts.policy-without-txt"});
    CHECK(to_string(find(findings, "mta-sts.policy-without-txt")->target) == "_mta-sts.example.com");
}

TEST_CASE("mta-sts.mx-not-covered: error in enforce, warning in testing, per host") {
    auto facts = good_domain();
    facts.mx->records.push_back({30, "backup.example.org"});
    facts.mta_sts->mx_coverage.push_back({"backup.example.org", false, ""});
    auto findings = evaluate(facts);
    REQUIRE(ids(findings) == std::vector<std::string>{"mta-sts.mx-not-covered"});
    CHECK(to_string(findings[0].target) == "backup.example.org");
    CHECK(findings[0].severity == Severity::error);
    CHECK(findings[0].message.find("mx1.example.com, mx2.example.com") != std::string::npos);
    CHECK(findings[0].fix.find("mx: backup.example.org") != std::string::npos);

    parse_of(facts).mode = StsMode::testing;
    findings = evaluate(facts);
    REQUIRE(count(findings, "mta-sts.mx-not-covered") == 1);
    CHECK(find(findings, "mta-sts.mx-not-covered")->severity == Severity::warning);

    SECTION("null MX: no coverage findings") {
        null_mx(facts);
        CHECK(count(evaluate(facts), "mta-sts.mx-not-covered") == 0);
    }
}

TEST_CASE("mta-sts.mx-pattern-unused: a pattern matching no MX host") {
    auto facts = good_domain();
    parse_of(facts).mx = {"mx1.example.com", "*.example.com", "old-mx.example.net", "*.mx.example.com"};
    // Which patterns match is the policy stage's job (tests/unit/policy/mx_match_test.cpp); the rule
    // reports what the facts say.
    facts.mta_sts->unused_mx_patterns = {"old-mx.example.net", "*.mx.example.com"};
    const auto findings = evaluate(facts);
    REQUIRE(count(findings, "mta-sts.mx-pattern-unused") == 2);
    CHECK(findings[0].message.find("\"old-mx.example.net\"") != std::string::npos);
    // "*.mx.example.com" needs one more label than mx1.example.com has (RFC 8461 §4.1).
    CHECK(findings[1].message.find("\"*.mx.example.com\"") != std::string::npos);

    SECTION("no MX records (mx.none): nothing to compare with") {
        facts.mx = MxFacts{};
        facts.mx->status = LookupStatus::nxdomain;
        facts.mta_sts->mx_coverage.clear();
        facts.mta_sts->unused_mx_patterns.clear();
        CHECK(ids(evaluate(facts)) == std::vector<std::string>{"mx.none"});
    }
}

TEST_CASE("lint: the content rules judge a policy without TXT facts") {
    MtaStsPolicyParse parse;
    parse.valid = true;
    parse.version = "STSv1";
    parse.mode = StsMode::enforce;
    parse.max_age = 3600;
    parse.mx = {"mx1.example.com", "*.example.net"};
    const auto facts = linted_policy(parse, {"mx1.example.com", "mx9.example.org"},
                                     {{"mx1.example.com", true, "mx1.example.com"}, {"mx9.example.org", false, ""}},
                                     {"*.example.net"});
    const auto findings = evaluate(facts);
    CHECK(ids(findings) ==
          std::vector<std::string>{"mta-sts.max-age-short", "mta-sts.mx-not-covered", "mta-sts.mx-pattern-unused"});

    SECTION("without --mx: no coverage rules") {
        const auto alone = linted_policy(parse, {}, {});
        CHECK(ids(evaluate(alone)) == std::vector<std::string>{"mta-sts.max-age-short"});
    }
    SECTION("an invalid policy: policy-invalid only") {
        parse.valid = false;
        parse.errors = {"no mx in enforce mode"};
        const auto invalid = linted_policy(parse, {}, {});
        CHECK(ids(evaluate(invalid)) == std::vector<std::string>{"mta-sts.policy-invalid"});
    }
}

TEST_CASE("no finding floods: 3,500 stale mx patterns on one policy host are one finding with the count") {
    auto facts = good_domain();
    std::vector<std::string> stale;
    for (int i = 0; i < 3500; ++i) {
        stale.push_back("old" + std::to_string(i) + ".example.net");
    }
    parse_of(facts).mx = stale;
    parse_of(facts).mx.push_back("*.example.com");
    facts.mta_sts->unused_mx_patterns = stale;
    const auto findings = evaluate(facts);
    REQUIRE(count(findings, "mta-sts.mx-pattern-unused") == 1);
    const auto& finding = *find(findings, "mta-sts.mx-pattern-unused");
    CHECK(finding.target == Target::host("mta-sts.example.com"));
    CHECK(finding.message.rfind("3500 findings of this rule here; the first 3: ", 0) == 0);
    CHECK(finding.message.find("\"old0.example.net\"") != std::string::npos);
    CHECK(finding.message.find("\"old2.example.net\"") != std::string::npos);
    CHECK(finding.message.find("\"old3.example.net\"") == std::string::npos);
    CHECK(finding.message.size() < 1000);

    facts.mta_sts->unused_mx_patterns.resize(5);  // a few alike stay apart
    CHECK(count(evaluate(facts), "mta-sts.mx-pattern-unused") == 5);
}
