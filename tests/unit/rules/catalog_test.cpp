#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include <catch2/catch.hpp>

#include "facts_fixture.hpp"
#include "relaymetry/rules/rules.hpp"

using namespace relaymetry;
using fixture::good_domain;

namespace {

// docs/rules.md of this source tree: RELAYMETRY_SOURCE_DIR (compile definition) or RELAYMETRY_SOURCE
// (environment), else the first parent of the working directory that holds it.
std::filesystem::path rules_md() {
    const std::filesystem::path relative = "docs/rules.md";
#ifdef RELAYMETRY_SOURCE_DIR
    return std::filesystem::path(RELAYMETRY_SOURCE_DIR) / relative;
#else
    if (const char* source = std::getenv("RELAYMETRY_SOURCE")) {
        return std::filesystem::path(source) / relative;
    }
    for (auto dir = std::filesystem::current_path(); !dir.empty(); dir = dir.parent_path()) {
        if (std::filesystem::exists(dir / relative) && std::filesystem::exists(dir / "src/rules/catalog.cpp")) {
            return dir / relative;
        }
        if (dir == dir.parent_path()) {
            break;
        }
    }
    return relative;
#endif
}

}  // namespace

TEST_CASE("the catalogue has unique, well-formed rows") {
    const std::regex id_pattern("^[a-z0-9-]+\\.[a-z0-9-]+$");
    const std::set<std::string_view> areas{"submission", "tls", "cert",   "mx",   "mta-sts",
                                           "tls-rpt",    "dns", "dnssec", "dane", "drift"};
    std::set<std::string_view> seen;
    for (const auto& rule : rules::catalog()) {
        INFO(rule.id);
        CHECK(std::regex_match(std::string(rule.id), id_pattern));
        CHECK(seen.insert(rule.id).second);
        CHECK(areas.count(rule.area) == 1);
        CHECK(rule.id.substr(0, rule.id.find('.')) == rule.area);
        CHECK_FALSE(rule.title.empty());
        CHECK_FALSE(rule.fix.empty());
        CHECK_FALSE(rule.reference.empty());
        CHECK(rule.check != nullptr);
        CHECK(rules::find_rule(rule.id) == &rule);
    }
    CHECK(rules::find_rule("no.such-rule") == nullptr);
}

TEST_CASE("the catalogue holds every rule of the contract with its severity") {
    const std::vector<std::pair<std::string, Severity>> contract = {
        {"submission.not-found", Severity::notice},
        {"submission.srv-disabled", Severity::notice},
        {"submission.srv-target-unresolvable", Severity::error},
        {"submission.unreachable", Severity::error},
        {"submission.address-unreachable", Severity::warning},
        {"submission.no-implicit-tls", Severity::notice},
        {"submission.starttls-missing", Severity::error},
        {"submission.not-tls", Severity::error},
        {"submission.starttls-failed", Severity::error},
        {"submission.auth-before-tls", Severity::warning},
        {"submission.protocol-error", Severity::error},
        {"submission.inconclusive", Severity::warning},
        {"submission.not-probed", Severity::notice},
        {"submission.probes-capped", Severity::notice},
        {"submission.starttls-buffered-data", Severity::error},
        {"submission.tls-failed", Severity::error},
        {"tls.version-deprecated", Severity::error},
        {"tls.legacy-accepted", Severity::warning},
        {"tls.legacy-not-tested", Severity::notice},
        {"tls.no-tls13", Severity::notice},
        {"tls.weak-cipher", Severity::warning},
        {"tls.chain-too-long", Severity::warning},
        {"cert.expired", Severity::error},
        {"cert.not-yet-valid", Severity::error},
        {"cert.expires-soon", Severity::warning},
        {"cert.untrusted", Severity::error},
        {"cert.name-mismatch", Severity::error},
        {"cert.weak-key", Severity::error},
        {"cert.weak-signature", Severity::error},
        {"mx.none", Severity::notice},
        {"mx.null", Severity::notice},
        {"mx.probe-blocked", Severity::notice},
        {"mx.unreachable", Severity::warning},
        {"mx.starttls-missing", Severity::warning},
        {"mx.starttls-failed", Severity::error},
        {"mx.inconclusive", Severity::notice},
        {"mx.requiretls-not-offered", Severity::notice},
        {"mx.probes-capped", Severity::notice},
        {"mta-sts.not-published", Severity::warning},
        {"mta-sts.txt-invalid", Severity::error},
        {"mta-sts.txt-multiple", Severity::error},
        {"mta-sts.policy-unreachable", Severity::error},
        {"mta-sts.policy-not-fetched", Severity::notice},
        {"mta-sts.policy-http-error", Severity::error},
        {"mta-sts.policy-redirect", Severity::error},
        {"mta-sts.policy-tls-invalid", Severity::error},
        {"mta-sts.policy-content-type", Severity::warning},
        {"mta-sts.policy-too-large", Severity::error},
        {"mta-sts.policy-invalid", Severity::error},
        {"mta-sts.policy-line-endings", Severity::notice},
        {"mta-sts.policy-duplicate-field", Severity::warning},
        {"mta-sts.policy-without-txt", Severity::warning},
        {"mta-sts.mode-none", Severity::warning},
        {"mta-sts.mode-testing", Severity::notice},
        {"mta-sts.max-age-short", Severity::notice},
        {"mta-sts.mx-not-covered", Severity::error},
        {"mta-sts.mx-pattern-unused", Severity::notice},
        {"mta-sts.mx-certificate-invalid", Severity::error},
        {"tls-rpt.not-published", Severity::warning},
        {"tls-rpt.invalid", Severity::error},
        {"tls-rpt.multiple", Severity::error},
        {"tls-rpt.rua-invalid", Severity::error},
        {"tls-rpt.rua-repeated", Severity::warning},
        {"dns.resolver-unreachable", Severity::error},
        {"dns.lookup-failed", Severity::error},
        {"dns.record-malformed", Severity::warning},
        {"dns.answer-capped", Severity::notice},
        {"submission.srv-unsigned-outside", Severity::warning},
        {"dnssec.resolver-not-validating", Severity::notice},
        {"dnssec.bogus", Severity::error},
        {"dnssec.unsigned", Severity::notice},
        {"dane.tlsa-mismatch", Severity::error},
        {"dane.ta-not-in-chain", Severity::error},
        {"dane.tlsa-invalid", Severity::error},
        {"dane.tlsa-unusable", Severity::warning},
        {"dane.no-rollover-key", Severity::notice},
        {"dane.insecure-tlsa", Severity::notice},
        {"dane.mta-sts-conflict", Severity::warning},
        {"drift.policy-changed-id-unchanged", Severity::error},
        {"drift.mx-changed-under-cached-policy", Severity::warning},
        {"drift.policy-unreachable-cached", Severity::warning},
        {"drift.key-changed", Severity::notice},
        {"drift.record-changed", Severity::notice},
    };
    for (const auto& [id, severity] : contract) {
        INFO(id);
        const auto* rule = rules::find_rule(id);
        REQUIRE(rule != nullptr);
        CHECK(rule->severity == severity);
    }
    CHECK(rules::catalog().size() == contract.size());
}

