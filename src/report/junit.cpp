// --format junit: JUnit XML as GitLab and Jenkins read it. One <testsuite> per domain, one
// <testcase> per area checked and one per finding; a finding at or above --fail-on is a <failure>
// carrying its message, fix and reference, the others pass with their text as <system-out>.

#include "format.hpp"
#include "outputs.hpp"

namespace relaymetry::report {

namespace {

// Terminal-safe (which also removes what XML 1.0 forbids: C0 controls, invalid UTF-8), then XML's
// five escapes, so the text is valid in attributes and in content alike.
std::string xml(std::string_view raw) {
    std::string out;
    for (const char c : escape_untrusted(raw)) {
        switch (c) {
            case '&': out += "&amp;"; break;
            case '<': out += "&lt;"; break;
            case '>': out += "&gt;"; break;
            case '"': out += "&quot;"; break;
            case '\'': out += "&apos;"; break;
            default: out += c;
        }
    }
    return out;
}

bool fails(const Finding& finding, const std::optional<Severity>& fail_on) {
    return fail_on && finding.severity >= *fail_on;
}

struct Suite {
    std::string cases;
    int tests = 0;
    int failures = 0;
    int errors = 0;
};

void add_finding(Suite& suite, std::string_view classname, const Finding& finding,
                 const std::optional<Severity>& fail_on) {
    const auto target = to_string(finding.target);
    const auto detail = "[" + std::string(to_string(finding.severity)) + "] " + finding.message +
                        "\nTarget: " + target + "\nFix: " + finding.fix + "\nReference: " + finding.reference;
    suite.cases +=
        "    <testcase classname=\"" + xml(classname) + "\" name=\"" + xml(finding.id + " " + target) + "\">";
    if (fails(finding, fail_on)) {
        suite.cases += "<failure type=\"" + xml(finding.id) + "\" message=\"" + xml(finding.message) + "\">" +
                       xml(detail) + "</failure>";
        ++suite.failures;
    } else {
        suite.cases += "<system-out>" + xml(detail) + "</system-out>";
    }
    suite.cases += "</testcase>\n";
    ++suite.tests;
}

void add_error(Suite& suite, std::string_view classname, std::string_view name, std::string_view message) {
    suite.cases += "    <testcase classname=\"" + xml(classname) + "\" name=\"" + xml(name) + "\"><error message=\"" +
                   xml(message) + "\">" + xml(message) + "</error></testcase>\n";
    ++suite.tests;
    ++suite.errors;
}

std::string suite_xml(std::string_view name, const Suite& suite, std::string_view extra_attributes) {
    return "  <testsuite name=\"" + xml(name) + "\" tests=\"" + std::to_string(suite.tests) + "\" failures=\"" +
           std::to_string(suite.failures) + "\" errors=\"" + std::to_string(suite.errors) + "\" skipped=\"0\"" +
           std::string(extra_attributes) + ">\n" + suite.cases + "  </testsuite>\n";
}

// The areas of a check that ran, as --only names them.
std::vector<std::string_view> areas_checked(const DomainFacts& facts) {
    std::vector<std::string_view> areas;
    if (facts.submission) {
        areas.push_back("submission");
    }
    if (facts.mx) {
        areas.push_back("mx");
    }
    if (facts.mta_sts) {
        areas.push_back("mta-sts");
    }
    if (facts.tls_rpt) {
        areas.push_back("tls-rpt");
    }
    return areas;
}

class JunitOutput final : public RunOutput {
public:
    explicit JunitOutput(RunOutputOptions options) : options_(std::move(options)) {}

    std::string begin() override {
        return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"relaymetry\">\n";
    }

    Share render(const DomainOutcome& outcome) const override {
        Suite suite;
        std::string attributes;
        if (outcome.internal_error) {
            add_error(suite, outcome.domain, "check", "internal error: " + *outcome.internal_error);
        }
        if (outcome.facts) {
            const auto& facts = *outcome.facts;
            if (outcome.could_not_check) {
                add_error(suite, outcome.domain, "check",
                          "could not be checked: the resolver " + resolvers_text(facts.dns) + " did not answer");
            }
            for (const auto area : areas_checked(facts)) {
                suite.cases += "    <testcase classname=\"" + xml(outcome.domain + "." + std::string(area)) +
                               "\" name=\"" + xml(std::string(area) + " checked") + "\"/>\n";
                ++suite.tests;
            }
            for (const auto& finding : *outcome.findings) {
                add_finding(suite, outcome.domain + "." + std::string(detail::area_of(finding.id)), finding,
                            options_.fail_on);
            }
            // xs:dateTime as the JUnit schema has it: no time zone (the time is UTC).
            attributes = " time=\"" + detail::decimal_seconds(facts.duration) + "\" timestamp=\"" +
                         detail::iso8601(detail::unix_seconds(facts.started_at)).substr(0, 19) + "\"";
        }
        return {suite_xml(outcome.domain, suite, attributes)};
    }

    std::string print(Share share) override { return share.empty() ? std::string() : std::move(share.front()); }

    std::string end(const std::vector<std::string>& input_errors) override {
        std::string out;
        if (!input_errors.empty()) {
            Suite suite;
            for (const auto& error : input_errors) {
                add_error(suite, "relaymetry.input", "input", error);
            }
            out += suite_xml("relaymetry input", suite, "");
        }
        return out + "</testsuites>\n";
    }

private:
    RunOutputOptions options_;
};

}  // namespace

namespace detail {

std::unique_ptr<RunOutput> make_junit_output(const RunOutputOptions& options) {
    return std::make_unique<JunitOutput>(options);
}

}  // namespace detail

std::string render_lint_junit(const LintReport& lint, std::optional<Severity> fail_on) {
    Suite suite;
    const auto classname = "lint." + lint.kind;
    for (const auto& finding : lint.findings) {
        add_finding(suite, classname + "." + std::string(detail::area_of(finding.id)), finding, fail_on);
    }
    // The verdict fails on its own only when no finding already says why the text is unusable.
    suite.cases += "    <testcase classname=\"" + xml(classname) + "\" name=\"verdict\">";
    if (!lint.valid && suite.failures == 0) {
        suite.cases += "<failure type=\"invalid\" message=\"a conforming sender would not use this text\"/>";
        ++suite.failures;
    }
    suite.cases += "</testcase>\n";
    ++suite.tests;
    return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"relaymetry\">\n" +
           suite_xml("lint " + lint.kind, suite, "") + "</testsuites>\n";
}

}  // namespace relaymetry::report
