// The text renderers: plain English for a terminal. Facts first (grouped by area), then each finding with
// its fix, then a one-line verdict. Every string that came from the network goes through escape_untrusted.
#include <algorithm>

#include "format.hpp"
#include "relaymetry/report/report.hpp"

namespace relaymetry::report {

namespace {

using namespace detail;

constexpr std::string_view k_reset = "\033[0m";
constexpr std::string_view k_bold = "\033[1m";
constexpr std::string_view k_red = "\033[31m";
constexpr std::string_view k_green = "\033[32m";
constexpr std::string_view k_yellow = "\033[33m";
constexpr std::string_view k_cyan = "\033[36m";

// Escaped network text.
std::string safe(std::string_view text) {
    return escape_untrusted(text);
}

std::string safe_list(const std::vector<std::string>& items, std::string_view separator = ", ") {
    std::string text;
    for (const auto& item : items) {
        if (!text.empty()) {
            text += separator;
        }
        text += safe(item);
    }
    return text;
}

class Writer {
public:
    explicit Writer(bool color) : m_color(color) {}

    std::string paint(std::string_view text, std::string_view colour) const {
        return m_color ? std::string(colour) + std::string(text) + std::string(k_reset) : std::string(text);
    }
    std::string severity(Severity severity) const {
        const std::string name = std::string(to_string(severity));
        switch (severity) {
            case Severity::error: return paint(name, k_red);
            case Severity::warning: return paint(name, k_yellow);
            case Severity::notice: return paint(name, k_cyan);
        }
        return name;
    }
    void heading(std::string_view title) {
        if (!m_out.empty()) {
            m_out += "\n";
        }
        m_out += paint(title, k_bold) + "\n";
    }
    void line(int indent, std::string_view text) {
        m_out.append(static_cast<std::size_t>(indent) * 2, ' ');
        m_out += text;
        m_out += "\n";
    }
    std::string take() { return std::move(m_out); }

private:
    bool m_color;
    std::string m_out;
};

std::string plural(std::int64_t n, std::string_view word) {
    return std::to_string(n) + " " + std::string(word) + (n == 1 ? "" : "s");
}

// "604800 s (7 days)", "90000 s (about 1 day)", "7200 s (2 hours)".
std::string seconds_and_days(std::uint32_t seconds) {
    const auto in_units = [&](std::uint32_t unit, std::string_view word) {
        return " (" + std::string(seconds % unit != 0 ? "about " : "") + plural(seconds / unit, word) + ")";
    };
    std::string text = std::to_string(seconds) + " s";
    if (seconds >= 86400) {
        text += in_units(86400, "day");
    } else if (seconds >= 3600) {
        text += in_units(3600, "hour");
    }
    return text;
}

// The worst severity among findings about `target`, if any.
std::optional<Severity> worst_for(const Findings& findings, const Target& target) {
    std::optional<Severity> worst;
    for (const auto& finding : findings) {
        if (finding.target == target && (!worst || finding.severity > *worst)) {
            worst = finding.severity;
        }
    }
    return worst;
}

// The verdict mark of one address: its own findings and those of its endpoint ("host:port") count.
std::string mark(const Writer& writer, const Findings& findings, const Target& target, ProbeStatus status) {
    auto worst = worst_for(findings, target);
    if (const auto of_endpoint = worst_for(findings, target.endpoint_of());
        of_endpoint && (!worst || *of_endpoint > *worst)) {
        worst = of_endpoint;
    }
    const bool connect_failure =
        status == ProbeStatus::refused || status == ProbeStatus::timeout || status == ProbeStatus::unreachable;
    // Turned away, or never tried within the run's own limits: no verdict on the server either way.
    const bool not_judged = status == ProbeStatus::inconclusive || status == ProbeStatus::not_probed;
    const bool broken = status != ProbeStatus::ok && !connect_failure && !not_judged;
    if (worst == Severity::error || broken) {
        return writer.paint("✗", k_red);
    }
    if (worst == Severity::warning || not_judged) {
        return writer.paint("!", k_yellow);
    }
    if (connect_failure) {
        return writer.paint("-", k_yellow);  // e.g. a fallback port that is simply not offered
    }
    return writer.paint("✓", k_green);
}

void write_lookup_failures(Writer& writer, const std::vector<LookupFailure>& failures) {
    for (const auto& failure : failures) {
        writer.line(1, "lookup failed: " + std::string(to_string(failure.type)) + " " + safe(failure.name) + " (" +
                           std::string(to_string(failure.status)) +
                           (failure.error.empty() ? "" : ": " + safe(failure.error)) + ")");
    }
}

// A hosting provider's certificate can carry hundreds of names: the terminal gets the first few,
// the JSON output all of them.
constexpr std::size_t k_max_sans_shown = 8;

std::string san_summary(const std::vector<std::string>& san) {
    if (san.empty()) {
        return "none";
    }
    if (san.size() <= k_max_sans_shown) {
        return safe_list(san);
    }
    const std::vector<std::string> shown(san.begin(), san.begin() + k_max_sans_shown);
    return safe_list(shown) + " (and " + std::to_string(san.size() - k_max_sans_shown) + " more; --json lists all)";
}

void write_certificate(Writer& writer, int indent, const CertificateFacts& cert, const std::string& host,
                       std::int64_t now) {
    const auto& leaf = cert.leaf;
    writer.line(indent, "certificate: " + safe(leaf.subject) + ", " + display_name(leaf.key) +
                            (leaf.signature.empty() ? "" : ", " + safe(leaf.signature)));
    writer.line(indent + 1, "SAN: " + san_summary(leaf.san));
    writer.line(indent + 1, "issuer: " + safe(leaf.issuer));
    const auto left = days_left(leaf.not_after, now);
    writer.line(indent + 1, "valid " + date_only(leaf.not_before) + " to " + date_only(leaf.not_after) + " (" +
                                (left >= 0 ? plural(left, "day") + " left" : plural(-left, "day") + " ago") + ")");
    std::string chain = cert.chain_valid ? "chain valid" : "chain NOT valid";
    if (cert.verify_error) {
        chain += ": " + safe(describe(*cert.verify_error, host));
    }
    chain += cert.name_match ? ", name matches" : ", name does NOT match";
    writer.line(indent + 1, chain);
    for (const auto& intermediate : cert.intermediates) {
        writer.line(indent + 1, "intermediate: " + safe(intermediate.subject) + " (" + display_name(intermediate.key) +
                                    ", " + safe(intermediate.signature) + ", until " +
                                    date_only(intermediate.not_after) + ")");
    }
}

void write_tls(Writer& writer, int indent, const TlsFacts& tls, const std::string& host, std::int64_t now) {
    std::string text = "TLS: " + version_name(tls.version) + " " + safe(tls.cipher);
    if (!tls.legacy_versions_accepted.empty()) {
        std::string accepted;
        for (const auto version : tls.legacy_versions_accepted) {
            accepted += (accepted.empty() ? "" : ", ") + std::string(to_string(version));
        }
        text += ", also accepts " + accepted;
    }
    text += tls.tls13_supported ? ", TLS 1.3 supported" : ", no TLS 1.3";
    writer.line(indent, text);
    if (tls.certificate) {
        write_certificate(writer, indent, *tls.certificate, host, now);
    }
}

void write_timings(Writer& writer, int indent, const StepTimings& timings) {
    std::vector<std::string> steps;
    const std::pair<const char*, const std::optional<int>*> all[] = {{"connect", &timings.connect},
                                                                     {"banner", &timings.banner},
                                                                     {"ehlo", &timings.ehlo},
                                                                     {"starttls", &timings.starttls},
                                                                     {"handshake", &timings.handshake}};
    for (const auto& [name, value] : all) {
        if (*value) {
            steps.push_back(std::string(name) + " " + std::to_string(**value) + " ms");
        }
    }
    if (!steps.empty()) {
        std::string text = "timings:";
        for (const auto& step : steps) {
            text += (text.size() > 8 ? ", " : " ") + step;
        }
        writer.line(indent, text);
    }
}

// "secure", "insecure (unsigned)", ...; "not judged" when the resolver is not known to validate.
std::string dnssec_text(DnssecStatus status, const DnsFacts& dns) {
    if (dns.resolver_validates != true) {
        return "not judged (the resolver does not validate)";
    }
    switch (status) {
        case DnssecStatus::secure: return "secure (validated)";
        case DnssecStatus::insecure: return "insecure (not signed)";
        case DnssecStatus::bogus: return "BOGUS (signatures do not validate)";
        case DnssecStatus::indeterminate: return "indeterminate (the lookup failed)";
    }
    return {};
}

std::string chain_position(std::size_t position) {
    return position == 0 ? "the leaf" : "certificate " + std::to_string(position) + " of the chain";
}

// The TLSA lookup of one service: each record, and per probed address whether it matches.
void write_dane(Writer& writer, int indent, const DaneFacts& dane, const DnsFacts& dns) {
    std::string text = "TLSA " + safe(dane.name) + ": ";
    text += dane.status == LookupStatus::answer ? plural(static_cast<std::int64_t>(dane.records.size()), "record")
                                                : std::string(to_string(dane.status));
    writer.line(indent, text + ", DNSSEC " + dnssec_text(dane.dnssec, dns));
    for (std::size_t r = 0; r < dane.records.size(); ++r) {
        const auto problem = r < dane.problems.size() ? dane.problems[r] : TlsaProblem::none;
        writer.line(indent + 1,
                    presentation(dane.records[r]) +
                        (problem == TlsaProblem::none ? "" : "  (" + std::string(to_string(problem)) + ")"));
        for (const auto& check : dane.addresses) {
            if (!check.chain_seen || problem != TlsaProblem::none) {
                continue;
            }
            std::string verdict;
            for (const auto& match : check.matches) {
                if (match.record == r) {
                    verdict += (verdict.empty() ? "matches " : ", ") + chain_position(match.certificate);
                }
            }
            writer.line(indent + 2, safe(check.address) + ": " + (verdict.empty() ? "does not match" : verdict));
        }
    }
}

// Each probed address of an endpoint (a submission endpoint, or an MX host on port 25).
void write_probes(Writer& writer, const Findings& findings, const Endpoint& endpoint, std::int64_t now,
                  const TextOptions& options) {
    for (const auto& probe : endpoint.addresses) {
        const auto target = Target::at_address(endpoint.host, endpoint.port, probe.address);
        std::string text = mark(writer, findings, target, probe.status) + " " + safe(probe.address) + "  " +
                           std::string(to_string(probe.status));
        if (probe.tls) {
            text += "  " + version_name(probe.tls->version) + " " + safe(probe.tls->cipher);
        }
        if (probe.error) {
            text += "  (" + safe(*probe.error) + ")";
        }
        writer.line(2, text);
        if (!probe.smtp.banner.empty()) {
            writer.line(3, "banner: " + safe(probe.smtp.banner));
        }
        if (!probe.smtp.ehlo.empty()) {
            writer.line(3, "EHLO: " + safe_list(probe.smtp.ehlo));
        }
        if (!probe.smtp.ehlo_after_tls.empty()) {
            writer.line(3, "EHLO after TLS: " + safe_list(probe.smtp.ehlo_after_tls));
        }
        if (endpoint.port == k_smtp_port && probe.status == ProbeStatus::ok) {
            writer.line(3, std::string("REQUIRETLS (RFC 8689): ") +
                               (probe.smtp.requiretls_offered ? "offered" : "not offered"));
        }
        if (probe.tls) {
            write_tls(writer, 3, *probe.tls, endpoint.host, now);
        }
        if (options.timings) {
            write_timings(writer, 3, probe.timings_ms);
        }
    }
}

void write_submission(Writer& writer, const DomainFacts& facts, const Findings& findings, const TextOptions& options) {
    const auto& submission = *facts.submission;
    const auto now = unix_seconds(facts.started_at);
    writer.heading("Submission");
    switch (submission.source) {
        case DiscoverySource::srv: writer.line(1, "discovery: SRV records (RFC 6186)"); break;
        case DiscoverySource::fallback: writer.line(1, "discovery: no SRV records; trying smtp." + facts.domain); break;
        case DiscoverySource::none: writer.line(1, "discovery: no SRV records and no smtp." + facts.domain); break;
        case DiscoverySource::disabled: writer.line(1, "discovery: SRV records say submission is not offered"); break;
        case DiscoverySource::lookup_failed:
            writer.line(1, "discovery: an SRV lookup failed, so whether SRV records exist is unknown");
            break;
    }
    for (const auto& srv : submission.srv) {
        writer.line(2, safe(srv.service) + "." + facts.domain + " SRV " + std::to_string(srv.priority) + " " +
                           std::to_string(srv.weight) + " " + std::to_string(srv.port) + " " + safe(srv.target));
    }
    if (submission.source != DiscoverySource::fallback) {
        writer.line(1, "DNSSEC of the SRV records: " + dnssec_text(submission.srv_dnssec, facts.dns));
    }
    write_lookup_failures(writer, submission.lookup_failures);
    for (const auto& endpoint : submission.endpoints) {
        const std::string name = safe(to_string(Target::endpoint(endpoint.host, endpoint.port)));
        writer.line(1, name + " (" + std::string(to_string(endpoint.security)) +
                           (endpoint.from_srv ? ", from SRV" : ", fallback") + ")");
        writer.line(2, "DNSSEC of the addresses: " + dnssec_text(endpoint.resolution.dnssec, facts.dns));
        if (endpoint.dane) {
            write_dane(writer, 2, *endpoint.dane, facts.dns);
        }
        if (endpoint.addresses.empty()) {
            writer.line(2, "no address (A: " + std::string(to_string(endpoint.resolution.v4_status)) +
                               ", AAAA: " + std::string(to_string(endpoint.resolution.v6_status)) + ")");
        }
        write_probes(writer, findings, endpoint, now, options);
    }
}

void write_mx(Writer& writer, const DomainFacts& facts, const Findings& findings, const TextOptions& options) {
    const auto& mx = *facts.mx;
    const auto& dns = facts.dns;
    writer.heading("MX");
    writer.line(1, "DNSSEC: " + dnssec_text(mx.dnssec, dns));
    if (mx.null_mx) {
        writer.line(1, "null MX (\"0 .\"): the domain accepts no mail");
    } else if (mx.records.empty()) {
        writer.line(1, "no MX records (" + std::string(to_string(mx.status)) + ")");
    }
    for (const auto& record : mx.records) {
        if (mx.null_mx) {
            continue;
        }
        std::string text = std::to_string(record.preference) + " " + safe(record.host);
        const auto host = std::find_if(mx.hosts.begin(), mx.hosts.end(),
                                       [&](const HostAddresses& h) { return h.host == record.host; });
        if (host != mx.hosts.end() && !host->addresses.empty()) {
            text += "  (" + safe_list(host->addresses) + ")";
        }
        writer.line(1, text);
    }
    for (const auto& dane : mx.dane) {
        write_dane(writer, 1, dane, dns);
    }
    write_lookup_failures(writer, mx.lookup_failures);
    if (mx.null_mx || mx.records.empty()) {
        return;
    }
    if (!mx.probed) {
        writer.line(1, "port 25: not probed (--mx-probe is off)");
        return;
    }
    if (mx.egress_blocked) {
        writer.line(1, "port 25: " + safe(*mx.egress_blocked));
    }
    for (const auto& endpoint : mx.probes) {
        writer.line(1, safe(to_string(Target::endpoint(endpoint.host, endpoint.port))) + " (STARTTLS, --mx-probe)");
        if (endpoint.addresses.empty()) {
            writer.line(2, "no address (A: " + std::string(to_string(endpoint.resolution.v4_status)) +
                               ", AAAA: " + std::string(to_string(endpoint.resolution.v6_status)) + ")");
        }
        write_probes(writer, findings, endpoint, unix_seconds(facts.started_at), options);
    }
}

void write_coverage(Writer& writer, const std::vector<MxCoverage>& coverage) {
    for (const auto& entry : coverage) {
        writer.line(1, "coverage: " + safe(entry.mx) +
                           (entry.covered ? " covered by " + safe(entry.pattern) : std::string(" NOT covered")));
    }
}

void write_policy_fields(Writer& writer, int indent, const MtaStsPolicyParse& parse) {
    if (parse.version) {
        writer.line(indent, "version: " + safe(*parse.version));
    }
    if (parse.mode) {
        writer.line(indent, "mode: " + std::string(to_string(*parse.mode)));
    }
    if (parse.max_age) {
        writer.line(indent, "max_age: " + seconds_and_days(*parse.max_age));
    }
    writer.line(indent, "mx: " + (parse.mx.empty() ? std::string("none") : safe_list(parse.mx)));
    for (const auto& error : parse.errors) {
        writer.line(indent, "error: " + safe(error));
    }
}

void write_mta_sts(Writer& writer, const DomainFacts& facts) {
    const auto& mta_sts = *facts.mta_sts;
    const auto now = unix_seconds(facts.started_at);
    writer.heading("MTA-STS");
    if (mta_sts.txt) {
        const auto& txt = *mta_sts.txt;
        std::string text = "TXT _mta-sts." + facts.domain + ": " + std::string(to_string(txt.status));
        if (txt.parse.valid) {
            text += ", id " + safe(txt.parse.id);
        }
        writer.line(1, text);
        for (const auto& record : txt.records) {
            writer.line(2, "\"" + safe(record) + "\"");
        }
        writer.line(2, "DNSSEC: " + dnssec_text(txt.dnssec, facts.dns));
    }
    if (mta_sts.policy) {
        const auto& policy = *mta_sts.policy;
        std::string text = "policy: " + safe(policy.url) + ": " + std::string(to_string(policy.status));
        if (policy.http_status) {
            text += ", HTTP " + std::to_string(*policy.http_status);
        }
        if (policy.content_type) {
            text += ", " + safe(*policy.content_type);
        }
        if (policy.location) {
            text += ", Location " + safe(*policy.location);
        }
        if (policy.error) {
            text += " (" + safe(*policy.error) + ")";
        }
        writer.line(1, text);
        if (policy.parse) {
            write_policy_fields(writer, 2, *policy.parse);
        }
        writer.line(2, "DNSSEC of the policy host's addresses: " + dnssec_text(policy.resolution.dnssec, facts.dns));
        if (policy.tls) {
            write_tls(writer, 2, *policy.tls, "mta-sts." + facts.domain, now);
        }
    }
    write_coverage(writer, mta_sts.mx_coverage);
    write_lookup_failures(writer, mta_sts.lookup_failures);
}

void write_tls_rpt(Writer& writer, const DomainFacts& facts) {
    const auto& tls_rpt = *facts.tls_rpt;
    writer.heading("TLS-RPT");
    writer.line(1, "TXT _smtp._tls." + facts.domain + ": " + std::string(to_string(tls_rpt.status)));
    for (const auto& record : tls_rpt.records) {
        writer.line(2, "\"" + safe(record) + "\"");
    }
    writer.line(2, "DNSSEC: " + dnssec_text(tls_rpt.dnssec, facts.dns));
    for (const auto& rua : tls_rpt.parse.rua) {
        writer.line(1, "rua: " + safe(rua.uri) + (rua.valid ? "" : " (unusable: " + safe(rua.error) + ")"));
    }
    write_lookup_failures(writer, tls_rpt.lookup_failures);
}

void write_findings(Writer& writer, const Findings& findings) {
    if (findings.empty()) {
        return;
    }
    writer.heading("Findings");
    for (const auto& finding : findings) {
        writer.line(1, writer.severity(finding.severity) + " " + finding.id + "  " + safe(to_string(finding.target)));
        writer.line(2, safe(finding.message));
        writer.line(2, "fix: " + safe(finding.fix));
    }
}

std::string verdict(const Writer& writer, std::string_view subject, const Findings& findings, bool good,
                    std::string_view good_word, std::string_view bad_word) {
    const Summary summary = summarize(findings);
    const std::string word = good ? writer.paint(good_word, k_green) : writer.paint(bad_word, k_red);
    return std::string(subject) + ": " + word + " — " + counts(summary) + "\n";
}

}  // namespace

std::string render_text(const DomainFacts& facts, const Findings& findings, const TextOptions& options) {
    Writer writer(options.color);
    writer.heading(facts.domain + " (checked " + iso8601(unix_seconds(facts.started_at)) + ", " +
                   std::to_string(facts.duration.count()) + " ms)");
    if (resolver_unreachable(facts.dns)) {
        // Nothing below is a verdict: every lookup went unanswered.
        writer.line(1, "not judged: the resolver " + safe(resolvers_text(facts.dns)) + " did not answer any of " +
                           plural(facts.dns.lookups, "lookup"));
        write_findings(writer, findings);
        return writer.take() + "\n" + facts.domain + ": " + writer.paint("NOT CHECKED", k_yellow) + " — " +
               counts(summarize(findings)) + "\n";
    }
    const auto validates = facts.dns.resolver_validates;
    writer.line(1, "resolver: " + safe(resolvers_text(facts.dns)) +
                       (validates == true    ? ", validates DNSSEC"
                        : validates == false ? ", does NOT validate DNSSEC: DNSSEC and DANE not judged"
                                             : ", DNSSEC validation unknown"));
    writer.line(1, "DNSSEC of " + facts.domain + ": " + dnssec_text(facts.dns.domain_dnssec, facts.dns));
    if (facts.submission) {
        write_submission(writer, facts, findings, options);
    }
    if (facts.mx) {
        write_mx(writer, facts, findings, options);
    }
    if (facts.mta_sts) {
        write_mta_sts(writer, facts);
    }
    if (facts.tls_rpt) {
        write_tls_rpt(writer, facts);
    }
    write_findings(writer, findings);
    std::string out = writer.take();
    out += "\n" + verdict(writer, facts.domain, findings, summarize(findings).errors == 0, "PASS", "FAIL");
    return out;
}

std::string render_lint_text(const LintReport& lint, const TextOptions& options) {
    Writer writer(options.color);
    writer.heading("lint " + lint.kind);
    const auto& facts = lint.facts;
    if (lint.kind == "mta-sts-policy") {
        if (facts.mta_sts && facts.mta_sts->policy && facts.mta_sts->policy->parse) {
            write_policy_fields(writer, 1, *facts.mta_sts->policy->parse);
        }
        if (facts.mta_sts && facts.mx) {
            write_coverage(writer, facts.mta_sts->mx_coverage);
        }
    } else if (lint.kind == "mta-sts-txt") {
        if (facts.mta_sts && facts.mta_sts->txt) {
            const auto& txt = *facts.mta_sts->txt;
            writer.line(1, "status: " + std::string(to_string(txt.status)));
            if (txt.parse.valid) {
                writer.line(1, "id: " + safe(txt.parse.id));
            }
            for (const auto& error : txt.parse.errors) {
                writer.line(1, "error: " + safe(error));
            }
        }
    } else if (facts.tls_rpt) {
        const auto& tls_rpt = *facts.tls_rpt;
        writer.line(1, "status: " + std::string(to_string(tls_rpt.status)));
        for (const auto& rua : tls_rpt.parse.rua) {
            writer.line(1, "rua: " + safe(rua.uri) + (rua.valid ? "" : " (unusable: " + safe(rua.error) + ")"));
        }
        for (const auto& error : tls_rpt.parse.errors) {
            writer.line(1, "error: " + safe(error));
        }
    }
    write_findings(writer, lint.findings);
    std::string out = writer.take();
    out += "\n" + verdict(writer, lint.kind, lint.findings, lint.valid, "valid", "NOT valid");
    return out;
}

}  // namespace relaymetry::report