TEST_CASE("every rule is silent on a good domain") {
    const auto facts = good_domain();
    for (const auto& rule : rules::catalog()) {
        INFO(rule.id);
        Findings out;
        rule.check(facts, {}, out);
        CHECK(out.empty());
    }
    CHECK(rules::evaluate(facts, {}).empty());
}

TEST_CASE("evaluate reports in catalogue order, with catalogue severity and reference") {
    auto facts = good_domain();
    facts.tls_rpt->status = TxtStatus::not_published;                          // tls-rpt.not-published
    facts.submission->endpoints[0].addresses[0].tls->tls13_supported = false;  // tls.no-tls13
    facts.mx->records.push_back({30, "mx3.example.com"});                      // mta-sts.mx-not-covered
    facts.mta_sts->mx_coverage.push_back({"mx3.example.com", false, ""});
    const auto findings = rules::evaluate(facts, {});
    REQUIRE(fixture::ids(findings) ==
            std::vector<std::string>{"tls.no-tls13", "mta-sts.mx-not-covered", "tls-rpt.not-published"});
    for (const auto& finding : findings) {
        const auto* rule = rules::find_rule(finding.id);
        CHECK(finding.reference == rule->reference);
        CHECK_FALSE(finding.fix.empty());
        CHECK_FALSE(finding.message.empty());
    }
    CHECK(findings[0].severity == Severity::notice);
}

TEST_CASE("docs/rules.md is generated from the catalogue") {
    const auto path = rules_md();
    if (std::getenv("RELAYMETRY_UPDATE_DOCS") != nullptr) {
        std::ofstream(path, std::ios::binary) << rules::catalog_markdown();
    }
    INFO("reading " << path.string() << " (RELAYMETRY_UPDATE_DOCS=1 unit_rules_catalog_test rewrites it)");
    std::ifstream file(path, std::ios::binary);
    REQUIRE(file.good());
    std::stringstream contents;
    contents << file.rdbuf();
    CHECK(contents.str() == rules::catalog_markdown());
}

TEST_CASE("the markdown, the listing and the explanation show every rule") {
    const auto markdown = rules::catalog_markdown();
    const auto listing = rules::catalog_text();
    CHECK(std::count(listing.begin(), listing.end(), '\n') == static_cast<long>(rules::catalog().size()));
    for (const auto& rule : rules::catalog()) {
        INFO(rule.id);
        CHECK(markdown.find("## " + std::string(rule.id) + "\n") != std::string::npos);
        CHECK(markdown.find("| `" + std::string(rule.id) + "` | " + std::string(to_string(rule.severity)) + " |") !=
              std::string::npos);
        CHECK(listing.find(std::string(rule.id)) != std::string::npos);
        const auto text = rules::rule_text(rule);
        CHECK(text.rfind(std::string(rule.id), 0) == 0);
        CHECK(text.find(std::string(rule.fix)) != std::string::npos);
        CHECK(text.find(std::string(rule.reference)) != std::string::npos);
        CHECK(text.find(std::string(to_string(rule.severity))) != std::string::npos);
    }
}
