// --format nagios: the Monitoring Plugins output convention. One status line ("RELAYMETRY STATE -
// what is wrong | perfdata"), a long text with every finding, more perfdata after a second '|';
// the exit code is the state (0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN). The status line needs the
// whole run, so each domain's share waits for the end.
#include <algorithm>

#include "format.hpp"
#include "outputs.hpp"

namespace relaymetry::report::detail {

namespace {

// Parts of a domain's share.
// The perfdata is split where it is printed: the counts and the time on the status line (with one
// domain), the certificates and probes after the long text.
enum Part : std::size_t {
    domain_part,
    state_part,
    summary_part,
    long_part,
    status_perf_part,
    detail_perf_part,
    part_count
};

constexpr std::size_t k_findings_on_status_line = 5;
constexpr std::size_t k_domains_on_status_line = 5;

// Text for the plugin output: terminal-safe, and without '|', which starts the perfdata.
std::string plugin_text(std::string_view raw) {
    auto text = escape_untrusted(raw);
    std::replace(text.begin(), text.end(), '|', '/');
    return text;
}

// A perfdata label may hold anything but '=' and a single quote (it is quoted when printed); it names
// hosts and addresses from the network, so it is escaped like the rest (found by tests/fuzz/report).
std::string perf_label(std::string raw) {
    auto label = plugin_text(raw);
    for (auto& c : label) {
        c = (c == '=' || c == '\'') ? '_' : c;
    }
    return label;
}

// One "label=value;warn;crit;min;max" line of a share; the label is quoted (and prefixed with the
// domain when several domains were checked) at the end.
void perf(std::string& part, std::string label, std::string_view value) {
    part += perf_label(std::move(label)) + "=" + std::string(value) + "\n";
}

// "relaymetry: 'bad..name': ..." as stderr has it, without the program's name.
std::string input_error_text(std::string_view line) {
    constexpr std::string_view prefix = "relaymetry: ";
    return plugin_text(line.starts_with(prefix) ? line.substr(prefix.size()) : line);
}

// Appends the "label=value..." lines of a share to `out` as perfdata items: quoted, prefixed.
void append_perf(std::string& out, const std::string& prefix, std::string_view lines) {
    while (!lines.empty()) {
        const auto end_of_line = lines.find('\n');
        const auto item = lines.substr(0, end_of_line);
        lines.remove_prefix(end_of_line == std::string_view::npos ? lines.size() : end_of_line + 1);
        const auto equals = item.find('=');
        out += (out.empty() ? "'" : " '") + prefix + std::string(item.substr(0, equals)) + "'" +
               std::string(item.substr(equals));
    }
}

std::string finding_line(const Finding& finding) {
    return finding.id + " " + plugin_text(to_string(finding.target));
}

class NagiosOutput final : public RunOutput {
public:
    explicit NagiosOutput(RunOutputOptions options) : options_(std::move(options)) {}

    Share render(const DomainOutcome& outcome) const override {
        Share share(part_count);
        const auto domain = plugin_text(outcome.domain);
        NagiosState state = NagiosState::unknown;
        if (outcome.internal_error) {
            share[summary_part] = domain + ": internal error: " + plugin_text(*outcome.internal_error);
        } else if (outcome.could_not_check) {
            share[summary_part] = domain + ": could not be checked: the resolver " +
                                  plugin_text(resolvers_text(outcome.facts->dns)) + " did not answer";
        } else {
            state = nagios_state(*outcome.findings, options_.nagios);
            share[summary_part] = domain + ": " + status_summary(*outcome.findings, state);
        }
        share[domain_part] = perf_label(domain);
        share[state_part] = std::to_string(static_cast<int>(state));
        share[long_part] = domain + ": " + std::string(to_string(state)) + "\n";
        if (outcome.findings) {
            for (const auto& finding : *outcome.findings) {
                share[long_part] += "  [" + std::string(to_string(finding.severity)) + "] " + finding_line(finding) +
                                    ": " + plugin_text(finding.message) + "\n    fix: " + plugin_text(finding.fix) +
                                    "\n";
            }
        }
        if (outcome.facts) {
            add_perfdata(share[status_perf_part], share[detail_perf_part], *outcome.facts, *outcome.findings);
        }
        return share;
    }

    std::string print(Share share) override {
        const auto state = static_cast<NagiosState>(std::stoi(share[state_part]));
        states_.push_back(state);
        domains_.push_back(std::move(share[domain_part]));
        if (state != NagiosState::ok) {
            problems_.push_back(std::move(share[summary_part]));
        } else {
            last_ok_summary_ = std::move(share[summary_part]);
        }
        long_text_ += share[long_part];
        status_perf_.push_back(std::move(share[status_perf_part]));
        detail_perf_.push_back(std::move(share[detail_perf_part]));
        return {};
    }

