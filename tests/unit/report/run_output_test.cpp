#include <catch2/catch.hpp>

#include "../rules/facts_fixture.hpp"
#include "relaymetry/report/run_output.hpp"

using namespace relaymetry;
using fixture::good_domain;
using report::NagiosState;

namespace {

bool has(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

Finding finding(std::string id, Severity severity, std::string message) {
    return {
        std::move(id),         severity,  Target::at_address("mail.example.com", 465, "192.0.2.10"), std::move(message),
        "Do the right thing.", "RFC 0000"};
}

// A whole run of one format over the given domains, as the app drives it.
std::string run_output(report::RunOutputOptions options, const std::vector<std::pair<DomainFacts, Findings>>& domains,
                       const std::vector<std::string>& input_errors = {}) {
    auto output = report::make_run_output(options);
    std::string out = output->begin();
    for (const auto& [facts, findings] : domains) {
        out += output->print(output->render({facts.domain, &facts, &findings, false, std::nullopt}));
    }
    return out + output->end(input_errors);
}

report::RunOutputOptions format(report::Format format) {
    report::RunOutputOptions options;
    options.format = format;
    return options;
}

}  // namespace

TEST_CASE("format names round-trip, and unknown names are refused") {
    for (const auto* name : {"text", "json", "nagios", "prometheus", "junit"}) {
        const auto parsed = report::parse_format(name);
        REQUIRE(parsed);
        CHECK(report::to_string(*parsed) == name);
    }
    CHECK_FALSE(report::parse_format("xml"));
}

TEST_CASE("the Nagios state is the most severe finding against the thresholds") {
    const report::NagiosThresholds defaults;
    CHECK(report::nagios_state({}, defaults) == NagiosState::ok);
    CHECK(report::nagios_state({finding("tls.no-tls13", Severity::notice, "n")}, defaults) == NagiosState::ok);
    CHECK(report::nagios_state({finding("tls.legacy-accepted", Severity::warning, "w")}, defaults) ==
          NagiosState::warning);
    CHECK(report::nagios_state(
              {finding("tls.legacy-accepted", Severity::warning, "w"), finding("cert.expired", Severity::error, "e")},
              defaults) == NagiosState::critical);
    const report::NagiosThresholds lenient{std::nullopt, Severity::error};
    CHECK(report::nagios_state({finding("tls.legacy-accepted", Severity::warning, "w")}, lenient) == NagiosState::ok);
    const report::NagiosThresholds strict{Severity::notice, Severity::warning};
    CHECK(report::nagios_state({finding("tls.legacy-accepted", Severity::warning, "w")}, strict) ==
          NagiosState::critical);
}

TEST_CASE("a run's state: CRITICAL over WARNING over UNKNOWN over OK") {
    CHECK(report::run_state({NagiosState::ok, NagiosState::ok}, false) == NagiosState::ok);
    CHECK(report::run_state({NagiosState::ok}, true) == NagiosState::unknown);
    CHECK(report::run_state({NagiosState::unknown, NagiosState::warning}, false) == NagiosState::warning);
    CHECK(report::run_state({NagiosState::critical, NagiosState::unknown}, true) == NagiosState::critical);
    CHECK(report::run_state({}, false) == NagiosState::ok);
}

TEST_CASE("nagios: status line with what is wrong and perfdata, then the long text") {
    const Findings findings{finding("cert.expired", Severity::error, "expired | really"),
                            finding("tls.no-tls13", Severity::notice, "no 1.3")};
    const auto out = run_output(format(report::Format::nagios), {{good_domain(), findings}});
    INFO(out);
    const auto first_line = out.substr(0, out.find('\n'));
    CHECK(
        first_line.starts_with("RELAYMETRY CRITICAL - example.com: cert.expired mail.example.com:465 [192.0.2.10] "
                               "(1 error, 0 warnings, 1 notice) | 'errors'=1;;;0; 'warnings'=0;;;0; 'notices'=1"));
    // Only one '|' on the status line: a '|' in a message would start the perfdata early.
    CHECK(std::count(first_line.begin(), first_line.end(), '|') == 1);
    CHECK(has(out, "[error] cert.expired mail.example.com:465 [192.0.2.10]: expired / really"));
    CHECK(has(out, "[notice] tls.no-tls13"));
    // Days left of each certificate, warning below --expiry-warning, critical once expired.
    CHECK(has(out, "'cert_days mail.example.com:465 192.0.2.10'=60;14:;0:;;"));
}

TEST_CASE("nagios: several domains name the ones not OK and prefix perfdata labels with the domain") {
    auto other = good_domain();
    other.domain = "example.org";
    const auto out =
        run_output(format(report::Format::nagios),
                   {{good_domain(), {}}, {other, {finding("tls.legacy-accepted", Severity::warning, "w")}}},
                   {"relaymetry: 'bad..name': empty label"});
    INFO(out);
    CHECK(out.starts_with("RELAYMETRY WARNING - 1 of 2 domains not OK; example.org: tls.legacy-accepted"));
    CHECK(has(out, "1 input(s) refused: 'bad..name': empty label"));
    CHECK(has(out, "'example.com errors'=0"));
    CHECK(has(out, "'example.org warnings'=1"));
}

TEST_CASE("prometheus: one group per metric, label values escaped as the format requires") {
    auto facts = good_domain();
    auto other = good_domain();
    other.domain = "example.org";
    // Not a name a check could produce: the escaping must hold for any string all the same.
    other.submission->endpoints.front().addresses.front().address = "a\"b\\c\nd";
    const auto out = run_output(format(report::Format::prometheus),
                                {{facts, {finding("cert.expired", Severity::error, "e")}}, {other, {}}});
    INFO(out);
    CHECK(has(out,
              "# TYPE relaymetry_up gauge\nrelaymetry_up{domain=\"example.com\"} 1\n"
              "relaymetry_up{domain=\"example.org\"} 1\n"));
    CHECK(has(out, "relaymetry_findings{domain=\"example.com\",severity=\"error\",rule=\"cert.expired\"} 1\n"));
    CHECK(has(out, "relaymetry_findings_by_severity{domain=\"example.org\",severity=\"error\"} 0\n"));
    // Terminal-safe first (the backslash and newline as JSON escapes), then the format's escapes: the
    // value reads back as the escaped text, and no raw newline breaks the line.
    CHECK(has(out, "address=\"a\\\"b\\\\\\\\c\\\\nd\"} "));
    CHECK(has(out, "relaymetry_mta_sts_mode_info{domain=\"example.com\",mode=\"enforce\"} 1\n"));
    // Every TYPE line once.
    std::size_t types = 0;
    for (auto at = out.find("# TYPE"); at != std::string::npos; at = out.find("# TYPE", at + 1)) {
        ++types;
    }
    CHECK(types == 8);
}

TEST_CASE("junit: a failure per finding at or above --fail-on, text escaped for XML") {
    const Findings findings{finding("cert.expired", Severity::error, "<expired> & \"old\"\x1b[31m"),
                            finding("tls.no-tls13", Severity::notice, "no 1.3")};
    const auto out = run_output(format(report::Format::junit), {{good_domain(), findings}});
    INFO(out);
    CHECK(out.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"relaymetry\">\n"));
    CHECK(out.ends_with("</testsuites>\n"));
    CHECK(has(out, "<testsuite name=\"example.com\" tests=\"6\" failures=\"1\" errors=\"0\""));
    CHECK(has(out, "message=\"&lt;expired&gt; &amp; &quot;old&quot;\\u001b[31m\""));
    CHECK_FALSE(has(out, "\x1b"));
    CHECK(has(out,
              "<testcase classname=\"example.com.tls\" name=\"tls.no-tls13 mail.example.com:465 [192.0.2.10]\">"
              "<system-out>"));
    auto strict = format(report::Format::junit);
    strict.fail_on = Severity::notice;
    CHECK(has(run_output(strict, {{good_domain(), findings}}), "failures=\"2\""));
}

