// The --format choice, the Nagios states, and the two formats that print each domain on its own
// (text, JSON Lines). Nagios, Prometheus and JUnit live in files of their own.
#include "relaymetry/report/run_output.hpp"

#include <algorithm>
#include <array>

#include "outputs.hpp"

namespace relaymetry::report {

namespace {

constexpr std::array<std::pair<Format, std::string_view>, 5> k_formats{{
    {Format::text, "text"},
    {Format::json, "json"},
    {Format::nagios, "nagios"},
    {Format::prometheus, "prometheus"},
    {Format::junit, "junit"},
}};

class StreamedOutput final : public RunOutput {
public:
    explicit StreamedOutput(RunOutputOptions options) : options_(std::move(options)) {}

    Share render(const DomainOutcome& outcome) const override {
        if (!outcome.facts) {
            return {};  // the app reports the internal error on stderr
        }
        if (options_.format == Format::json) {
            return {render_json(*outcome.facts, *outcome.findings) + "\n"};
        }
        return {render_text(*outcome.facts, *outcome.findings, options_.text)};
    }

    std::string print(Share share) override { return share.empty() ? std::string() : std::move(share.front()); }

    std::string end(const std::vector<std::string>&) override { return {}; }

private:
    RunOutputOptions options_;
};

int rank(NagiosState state) {
    switch (state) {
        case NagiosState::ok: return 0;
        case NagiosState::unknown: return 1;
        case NagiosState::warning: return 2;
        case NagiosState::critical: return 3;
    }
    return 1;
}

bool reaches(Severity severity, const std::optional<Severity>& threshold) {
    return threshold && severity >= *threshold;
}

}  // namespace

std::optional<Format> parse_format(std::string_view name) {
    for (const auto& [format, text] : k_formats) {
        if (text == name) {
            return format;
        }
    }
    return std::nullopt;
}

std::string_view to_string(Format format) {
    for (const auto& [value, text] : k_formats) {
        if (value == format) {
            return text;
        }
    }
    return "text";
}

std::string_view to_string(NagiosState state) {
    switch (state) {
        case NagiosState::ok: return "OK";
        case NagiosState::warning: return "WARNING";
        case NagiosState::critical: return "CRITICAL";
        case NagiosState::unknown: return "UNKNOWN";
    }
    return "UNKNOWN";
}

NagiosState worse(NagiosState a, NagiosState b) {
    return rank(a) >= rank(b) ? a : b;
}

NagiosState nagios_state(Severity severity, const NagiosThresholds& thresholds) {
    if (reaches(severity, thresholds.critical_on)) {
        return NagiosState::critical;
    }
    return reaches(severity, thresholds.warning_on) ? NagiosState::warning : NagiosState::ok;
}

NagiosState nagios_state(const Findings& findings, const NagiosThresholds& thresholds) {
    auto state = NagiosState::ok;
    for (const auto& finding : findings) {
        state = worse(state, nagios_state(finding.severity, thresholds));
    }
    return state;
}

NagiosState run_state(const std::vector<NagiosState>& domains, bool input_errors) {
    auto state = input_errors ? NagiosState::unknown : NagiosState::ok;
    for (const auto domain : domains) {
        state = worse(state, domain);
    }
    return state;
}

std::unique_ptr<RunOutput> make_run_output(const RunOutputOptions& options) {
    switch (options.format) {
        case Format::nagios: return detail::make_nagios_output(options);
        case Format::prometheus: return detail::make_prometheus_output(options);
        case Format::junit: return detail::make_junit_output(options);
        case Format::text:
        case Format::json: break;
    }
    return std::make_unique<StreamedOutput>(options);
}

}  // namespace relaymetry::report
