// --format prometheus: the text exposition format 0.0.4, for node_exporter's textfile collector.
// The format wants every sample of a metric in one group after its HELP and TYPE lines, so each
// domain's share holds one part per metric, and the groups are printed once every domain is in.
#include <array>
#include <map>

#include "format.hpp"
#include "outputs.hpp"

namespace relaymetry::report::detail {

namespace {

struct Metric {
    std::string_view name;
    std::string_view help;
};

// All gauges: each run states the present, it counts nothing across runs.
enum MetricIndex : std::size_t { up, duration, timestamp, findings, by_severity, expiry, tls_version, sts_mode };
constexpr std::array<Metric, 8> k_metrics{{
    {"relaymetry_up", "1 when the domain could be checked, 0 when its resolver did not answer or the check failed"},
    {"relaymetry_check_duration_seconds", "Wall time of the domain's check"},
    {"relaymetry_check_timestamp_seconds", "When the domain's check started (Unix time)"},
    {"relaymetry_findings", "Findings of one rule for the domain, after --ignore"},
    {"relaymetry_findings_by_severity", "Findings of the domain per severity, after --ignore"},
    {"relaymetry_certificate_expiry_timestamp_seconds", "notAfter of the leaf certificate an endpoint serves"},
    {"relaymetry_tls_version_info", "The TLS version an endpoint negotiated (always 1)"},
    {"relaymetry_mta_sts_mode_info", "The mode of the domain's MTA-STS policy (always 1)"},
}};

// A label value: terminal-safe first, then the format's own escapes (backslash, quote, newline).
std::string label_value(std::string_view raw) {
    std::string out;
    for (const char c : escape_untrusted(raw)) {
        if (c == '\\' || c == '"') {
            out += '\\';
        }
        out += c;
    }
    return out;
}

using Labels = std::vector<std::pair<std::string_view, std::string>>;

void sample(std::string& part, MetricIndex metric, const Labels& labels, std::string_view value) {
    part += k_metrics[metric].name;
    part += '{';
    for (std::size_t i = 0; i < labels.size(); ++i) {
        part += i == 0 ? "" : ",";
        part += labels[i].first;
        part += "=\"";
        part += label_value(labels[i].second);
        part += '"';
    }
    part += "} ";
    part += value;
    part += '\n';
}

void endpoint_samples(Share& share, const TlsEndpoint& endpoint) {
    const Labels labels{{"domain", endpoint.domain},
                        {"host", endpoint.host},
                        {"port", std::to_string(endpoint.port)},
                        {"address", endpoint.address}};
    if (endpoint.tls->certificate) {
        sample(share[expiry], expiry, labels, std::to_string(endpoint.tls->certificate->leaf.not_after));
    }
    if (endpoint.tls->version) {
        auto with_version = labels;
        with_version.emplace_back("version", std::string(to_string(*endpoint.tls->version)));
        sample(share[tls_version], tls_version, with_version, "1");
    }
}

class PrometheusOutput final : public RunOutput {
public:
    Share render(const DomainOutcome& outcome) const override {
        Share share(k_metrics.size());
        const Labels domain{{"domain", outcome.domain}};
        const bool checked = outcome.facts && !outcome.could_not_check;
        sample(share[up], up, domain, checked ? "1" : "0");
        if (!outcome.facts) {
            return share;
        }
        const auto& facts = *outcome.facts;
        sample(share[duration], duration, domain, decimal_seconds(facts.duration));
        sample(share[timestamp], timestamp, domain, std::to_string(unix_seconds(facts.started_at)));
        std::map<std::pair<std::string, Severity>, int> per_rule;
        for (const auto& finding : *outcome.findings) {
            ++per_rule[{finding.id, finding.severity}];
        }
        for (const auto& [key, count] : per_rule) {
            sample(share[findings], findings,
                   {{"domain", outcome.domain}, {"severity", std::string(to_string(key.second))}, {"rule", key.first}},
                   std::to_string(count));
        }
        const auto summary = summarize(*outcome.findings);
        for (const auto& [severity, count] :
             {std::pair{Severity::error, summary.errors}, std::pair{Severity::warning, summary.warnings},
              std::pair{Severity::notice, summary.notices}}) {
            sample(share[by_severity], by_severity,
                   {{"domain", outcome.domain}, {"severity", std::string(to_string(severity))}}, std::to_string(count));
        }
        for (const auto& endpoint : tls_endpoints(facts)) {
            endpoint_samples(share, endpoint);
        }
        if (facts.mta_sts && facts.mta_sts->policy && facts.mta_sts->policy->parse &&
            facts.mta_sts->policy->parse->valid && facts.mta_sts->policy->parse->mode) {
            sample(share[sts_mode], sts_mode,
                   {{"domain", outcome.domain}, {"mode", std::string(to_string(*facts.mta_sts->policy->parse->mode))}},
                   "1");
        }
        return share;
    }

    std::string print(Share share) override {
        for (std::size_t i = 0; i < share.size() && i < groups_.size(); ++i) {
            groups_[i] += share[i];
        }
        return {};
    }

    std::string end(const std::vector<std::string>&) override {
        std::string out;
        for (std::size_t i = 0; i < k_metrics.size(); ++i) {
            out += "# HELP " + std::string(k_metrics[i].name) + " " + std::string(k_metrics[i].help) + "\n";
            out += "# TYPE " + std::string(k_metrics[i].name) + " gauge\n";
            out += groups_[i];
            groups_[i] = std::string();
        }
        return out;
    }

private:
    std::array<std::string, k_metrics.size()> groups_;
};

}  // namespace

std::unique_ptr<RunOutput> make_prometheus_output(const RunOutputOptions&) {
    return std::make_unique<PrometheusOutput>();
}

}  // namespace relaymetry::report::detail