TEST_CASE("an internal error leaves no facts: nagios is UNKNOWN, junit has an error, prometheus says down") {
    const std::string domain = "example.com";
    const report::DomainOutcome failed{domain, nullptr, nullptr, false, std::string("boom")};
    for (const auto kind : {report::Format::nagios, report::Format::junit, report::Format::prometheus}) {
        auto output = report::make_run_output(format(kind));
        auto out = output->begin();
        out += output->print(output->render(failed));
        out += output->end({});
        INFO(out);
        switch (kind) {
            case report::Format::nagios:
                CHECK(out.starts_with("RELAYMETRY UNKNOWN - example.com: internal error: boom"));
                break;
            case report::Format::junit: CHECK(has(out, "<error message=\"internal error: boom\">")); break;
            default: CHECK(has(out, "relaymetry_up{domain=\"example.com\"} 0\n")); break;
        }
    }
}

// Found by tests/fuzz/report (corpus: regression-nagios-perf-label): perfdata labels name hosts from DNS.
TEST_CASE("nagios: network text in perfdata labels is escaped") {
    auto facts = good_domain();
    facts.submission->endpoints[0].host = "mail\x1b[2J.example.com";
    const auto out = run_output(format(report::Format::nagios), {{facts, {}}});
    INFO(out);
    CHECK(out.find('\x1b') == std::string::npos);
    CHECK(has(out, "'probe_time mail\\u001b[2J.example.com:465 192.0.2.10'="));
}
