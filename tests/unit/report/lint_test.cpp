#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "relaymetry/report/report.hpp"

using namespace relaymetry;
using nlohmann::json;

namespace {

report::LintReport policy_lint(bool with_mx) {
    report::LintReport lint;
    lint.kind = "mta-sts-policy";
    lint.valid = true;
    lint.facts.domain = "example.com";
    MtaStsPolicyParse parse;
    parse.valid = true;
    parse.version = "STSv1";
    parse.mode = StsMode::testing;
    parse.max_age = 86400;
    parse.mx = {"mx1.example.com", "*.example.net"};
    parse.lf_line_endings = true;
    MtaStsFacts mta_sts;
    mta_sts.policy = MtaStsPolicyFacts{};
    mta_sts.policy->parse = parse;
    if (with_mx) {
        mta_sts.mx_coverage = {{"mx1.example.com", true, "mx1.example.com"}, {"mx9.example.org", false, ""}};
        lint.facts.mx = MxFacts{};
        lint.facts.mx->status = LookupStatus::answer;
        lint.facts.mx->records = {{10, "mx1.example.com"}, {10, "mx9.example.org"}};
    }
    lint.facts.mta_sts = mta_sts;
    lint.findings = {{"mta-sts.mx-not-covered", Severity::warning, Target::host("mx9.example.org"),
                      "mx9 is not covered.", "Add it.", "RFC 8461 §4.1"}};
    return lint;
}

}  // namespace

TEST_CASE("lint mta-sts-policy JSON: parsed fields, coverage with --mx, findings, summary") {
    const auto text = report::render_lint_json(policy_lint(true));
    REQUIRE(text.find('\n') == std::string::npos);
    const auto doc = json::parse(text);
    CHECK(doc["lint"] == "mta-sts-policy");
    CHECK(doc["valid"] == true);
    CHECK(doc["mode"] == "testing");
    CHECK(doc["max_age"] == 86400);
    CHECK(doc["mx"] == json({"mx1.example.com", "*.example.net"}));
    CHECK(doc["mx_coverage"][1] == json({{"mx", "mx9.example.org"}, {"covered", false}, {"pattern", nullptr}}));
    CHECK(doc["errors"] == json::array());
    CHECK(doc["lf_line_endings"] == true);
    CHECK(doc["findings"][0]["id"] == "mta-sts.mx-not-covered");
    CHECK(doc["summary"] == json({{"errors", 0}, {"warnings", 1}, {"notices", 0}, {"result", "pass"}}));
    CHECK(text.rfind("{\"lint\":\"mta-sts-policy\",\"valid\":true,", 0) == 0);

    CHECK_FALSE(json::parse(report::render_lint_json(policy_lint(false))).contains("mx_coverage"));
}

TEST_CASE("lint mta-sts-txt and tls-rpt JSON") {
    report::LintReport txt;
    txt.kind = "mta-sts-txt";
    txt.valid = false;
    txt.facts.mta_sts = MtaStsFacts{};
    txt.facts.mta_sts->txt = MtaStsTxtFacts{};
    txt.facts.mta_sts->txt->status = TxtStatus::invalid;
    txt.facts.mta_sts->txt->records = {"v=STSv1; id=no_underscores"};
    txt.facts.mta_sts->txt->parse.errors = {"id has a character other than a letter or digit"};
    txt.findings = {{"mta-sts.txt-invalid", Severity::error, Target::record("_mta-sts.example.com"), "bad", "fix",
                     "RFC 8461 §3.1"}};
    auto doc = json::parse(report::render_lint_json(txt));
    CHECK(doc["lint"] == "mta-sts-txt");
    CHECK(doc["valid"] == false);
    CHECK(doc["id"].is_null());
    CHECK(doc["errors"] == json({"id has a character other than a letter or digit"}));
    CHECK(doc["summary"]["result"] == "fail");

    report::LintReport rpt;
    rpt.kind = "tls-rpt";
    rpt.valid = true;
    rpt.facts.tls_rpt = TlsRptFacts{};
    rpt.facts.tls_rpt->status = TxtStatus::published;
    rpt.facts.tls_rpt->parse.valid = true;
    rpt.facts.tls_rpt->parse.rua = {{"mailto:a@example.com", true, ""}, {"https://r.example.com/tlsrpt", true, ""}};
    doc = json::parse(report::render_lint_json(rpt));
    CHECK(doc["lint"] == "tls-rpt");
    CHECK(doc["valid"] == true);
    CHECK(doc["rua"] == json({"mailto:a@example.com", "https://r.example.com/tlsrpt"}));
    CHECK(doc["errors"] == json::array());
    CHECK(doc["findings"] == json::array());
    CHECK(doc["summary"]["result"] == "pass");
}

TEST_CASE("lint text: the parsed fields, findings with fixes, and the verdict") {
    const auto text = report::render_lint_text(policy_lint(true), {});
    INFO(text);
    CHECK(text.find("mode: testing") != std::string::npos);
    CHECK(text.find("max_age: 86400 s (1 day)") != std::string::npos);
    CHECK(text.find("mx: mx1.example.com, *.example.net") != std::string::npos);
    CHECK(text.find("coverage: mx9.example.org NOT covered") != std::string::npos);
    CHECK(text.find("warning mta-sts.mx-not-covered  mx9.example.org") != std::string::npos);
    CHECK(text.find("fix: Add it.") != std::string::npos);
    CHECK(text.find("mta-sts-policy: valid — 0 errors, 1 warning, 0 notices\n") != std::string::npos);

    auto invalid = policy_lint(false);
    invalid.valid = false;
    invalid.facts.mta_sts->policy->parse->errors = {"bad\x1b[2Jmode"};
    const auto bad = report::render_lint_text(invalid, {});
    CHECK(bad.find("error: bad\\u001b[2Jmode") != std::string::npos);
    CHECK(bad.find("mta-sts-policy: NOT valid") != std::string::npos);
    CHECK(bad.find("coverage") == std::string::npos);
}
