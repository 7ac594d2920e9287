// The JSON renderers: one compact object per domain (docs/json.md, docs/schema/relaymetry-check.schema.json)
// and one per lint (docs/schema/relaymetry-lint.schema.json). Keys keep the order of the documentation.
#include <algorithm>

#include <nlohmann/json.hpp>

#include "format.hpp"
#include "relaymetry/report/report.hpp"

namespace relaymetry::report {

namespace {

using Json = nlohmann::ordered_json;
using namespace detail;

// An object with its members in the given order, sized before it is filled: nlohmann's ordered_map
// copies (cannot move) every member, subtrees and all, each time its vector grows.
struct Field {
    std::string_view key;
    mutable Json value;  // moved out of the (const) initializer list
};

Json object(std::initializer_list<Field> fields) {
    Json json = Json::object();
    auto& members = json.get_ref<Json::object_t&>();
    members.reserve(fields.size() + 1);  // + 1: tls_json adds the certificate afterwards
    for (const auto& field : fields) {
        members.emplace_back(std::string(field.key), std::move(field.value));
    }
    return json;
}

template <typename T>
Json optional_json(const std::optional<T>& value) {
    return value ? Json(*value) : Json(nullptr);
}

Json strings(const std::vector<std::string>& values) {
    return Json(values);
}

Json extended_error_json(const std::optional<ExtendedDnsError>& error) {
    if (!error) {
        return nullptr;
    }
    return object({{"code", error->code}, {"name", extended_error_name(error->code)}, {"text", error->text}});
}

Json lookup_failures_json(const std::vector<LookupFailure>& failures) {
    Json array = Json::array();
    for (const auto& failure : failures) {
        array.push_back(object({{"name", failure.name},
                                {"type", to_string(failure.type)},
                                {"status", to_string(failure.status)},
                                {"error", failure.error},
                                {"dnssec", to_string(failure.dnssec)},
                                {"extended_error", extended_error_json(failure.extended_error)}}));
    }
    return array;
}

Json caps_json(const std::vector<CapReached>& caps) {
    Json array = Json::array();
    for (const auto& cap : caps) {
        array.push_back(
            object({{"limit", cap.limit}, {"left_out", cap.left_out}, {"examples", strings(cap.examples)}}));
    }
    return array;
}

Json trimmed_answers_json(const std::vector<AnswerTrimmed>& answers) {
    Json array = Json::array();
    for (const auto& answer : answers) {
        array.push_back(object({{"name", answer.name},
                                {"type", to_string(answer.type)},
                                {"malformed", strings(answer.malformed)},
                                {"malformed_count", answer.malformed_count},
                                {"cut", answer.cut}}));
    }
    return array;
}

Json resolution_json(const HostAddresses& resolution) {
    return object({{"host", resolution.host},
                   {"v4_status", to_string(resolution.v4_status)},
                   {"v6_status", to_string(resolution.v6_status)},
                   {"addresses", strings(resolution.addresses)},
                   {"dnssec", to_string(resolution.dnssec)}});
}

Json dane_json(const DaneFacts& dane) {
    Json records = Json::array();
    for (std::size_t i = 0; i < dane.records.size(); ++i) {
        const auto& record = dane.records[i];
        const auto problem = i < dane.problems.size() ? dane.problems[i] : TlsaProblem::none;
        records.push_back(
            object({{"usage", record.usage},
                    {"selector", record.selector},
                    {"matching_type", record.matching_type},
                    {"data", to_hex(record.data)},
                    {"problem", problem == TlsaProblem::none ? Json(nullptr) : Json(to_string(problem))}}));
    }
    Json addresses = Json::array();
    for (const auto& check : dane.addresses) {
        Json matches = Json::array();
        for (const auto& match : check.matches) {
            matches.push_back(object({{"record", match.record}, {"certificate", match.certificate}}));
        }
        addresses.push_back(
            object({{"address", check.address}, {"chain_seen", check.chain_seen}, {"matches", std::move(matches)}}));
    }
    return object({{"name", dane.name},
                   {"host", dane.host},
                   {"port", dane.port},
                   {"status", to_string(dane.status)},
                   {"dnssec", to_string(dane.dnssec)},
                   {"extended_error", extended_error_json(dane.extended_error)},
                   {"records", std::move(records)},
                   {"addresses", std::move(addresses)}});
}

Json verify_failure_code(const std::optional<VerifyFailure>& failure) {
    return failure ? Json(to_string(failure->reason)) : Json(nullptr);
}

Json verify_failure_text(const std::optional<VerifyFailure>& failure, const std::string& host) {
    return failure ? Json(describe(*failure, host)) : Json(nullptr);
}

Json certificate_json(const CertificateFacts& cert, const std::string& host, std::int64_t now) {
    Json intermediates = Json::array();
    for (const auto& info : cert.intermediates) {
        intermediates.push_back(object({{"subject", info.subject},
                                        {"issuer", info.issuer},
                                        {"key", display_name(info.key)},
                                        {"signature", info.signature},
                                        {"not_after", iso8601(info.not_after)},
                                        {"self_signed", info.self_signed},
                                        {"sha256", info.sha256},
                                        {"spki_sha256", info.spki_sha256},
                                        {"spki_sha512", info.spki_sha512}}));
    }
    const auto& leaf = cert.leaf;
    return object({{"subject", leaf.subject},
                   {"issuer", leaf.issuer},
                   {"san", strings(leaf.san)},
                   {"not_before", iso8601(leaf.not_before)},
                   {"not_after", iso8601(leaf.not_after)},
                   {"days_left", days_left(leaf.not_after, now)},
                   {"key", display_name(leaf.key)},
                   {"signature", leaf.signature},
                   {"self_signed", leaf.self_signed},
                   {"sha256", leaf.sha256},
                   {"spki_sha256", leaf.spki_sha256},
                   {"spki_sha512", leaf.spki_sha512},
                   {"chain_valid", cert.chain_valid},
                   {"verify_error", verify_failure_text(cert.verify_error, host)},
                   {"verify_error_code", verify_failure_code(cert.verify_error)},
                   {"trust_error", verify_failure_text(cert.trust_error, host)},
                   {"trust_error_code", verify_failure_code(cert.trust_error)},
                   {"name_match", cert.name_match},
                   {"certificates_sent", cert.certificates_sent},
                   {"intermediates", std::move(intermediates)}});
}

// The session; the certificate is included for submission addresses (the policy carries it one level up).
Json tls_json(const TlsFacts& tls, const std::string& host, std::int64_t now, bool with_certificate) {
    Json legacy = Json::array();
    for (const auto version : tls.legacy_versions_accepted) {
        legacy.push_back(to_string(version));
    }
    // Every version tested and how it ended; why, for those refused or not tested.
    Json versions = Json::object();
    Json reasons = Json::object();
    for (const auto& test : tls.versions) {
        versions[std::string(to_string(test.version))] = to_string(test.outcome);
        if (!test.reason.empty()) {
            reasons[std::string(to_string(test.version))] = test.reason;
        }
    }
    Json json = object({{"version", tls.version ? Json(to_string(*tls.version)) : Json(nullptr)},
                        {"cipher", tls.cipher},
                        {"cipher_iana", tls.cipher_iana},
                        {"forward_secrecy", tls.forward_secrecy},
                        {"weak_cipher_reason", tls.weak_cipher ? Json(describe(*tls.weak_cipher)) : Json(nullptr)},
                        {"modern_client_failed", tls.modern_client_failed},
                        {"legacy_versions_accepted", std::move(legacy)},
                        {"versions", std::move(versions)},
                        {"version_reasons", std::move(reasons)},
                        {"tls13_supported", tls.tls13_supported}});
    if (with_certificate) {
        json["certificate"] = tls.certificate ? certificate_json(*tls.certificate, host, now) : Json(nullptr);
    }
    return json;
}

Json timings_json(const StepTimings& timings) {
    Json json = Json::object();
    const std::pair<const char*, const std::optional<int>*> steps[] = {{"connect", &timings.connect},
                                                                       {"banner", &timings.banner},
                                                                       {"ehlo", &timings.ehlo},
                                                                       {"starttls", &timings.starttls},
                                                                       {"handshake", &timings.handshake}};
    for (const auto& [name, value] : steps) {
        if (*value) {
            json[name] = **value;
        }
    }
    return json;
}

Json address_json(const AddressProbe& probe, const std::string& host, std::int64_t now) {
    const auto& smtp = probe.smtp;
    return object({{"address", probe.address},
                   {"status", to_string(probe.status)},
                   {"error", optional_json(probe.error)},
                   {"smtp",
                    {{"banner", smtp.banner},
                     {"ehlo", strings(smtp.ehlo)},
                     {"ehlo_after_tls", strings(smtp.ehlo_after_tls)},
                     {"starttls_offered", smtp.starttls_offered},
                     {"auth_before_tls", strings(smtp.auth_before_tls)},
                     {"plaintext_on_implicit_port", smtp.plaintext_on_implicit_port},
                     {"data_after_starttls_reply", smtp.data_after_starttls_reply},
                     {"requiretls_offered", smtp.requiretls_offered}}},
                   {"timings_ms", timings_json(probe.timings_ms)},
                   {"shared", probe.shared},
                   {"tls", probe.tls ? tls_json(*probe.tls, host, now, true) : Json(nullptr)}});
}

Json submission_json(const SubmissionFacts& submission, std::int64_t now) {
    Json srv = Json::array();
    for (const auto& record : submission.srv) {
        srv.push_back(object({{"service", record.service},
                              {"priority", record.priority},
                              {"weight", record.weight},
                              {"port", record.port},
                              {"target", record.target}}));
    }
    Json endpoints = Json::array();
    for (const auto& endpoint : submission.endpoints) {
        Json addresses = Json::array();
        for (const auto& probe : endpoint.addresses) {
            addresses.push_back(address_json(probe, endpoint.host, now));
        }
        endpoints.push_back(object({{"host", endpoint.host},
                                    {"port", endpoint.port},
                                    {"security", to_string(endpoint.security)},
                                    {"from_srv", endpoint.from_srv},
                                    {"srv_dnssec", to_string(endpoint.srv_dnssec)},
                                    {"resolution", resolution_json(endpoint.resolution)},
                                    {"addresses", std::move(addresses)},
                                    {"dane", endpoint.dane ? dane_json(*endpoint.dane) : Json(nullptr)}}));
    }
    return object({{"discovery",
                    {{"source", to_string(submission.source)},
                     {"srv", std::move(srv)},
                     {"dnssec", to_string(submission.srv_dnssec)}}},
                   {"endpoints", std::move(endpoints)},
                   {"lookup_failures", lookup_failures_json(submission.lookup_failures)},
                   {"caps", caps_json(submission.caps)}});
}

// Each MX host has the shape of a submission endpoint (port 25, STARTTLS): its addresses are the
// port-25 probes with --mx-probe, and [] without.
Json mx_json(const MxFacts& mx, std::int64_t now) {
    Json records = Json::array();
    for (const auto& record : mx.records) {
        records.push_back(object({{"preference", record.preference}, {"host", record.host}}));
    }
    Json hosts = Json::array();
    for (const auto& host : mx.hosts) {
        const auto probed = std::find_if(mx.probes.begin(), mx.probes.end(),
                                         [&](const Endpoint& endpoint) { return endpoint.host == host.host; });
        const auto dane = std::find_if(mx.dane.begin(), mx.dane.end(),
                                       [&](const DaneFacts& entry) { return entry.host == host.host; });
        Json addresses = Json::array();
        if (probed != mx.probes.end()) {
            for (const auto& probe : probed->addresses) {
                addresses.push_back(address_json(probe, host.host, now));
            }
        }
        hosts.push_back(object({{"host", host.host},
                                {"port", k_smtp_port},
                                {"security", to_string(Security::starttls)},
                                {"from_srv", false},
                                {"srv_dnssec", to_string(mx.dnssec)},
                                {"resolution", resolution_json(host)},
                                {"addresses", std::move(addresses)},
                                {"dane", dane != mx.dane.end() ? dane_json(*dane) : Json(nullptr)}}));
    }
    return object({{"status", to_string(mx.status)},
                   {"dnssec", to_string(mx.dnssec)},
                   {"records", std::move(records)},
                   {"null_mx", mx.null_mx},
                   {"probed", mx.probed},
                   {"egress_blocked", optional_json(mx.egress_blocked)},
                   {"hosts", std::move(hosts)},
                   {"lookup_failures", lookup_failures_json(mx.lookup_failures)},
                   {"caps", caps_json(mx.caps)}});
}

Json txt_json(const MtaStsTxtFacts& txt) {
    return object({{"status", to_string(txt.status)},
                   {"records", strings(txt.records)},
                   {"id", txt.parse.valid ? Json(txt.parse.id) : Json(nullptr)},
                   {"extensions", strings(txt.parse.extensions)},
                   {"errors", strings(txt.parse.errors)},
                   {"dnssec", to_string(txt.dnssec)}});
}

Json coverage_json(const std::vector<MxCoverage>& coverage) {
    Json array = Json::array();
    for (const auto& entry : coverage) {
        array.push_back(object({{"mx", entry.mx},
                                {"covered", entry.covered},
                                {"pattern", entry.covered ? Json(entry.pattern) : Json(nullptr)}}));
    }
    return array;
}

Json policy_json(const MtaStsPolicyFacts& policy, std::int64_t now) {
    const MtaStsPolicyParse* parse = policy.parse ? &*policy.parse : nullptr;
    const Json mode = parse && parse->mode ? Json(to_string(*parse->mode)) : Json(nullptr);
    const Json max_age = parse && parse->max_age ? Json(*parse->max_age) : Json(nullptr);
    Json certificate = nullptr;
    if (policy.tls && policy.tls->certificate) {
        certificate = certificate_json(*policy.tls->certificate, policy.resolution.host, now);
    }
    return object({{"url", policy.url},
                   {"status", to_string(policy.status)},
                   {"error", optional_json(policy.error)},
                   {"http_status", optional_json(policy.http_status)},
                   {"content_type", optional_json(policy.content_type)},
                   {"location", optional_json(policy.location)},
                   {"body_bytes", policy.body ? Json(policy.body->size()) : Json(nullptr)},
                   {"body_sha256", optional_json(policy.body_sha256)},
                   {"valid", parse != nullptr && parse->valid},
                   {"version", parse ? optional_json(parse->version) : Json(nullptr)},
                   {"mode", mode},
                   {"max_age", max_age},
                   {"mx", parse ? strings(parse->mx) : Json::array()},
                   {"errors", parse ? strings(parse->errors) : Json::array()},
                   {"duplicate_fields", parse ? strings(parse->duplicate_fields) : Json::array()},
                   {"extension_fields", parse ? strings(parse->extension_fields) : Json::array()},
                   {"lf_line_endings", parse != nullptr && parse->lf_line_endings},
                   {"tls", policy.tls ? tls_json(*policy.tls, policy.resolution.host, now, false) : Json(nullptr)},
                   {"certificate", std::move(certificate)},
                   {"resolution", resolution_json(policy.resolution)}});
}

Json mta_sts_json(const MtaStsFacts& mta_sts, std::int64_t now) {
    return object({{"txt", mta_sts.txt ? txt_json(*mta_sts.txt) : Json(nullptr)},
                   {"policy", mta_sts.policy ? policy_json(*mta_sts.policy, now) : Json(nullptr)},
                   {"mx_coverage", coverage_json(mta_sts.mx_coverage)},
                   {"lookup_failures", lookup_failures_json(mta_sts.lookup_failures)}});
}

Json rua_json(const std::vector<RuaUri>& rua) {
    Json array = Json::array();
    for (const auto& uri : rua) {
        array.push_back(uri.uri);
    }
    return array;
}

Json invalid_rua_json(const std::vector<RuaUri>& rua) {
    Json array = Json::array();
    for (const auto& uri : rua) {
        if (!uri.valid) {
            array.push_back(object({{"uri", uri.uri}, {"error", uri.error}}));
        }
    }
    return array;
}

Json tls_rpt_json(const TlsRptFacts& tls_rpt) {
    return object({{"status", to_string(tls_rpt.status)},
                   {"records", strings(tls_rpt.records)},
                   {"rua", rua_json(tls_rpt.parse.rua)},
                   {"invalid_rua", invalid_rua_json(tls_rpt.parse.rua)},
                   {"extensions", strings(tls_rpt.parse.extensions)},
                   {"errors", strings(tls_rpt.parse.errors)},
                   {"dnssec", to_string(tls_rpt.dnssec)},
                   {"lookup_failures", lookup_failures_json(tls_rpt.lookup_failures)}});
}

Json target_json(const Target& target) {
    Json json = object({{"kind", to_string(target.kind)}, {"name", target.name}});
    if (target.kind == TargetKind::endpoint || target.kind == TargetKind::address) {
        json["port"] = target.port;
    }
    if (target.kind == TargetKind::address) {
        json["address"] = target.address;
    }
    return json;
}

Json findings_json(const Findings& findings) {
    Json array = Json::array();
    for (const auto& finding : findings) {
        array.push_back(object({{"id", finding.id},
                                {"severity", to_string(finding.severity)},
                                {"target", to_string(finding.target)},
                                {"subject", target_json(finding.target)},
                                {"message", finding.message},
                                {"fix", finding.fix},
                                {"reference", finding.reference}}));
    }
    return array;
}

Json summary_json(const Findings& findings) {
    const Summary summary = summarize(findings);
    return object({{"errors", summary.errors},
                   {"warnings", summary.warnings},
                   {"notices", summary.notices},
                   {"result", result_of(summary)}});
}

// Compact, and safe on a terminal: invalid UTF-8 from the network becomes U+FFFD instead of an
// exception, C0 controls are escaped by the serializer, and the C1/bidi code points it would emit raw
// (valid JSON, but able to drive a terminal) are rewritten as \u escapes. They can only occur inside
// strings, where an escape means the same character.
std::string dump(const Json& json) {
    const std::string raw = json.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    std::string out;
    out.reserve(raw.size());
    for (std::size_t i = 0; i < raw.size();) {
        // Plain ASCII, nearly all of it, is copied a run at a time.
        std::size_t plain = i;
        while (plain < raw.size() && static_cast<unsigned char>(raw[plain]) < 0x7f) {
            ++plain;
        }
        out.append(raw, i, plain - i);
        i = plain;
        if (i == raw.size()) {
            break;
        }
        const auto byte = static_cast<unsigned char>(raw[i]);
        const auto next = i + 1 < raw.size() ? static_cast<unsigned char>(raw[i + 1]) : 0;
        // Lead bytes of U+0080-U+009F (C1), U+061C, and U+2000-U+207F (separators, bidi controls):
        // escape_untrusted decides for the whole character; continuation bytes never match these.
        std::size_t length = 1;
        if ((byte == 0xc2 && next >= 0x80 && next <= 0x9f) || (byte == 0xd8 && next == 0x9c)) {
            length = 2;
        } else if (byte == 0xe2 && (next == 0x80 || next == 0x81)) {
            length = 3;
        }
        if (length > 1 || byte == 0x7f) {
            out += escape_untrusted(std::string_view(raw).substr(i, length));
        } else {
            out += raw[i];
        }
        i += length;
    }
    return out;
}

}  // namespace

std::string render_json(const DomainFacts& facts, const Findings& findings) {
    const auto now = unix_seconds(facts.started_at);
    Json json = object({{"schema_version", k_schema_version},
                        {"domain", facts.domain},
                        {"started_at", iso8601(now)},
                        {"duration_ms", facts.duration.count()},
                        {"submission", facts.submission ? submission_json(*facts.submission, now) : Json(nullptr)},
                        {"mx", facts.mx ? mx_json(*facts.mx, now) : Json(nullptr)},
                        {"mta_sts", facts.mta_sts ? mta_sts_json(*facts.mta_sts, now) : Json(nullptr)},
                        {"tls_rpt", facts.tls_rpt ? tls_rpt_json(*facts.tls_rpt) : Json(nullptr)},
                        {"dns",
                         {{"resolvers", strings(facts.dns.resolvers)},
                          {"lookups", facts.dns.lookups},
                          {"resolver_failures", facts.dns.resolver_failures},
                          {"resolver_unreachable", resolver_unreachable(facts.dns)},
                          {"validating", optional_json(facts.dns.resolver_validates)},
                          {"domain_dnssec", to_string(facts.dns.domain_dnssec)},
                          {"trimmed_answers", trimmed_answers_json(facts.dns.trimmed_answers)}}},
                        {"findings", findings_json(findings)},
                        {"summary", summary_json(findings)}});
    return dump(json);
}

std::string render_lint_json(const LintReport& lint) {
    Json json = object({{"lint", lint.kind}, {"valid", lint.valid}});
    const auto& facts = lint.facts;
    if (lint.kind == "mta-sts-policy") {
        const MtaStsPolicyParse* parse = nullptr;
        if (facts.mta_sts && facts.mta_sts->policy && facts.mta_sts->policy->parse) {
            parse = &*facts.mta_sts->policy->parse;
        }
        json["version"] = parse ? optional_json(parse->version) : Json(nullptr);
        json["mode"] = parse && parse->mode ? Json(to_string(*parse->mode)) : Json(nullptr);
        json["max_age"] = parse && parse->max_age ? Json(*parse->max_age) : Json(nullptr);
        json["mx"] = parse ? strings(parse->mx) : Json::array();
        if (facts.mx) {
            json["mx_coverage"] = coverage_json(facts.mta_sts ? facts.mta_sts->mx_coverage : std::vector<MxCoverage>{});
        }
        json["duplicate_fields"] = parse ? strings(parse->duplicate_fields) : Json::array();
        json["extension_fields"] = parse ? strings(parse->extension_fields) : Json::array();
        json["lf_line_endings"] = parse != nullptr && parse->lf_line_endings;
        json["errors"] = parse ? strings(parse->errors) : Json::array();
    } else if (lint.kind == "mta-sts-txt") {
        const MtaStsTxtFacts* txt = facts.mta_sts && facts.mta_sts->txt ? &*facts.mta_sts->txt : nullptr;
        json["status"] = txt ? Json(to_string(txt->status)) : Json(nullptr);
        json["records"] = txt ? strings(txt->records) : Json::array();
        json["id"] = txt && txt->parse.valid ? Json(txt->parse.id) : Json(nullptr);
        json["extensions"] = txt ? strings(txt->parse.extensions) : Json::array();
        json["errors"] = txt ? strings(txt->parse.errors) : Json::array();
    } else {
        const TlsRptFacts* tls_rpt = facts.tls_rpt ? &*facts.tls_rpt : nullptr;
        json["status"] = tls_rpt ? Json(to_string(tls_rpt->status)) : Json(nullptr);
        json["records"] = tls_rpt ? strings(tls_rpt->records) : Json::array();
        json["rua"] = tls_rpt ? rua_json(tls_rpt->parse.rua) : Json::array();
        json["invalid_rua"] = tls_rpt ? invalid_rua_json(tls_rpt->parse.rua) : Json::array();
        json["extensions"] = tls_rpt ? strings(tls_rpt->parse.extensions) : Json::array();
        json["errors"] = tls_rpt ? strings(tls_rpt->parse.errors) : Json::array();
    }
    json["findings"] = findings_json(lint.findings);
    json["summary"] = summary_json(lint.findings);
    return dump(json);
}

}  // namespace relaymetry::report
