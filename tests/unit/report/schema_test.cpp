// The JSON Schemas of docs/schema/ against real renderer output. A small validator of the keywords the
// schemas use (the CLI tests validate the binary's output with Python's jsonschema as well).
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "../rules/facts_fixture.hpp"
#include "relaymetry/report/report.hpp"

using namespace relaymetry;
using nlohmann::json;

namespace {

// A file of this source tree: RELAYMETRY_SOURCE_DIR (compile definition) or RELAYMETRY_SOURCE
// (environment), else the first parent of the working directory that holds it.
std::filesystem::path source_file(const std::filesystem::path& relative) {
#ifdef RELAYMETRY_SOURCE_DIR
    return std::filesystem::path(RELAYMETRY_SOURCE_DIR) / relative;
#else
    if (const char* source = std::getenv("RELAYMETRY_SOURCE")) {
        return std::filesystem::path(source) / relative;
    }
    for (auto dir = std::filesystem::current_path(); !dir.empty(); dir = dir.parent_path()) {
        if (std::filesystem::exists(dir / relative)) {
            return dir / relative;
        }
        if (dir == dir.parent_path()) {
            break;
        }
    }
    return relative;
#endif
}

json load_schema(const std::string& name) {
    std::ifstream file(source_file("docs/schema/" + name));
    REQUIRE(file.good());
    return json::parse(file);
}

bool has_type(const json& value, const std::string& type) {
    if (type == "object")
        return value.is_object();
    if (type == "array")
        return value.is_array();
    if (type == "string")
        return value.is_string();
    if (type == "integer")
        return value.is_number_integer();
    if (type == "boolean")
        return value.is_boolean();
    if (type == "null")
        return value.is_null();
    return false;
}

// Appends one line per violation ("path: problem").
void validate(const json& schema, const json& value, const json& root, const std::string& path,
              std::vector<std::string>& errors) {
    if (schema.contains("$ref")) {
        const std::string ref = schema["$ref"];
        validate(root["$defs"][ref.substr(std::string("#/$defs/").size())], value, root, path, errors);
    }
    for (const char* keyword : {"anyOf", "oneOf"}) {
        if (schema.contains(keyword)) {
            int matches = 0;
            for (const auto& option : schema[keyword]) {
                std::vector<std::string> sub;
                validate(option, value, root, path, sub);
                matches += sub.empty() ? 1 : 0;
            }
            if (matches == 0 || (std::string(keyword) == "oneOf" && matches > 1)) {
                errors.push_back(path + ": " + keyword + " matched " + std::to_string(matches));
            }
        }
    }
    if (schema.contains("const") && schema["const"] != value) {
        errors.push_back(path + ": not " + schema["const"].dump());
    }
    const auto allowed = schema.value("enum", json::array());
    if (schema.contains("enum") && std::find(allowed.begin(), allowed.end(), value) == allowed.end()) {
        errors.push_back(path + ": " + value.dump() + " not in enum");
    }
    if (schema.contains("type") && !has_type(value, schema["type"])) {
        errors.push_back(path + ": not " + schema["type"].get<std::string>());
        return;
    }
    if (schema.contains("pattern") && value.is_string() &&
        !std::regex_search(value.get<std::string>(), std::regex(schema["pattern"].get<std::string>()))) {
        errors.push_back(path + ": " + value.dump() + " does not match the pattern");
    }
    if (schema.contains("minimum") && value.is_number() && value < schema["minimum"]) {
        errors.push_back(path + ": below minimum");
    }
    if (value.is_object()) {
        for (const auto& key : schema.value("required", json::array())) {
            if (!value.contains(key.get<std::string>())) {
                errors.push_back(path + ": missing " + key.get<std::string>());
            }
        }
        const auto properties = schema.value("properties", json::object());
        const auto additional = schema.value("additionalProperties", json(true));
        for (const auto& [key, item] : value.items()) {
            if (schema.contains("propertyNames")) {
                validate(schema["propertyNames"], json(key), root, path + "." + key + " (name)", errors);
            }
            if (properties.contains(key)) {
                validate(properties[key], item, root, path + "." + key, errors);
            } else if (additional == false) {
                errors.push_back(path + ": unexpected key " + key);
            } else if (additional.is_object()) {
                validate(additional, item, root, path + "." + key, errors);
            }
        }
    }
    if (value.is_array() && schema.contains("items")) {
        for (std::size_t i = 0; i < value.size(); ++i) {
            validate(schema["items"], value[i], root, path + "[" + std::to_string(i) + "]", errors);
        }
    }
}

std::vector<std::string> violations(const json& schema, const std::string& text) {
    std::vector<std::string> errors;
    validate(schema, json::parse(text), schema, "$", errors);
    return errors;
}

// Every optional part present, and every kind of failure.
DomainFacts busy_domain() {
    auto facts = fixture::good_domain();
    auto& probe = facts.submission->endpoints[0].addresses[1];
    probe.status = ProbeStatus::timeout;
    probe.error = "connect timed out";
    probe.tls.reset();
    auto& tls = *facts.submission->endpoints[1].addresses[0].tls;
    tls.weak_cipher = CipherWeakness::triple_des;
    tls.legacy_versions_accepted = {TlsVersion::tls1_0};
    tls.versions = {{TlsVersion::tls1_0, VersionOutcome::accepted, ""},
                    {TlsVersion::tls1_1, VersionOutcome::not_tested, "the server turned the test away"},
                    {TlsVersion::tls1_3, VersionOutcome::refused, "a client offering TLS 1.2-1.3 got TLS 1.2"}};
    facts.submission->endpoints[1].addresses[0].shared = true;
    tls.certificate->chain_valid = false;
    tls.certificate->verify_error = VerifyFailure{VerifyError::expired, 10, "certificate has expired", 0, {}, {}};
    tls.certificate->trust_error = VerifyFailure{VerifyError::self_signed, 18, "self-signed certificate", 0, {}, {}};
    tls.certificate->leaf.not_after = fixture::k_now - 5 * fixture::k_day;
    facts.submission->lookup_failures.push_back(fixture::failure("_submission._tcp.example.com", RecordType::srv));
    facts.mx->lookup_failures.push_back(fixture::failure("mx2.example.com", RecordType::aaaa));
    facts.mta_sts->policy->location = "https://www.example.com/";
    facts.mta_sts->policy->error = "redirected";
    facts.mta_sts->policy->parse->errors = {"bad"};
    facts.mta_sts->mx_coverage.push_back({"mx9.example.org", false, ""});
    facts.tls_rpt->parse.rua.push_back({"ftp://x", false, "not mailto/https"});
    facts.tls_rpt->parse.errors = {"bad"};
    return facts;
}

const Findings k_findings = {
    {"cert.expired", Severity::error, Target::at_address("mail.example.com", 465, "192.0.2.10"), "m", "f", "RFC 5280"},
    {"mta-sts.mx-not-covered", Severity::warning, Target::host("mx9.example.org"), "m", "f", "RFC 8461"}};

}  // namespace