    std::string end(const std::vector<std::string>& input_errors) override {
        const auto state = run_state(states_, !input_errors.empty());
        std::string line = "RELAYMETRY " + std::string(to_string(state)) + " - " + status_text(input_errors);
        const bool several = states_.size() > 1;
        std::string first_perf, more_perf;
        for (std::size_t i = 0; i < states_.size(); ++i) {
            const auto prefix = several ? domains_[i] + " " : std::string();
            append_perf(several ? more_perf : first_perf, prefix, status_perf_[i]);
            append_perf(more_perf, prefix, detail_perf_[i]);
        }
        std::string out = line + (first_perf.empty() ? "" : " | " + first_perf) + "\n";
        for (const auto& error : input_errors) {
            out += "input refused: " + input_error_text(error) + "\n";
        }
        out += long_text_;
        if (!more_perf.empty()) {
            out += "| " + more_perf + "\n";
        }
        return out;
    }

private:
    std::string status_summary(const Findings& findings, NagiosState state) const {
        const auto counts_text = counts(summarize(findings));
        if (state == NagiosState::ok) {
            return "OK (" + counts_text + ")";
        }
        std::string text;
        std::size_t shown = 0, hidden = 0;
        for (const auto& finding : findings) {
            const bool counts_for_state = nagios_state(finding.severity, options_.nagios) != NagiosState::ok;
            if (!counts_for_state) {
                continue;
            }
            if (shown < k_findings_on_status_line) {
                text += (shown == 0 ? "" : ", ") + finding_line(finding);
                ++shown;
            } else {
                ++hidden;
            }
        }
        if (hidden > 0) {
            text += " and " + std::to_string(hidden) + " more";
        }
        return text + " (" + counts_text + ")";
    }

    std::string status_text(const std::vector<std::string>& input_errors) const {
        std::string text;
        if (states_.size() == 1 && problems_.empty()) {
            text = last_ok_summary_;
        } else if (states_.size() > 1) {
            const auto ok = static_cast<std::size_t>(std::count(states_.begin(), states_.end(), NagiosState::ok));
            text = std::to_string(states_.size() - ok) + " of " + std::to_string(states_.size()) + " domains not OK";
        }
        for (std::size_t i = 0; i < problems_.size() && i < k_domains_on_status_line; ++i) {
            text += (text.empty() ? "" : "; ") + problems_[i];
        }
        if (problems_.size() > k_domains_on_status_line) {
            text += "; and " + std::to_string(problems_.size() - k_domains_on_status_line) + " more domains";
        }
        if (!input_errors.empty()) {
            text += (text.empty() ? "" : "; ") + std::to_string(input_errors.size()) +
                    " input(s) refused: " + input_error_text(input_errors.front());
        }
        return text.empty() ? "no domain checked" : text;
    }

    void add_perfdata(std::string& status, std::string& part, const DomainFacts& facts,
                      const Findings& findings) const {
        const auto summary = summarize(findings);
        perf(status, "errors", std::to_string(summary.errors) + ";;;0;");
        perf(status, "warnings", std::to_string(summary.warnings) + ";;;0;");
        perf(status, "notices", std::to_string(summary.notices) + ";;;0;");
        perf(status, "time", decimal_seconds(facts.duration) + "s;;;0;");
        const auto now = unix_seconds(facts.started_at);
        for (const auto& endpoint : tls_endpoints(facts)) {
            const auto where = endpoint.host + ":" + std::to_string(endpoint.port) +
                               (endpoint.address.empty() ? "" : " " + endpoint.address);
            if (endpoint.tls->certificate) {
                // Warning below --expiry-warning days, critical once expired ("N:" = alert below N).
                perf(part, "cert_days " + where,
                     std::to_string(days_left(endpoint.tls->certificate->leaf.not_after, now)) + ";" +
                         std::to_string(options_.expiry_warning_days) + ":;0:;;");
            }
            if (endpoint.timings) {
                const auto& t = *endpoint.timings;
                int total = 0;
                for (const auto& step : {t.connect, t.banner, t.ehlo, t.starttls, t.handshake}) {
                    total += step.value_or(0);
                }
                perf(part, "probe_time " + where, decimal_seconds(std::chrono::milliseconds(total)) + "s;;;0;");
            }
        }
    }

    RunOutputOptions options_;
    std::vector<NagiosState> states_;
    std::vector<std::string> problems_;
    std::string last_ok_summary_;
    std::string long_text_;
    std::vector<std::string> status_perf_;
    std::vector<std::string> detail_perf_;
    std::vector<std::string> domains_;
};

}  // namespace

std::unique_ptr<RunOutput> make_nagios_output(const RunOutputOptions& options) {
    return std::make_unique<NagiosOutput>(options);
}

}  // namespace relaymetry::report::detail