TEST_CASE("check output validates against relaymetry-check.schema.json") {
    const auto schema = load_schema("relaymetry-check.schema.json");
    CHECK(violations(schema, report::render_json(fixture::good_domain(), {})) == std::vector<std::string>{});
    CHECK(violations(schema, report::render_json(busy_domain(), k_findings)) == std::vector<std::string>{});
    auto partial = fixture::good_domain();
    partial.submission.reset();
    partial.mta_sts->txt.reset();
    partial.mta_sts->policy->tls.reset();
    partial.mta_sts->policy->parse.reset();
    CHECK(violations(schema, report::render_json(partial, {})) == std::vector<std::string>{});
}

TEST_CASE("the check schema is strict") {
    const auto schema = load_schema("relaymetry-check.schema.json");
    auto doc = json::parse(report::render_json(fixture::good_domain(), k_findings));
    doc["surprise"] = 1;
    CHECK_FALSE(violations(schema, doc.dump()).empty());
    doc.erase("surprise");
    doc["findings"][0]["id"] = "Not A Rule";
    CHECK_FALSE(violations(schema, doc.dump()).empty());
    doc["findings"][0]["id"] = "cert.expired";
    doc["submission"]["endpoints"][0]["addresses"][0]["status"] = "fine";
    CHECK_FALSE(violations(schema, doc.dump()).empty());
    doc["submission"]["endpoints"][0]["addresses"][0]["status"] = "not-probed";
    CHECK(violations(schema, doc.dump()).empty());
    auto& versions = doc["submission"]["endpoints"][0]["addresses"][0]["tls"]["versions"];
    versions["TLSv1"] = "maybe";
    CHECK_FALSE(violations(schema, doc.dump()).empty());
    versions.erase("TLSv1");
    versions["SSLv3"] = "refused";
    CHECK_FALSE(violations(schema, doc.dump()).empty());
}

TEST_CASE("lint output validates against relaymetry-lint.schema.json") {
    const auto schema = load_schema("relaymetry-lint.schema.json");
    const auto facts = busy_domain();
    report::LintReport policy{"mta-sts-policy", false, {}, k_findings};
    policy.facts.mta_sts = MtaStsFacts{};
    policy.facts.mta_sts->policy = facts.mta_sts->policy;
    CHECK(violations(schema, report::render_lint_json(policy)) == std::vector<std::string>{});
    policy.facts.mx = facts.mx;
    policy.facts.mta_sts->mx_coverage = facts.mta_sts->mx_coverage;
    CHECK(violations(schema, report::render_lint_json(policy)) == std::vector<std::string>{});
    report::LintReport txt{"mta-sts-txt", true, {}, {}};
    txt.facts.mta_sts = MtaStsFacts{};
    txt.facts.mta_sts->txt = facts.mta_sts->txt;
    CHECK(violations(schema, report::render_lint_json(txt)) == std::vector<std::string>{});
    report::LintReport rpt{"tls-rpt", false, {}, k_findings};
    rpt.facts.tls_rpt = facts.tls_rpt;
    const auto text = report::render_lint_json(rpt);
    CHECK(violations(schema, text) == std::vector<std::string>{});
    auto doc = json::parse(text);
    doc["lint"] = "mta-sts-txt";
    CHECK_FALSE(violations(schema, doc.dump()).empty());
}
