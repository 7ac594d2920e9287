// The command line: the only user of CLI11. Parses, validates every input (one clear line per bad
// input, exit 2, the other inputs still processed), then hands a plain config to a command.
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>

#include <unistd.h>

#include <CLI/CLI.hpp>

#include "relaymetry/app/check_command.hpp"
#include "relaymetry/app/domain_input.hpp"
#include "relaymetry/app/lint_command.hpp"
#include "relaymetry/app/main.hpp"
#include "relaymetry/app/progress.hpp"
#include "relaymetry/app/shard.hpp"
#include "relaymetry/report/report.hpp"
#include "relaymetry/rules/rules.hpp"

namespace relaymetry::app {

namespace {

constexpr std::size_t k_max_domain_file_bytes = 64 * 1024 * 1024;

struct ColorChoice {
    std::string mode = "auto";

    bool resolve() const {
        if (mode == "always") {
            return true;
        }
        if (mode == "never") {
            return false;
        }
        // https://no-color.org: a NO_COLOR that is present and not empty turns colour off.
        const char* no_color = std::getenv("NO_COLOR");
        return isatty(STDOUT_FILENO) && (no_color == nullptr || *no_color == '\0');
    }
};

// Options shared by check and lint.
struct OutputOptions {
    bool json = false;
    std::string format;  // empty = text, or json with --json
    ColorChoice color;
    std::string fail_on = "error";
    std::vector<std::string> ignore;
};

// The values of --fail-on, --warning-on and --critical-on.
const std::vector<std::string> k_thresholds{"error", "warning", "notice", "never"};
constexpr auto k_check_formats = {"text", "json", "nagios", "prometheus", "junit"};
constexpr auto k_lint_formats = {"text", "json", "junit"};

void add_output_options(CLI::App& command, OutputOptions& options, std::initializer_list<const char*> formats) {
    command.add_flag("--json", options.json, "Machine output: one JSON object per line (JSON Lines); = --format json");
    std::string names;
    for (const auto* name : formats) {
        names += (names.empty() ? "" : ", ") + std::string(name);
    }
    command.add_option("--format", options.format, "Output format: " + names + " (docs/formats.md)")
        ->check(CLI::IsMember(std::vector<std::string>(formats.begin(), formats.end())));
    command
        .add_option("--color", options.color.mode, "Colour in text output: auto (TTY and no NO_COLOR), always, never")
        ->check(CLI::IsMember({"auto", "always", "never"}));
    command
        .add_option("--fail-on", options.fail_on,
                    "Lowest severity that makes the exit code 1: error, warning, notice, never")
        ->check(CLI::IsMember(k_thresholds));
    command
        .add_option("--ignore", options.ignore,
                    "Drop findings with these rule IDs (comma-separated; 'area.*' drops an area)")
        ->delimiter(',')
        ->allow_extra_args(false);
}

std::optional<Severity> threshold(const std::string& name) {
    return name == "never" ? std::nullopt : parse_severity(name);
}

// Unknown IDs in --ignore are typos that would silently keep a CI job red (or green): refuse them.
bool make_gate(const OutputOptions& options, Gate& gate, std::ostream& err) {
    gate.fail_on = threshold(options.fail_on);
    bool ok = true;
    for (const auto& id : options.ignore) {
        bool known = rules::find_rule(id) != nullptr;
        if (!known && id.size() > 2 && id.ends_with(".*")) {
            const auto prefix = id.substr(0, id.size() - 1);
            for (const auto& rule : rules::catalog()) {
                known = known || rule.id.starts_with(prefix);
            }
        }
        if (!known) {
            err << "relaymetry: --ignore " << report::escape_untrusted(id)
                << ": no such rule ID (see `relaymetry rules`)\n";
            ok = false;
        }
        gate.ignore.push_back(id);
    }
    return ok;
}

// --json is --format json; with another --format it is a contradiction.
std::optional<report::Format> output_format(const OutputOptions& options, std::ostream& err) {
    if (options.json && !options.format.empty() && options.format != "json") {
        err << "relaymetry: --json and --format " << report::escape_untrusted(options.format)
            << ": choose one output format\n";
        return std::nullopt;
    }
    return options.json ? report::Format::json : report::parse_format(options.format).value_or(report::Format::text);
}

report::TextOptions text_options(const OutputOptions& options, bool timings) {
    return report::TextOptions{options.color.resolve(), timings};
}

bool parse_areas(const std::vector<std::string>& only, Areas& areas, std::ostream& err) {
    if (only.empty()) {
        return true;
    }
    areas = Areas{false, false, false, false};
    bool ok = true;
    for (const auto& area : only) {
        if (area == "submission") {
            areas.submission = true;
        } else if (area == "mta-sts") {
            areas.mta_sts = true;
        } else if (area == "tls-rpt") {
            areas.tls_rpt = true;
        } else if (area == "mx") {
            areas.mx = true;
        } else {
            err << "relaymetry: --only " << report::escape_untrusted(area)
                << ": unknown area; use submission, mx, mta-sts or tls-rpt\n";
            ok = false;
        }
    }
    return ok;
}

// Reads `check -f FILE` ('-' = stdin). Bad lines are reported as FILE:LINE: reason.
bool read_domain_file(const std::string& path, std::vector<std::string>& domains, std::ostream& err) {
    std::string content;
    if (path == "-") {
        std::ostringstream buffer;
        buffer << std::cin.rdbuf();
        content = buffer.str();
    } else {
        std::ifstream file(path, std::ios::binary);
        if (!file) {
            err << "relaymetry: " << report::escape_untrusted(path) << ": cannot open the domain file\n";
            return false;
        }
        std::ostringstream buffer;
        buffer << file.rdbuf();
        content = buffer.str();
    }
    if (content.size() > k_max_domain_file_bytes) {
        err << "relaymetry: " << report::escape_untrusted(path) << ": larger than 64 MiB\n";
        return false;
    }
    bool ok = true;
    for (const auto& line : parse_domain_list(content)) {
        if (line.domain) {
            domains.push_back(*line.domain);
        } else {
            err << report::escape_untrusted(path == "-" ? "<stdin>" : path) << ':' << line.line << ": "
                << report::escape_untrusted(line.text) << ": " << report::escape_untrusted(line.domain.error()) << '\n';
            ok = false;
        }
    }
    return ok;
}

struct CheckArgs {
    std::vector<std::string> domains;
    std::string file;
    OutputOptions output;
    std::vector<std::string> dns;
    std::vector<std::string> connect_to;
    std::string ca_file;
    double timeout = std::chrono::duration<double>(k_default_timeout).count();
    std::vector<std::string> only;
    int expiry_warning = k_default_expiry_warning_days;
    std::size_t parallel = k_default_parallel;
    std::string ehlo;
    bool no_share = false;
    bool mx_probe = false;
    std::string state;  // --state FILE
    bool state_reset = false;
    double connect_rate = probe::ConnectionLimits{}.rate_per_second;
    bool timings = false;
    std::string progress = "auto";
    std::string shard;  // K/N, empty = every domain
    std::string warning_on = "warning";
    std::string critical_on = "error";
};

// Everything `check` needs that is not run state: the TLS contexts the prober points into.
struct CheckSetup {
    CheckRun run;
    std::unique_ptr<probe::TlsContexts> tls;
    bool inputs_ok = true;  // some inputs were refused; the others are checked
};

// Validates every input into `setup`; a problem that stops the whole command returns usage.
// Each refused input is one line on `err`.
std::optional<ExitCode> prepare_check(const CheckArgs& args, CheckSetup& setup, std::ostream& err) {
    auto& run = setup.run;
    auto& inputs_ok = setup.inputs_ok;
    for (const auto& input : args.domains) {
        auto domain = normalize_domain(input);
        if (domain) {
            run.domains.push_back(*domain);
        } else {
            err << "relaymetry: '" << report::escape_untrusted(input)
                << "': " << report::escape_untrusted(domain.error()) << '\n';
            inputs_ok = false;
        }
    }
    if (!args.file.empty()) {
        inputs_ok = read_domain_file(args.file, run.domains, err) && inputs_ok;
    }
    const auto format = output_format(args.output, err);
    if (!format) {
        return ExitCode::usage;
    }
    Shard shard;
    if (!args.shard.empty()) {
        auto parsed = parse_shard(args.shard);
        if (!parsed) {
            err << "relaymetry: --shard " << report::escape_untrusted(args.shard) << ": "
                << report::escape_untrusted(parsed.error()) << '\n';
            return ExitCode::usage;
        }
        shard = *parsed;
    }
    for (const auto& server : args.dns) {
        if (auto problem = dns::validate_server(server)) {
            err << "relaymetry: --dns " << report::escape_untrusted(server) << ": "
                << report::escape_untrusted(*problem) << '\n';
            return ExitCode::usage;
        }
    }
    dns::ResolverConfig resolver_config;
    resolver_config.servers = args.dns;
    probe::ProberSettings prober;
    for (const auto& text : args.connect_to) {
        auto rule = probe::parse_connect_to(text);
        if (!rule) {
            err << "relaymetry: --connect-to " << report::escape_untrusted(text) << ": "
                << report::escape_untrusted(rule.error()) << '\n';
            return ExitCode::usage;
        }
        prober.connect_to.push_back(*rule);
    }
    if (!parse_areas(args.only, run.settings.areas, err) || !make_gate(args.output, run.gate, err)) {
        return ExitCode::usage;
    }
    auto& tls = setup.tls;
    try {
        probe::TlsClientOptions tls_options;
        if (!args.ca_file.empty()) {
            tls_options.ca_file = args.ca_file;
        }
        tls = std::make_unique<probe::TlsContexts>(tls_options);
    } catch (const std::exception& error) {
        err << "relaymetry: --ca-file " << report::escape_untrusted(args.ca_file) << ": "
            << report::escape_untrusted(error.what()) << '\n';
        return ExitCode::usage;
    }
    prober.tls = tls.get();
    if (args.connect_rate < 0) {
        err << "relaymetry: --connect-rate " << args.connect_rate << ": must be 0 (no limit) or more\n";
        return ExitCode::usage;
    }
    probe::ConnectionLimits limits;
    limits.rate_per_second = args.connect_rate;
    prober.limiter = probe::make_connection_limiter(limits);
    prober.share = !args.no_share;
    if (!args.ehlo.empty()) {
        prober.ehlo_name = args.ehlo;
    }
    run.settings.resolvers = dns::make_cares_resolver_factory(std::move(resolver_config));
    if (!args.no_share) {
        run.settings.resolvers = dns::make_shared_resolver_factory(std::move(run.settings.resolvers));
    }
    run.settings.fetcher = probe::make_policy_fetcher(tls.get(), prober.connect_to);
    run.settings.prober = probe::make_submission_prober(std::move(prober));
    run.settings.timeout = std::chrono::milliseconds(static_cast<long long>(args.timeout * 1000));
    // The MX probe serves the mx area, and the MTA-STS judgement of the MX hosts' certificates.
    run.settings.mx_probe = args.mx_probe && (run.settings.areas.mx || run.settings.areas.mta_sts);
    run.rule_options.expiry_warning_days = args.expiry_warning;
    run.output.format = *format;
    run.output.text = text_options(args.output, args.timings);
    run.output.nagios = {threshold(args.warning_on), threshold(args.critical_on)};
    run.output.fail_on = run.gate.fail_on;
    run.output.expiry_warning_days = args.expiry_warning;
    run.parallel = args.parallel;
    if (run.domains.empty() && inputs_ok) {
        err << "relaymetry: no domain to check (give DOMAIN... or -f FILE)\n";
        return ExitCode::usage;
    }
    // After the check for an empty list: a shard of a short list may rightly be empty (exit 0).
    keep_shard(run.domains, shard);
    if (args.state_reset && args.state.empty()) {
        err << "relaymetry: --state-reset: needs --state FILE\n";
        return ExitCode::usage;
    }
    if (!args.state.empty()) {
        StateProblem problem;
        run.state = StateFile::open(args.state, args.state_reset, run.domains, problem);
        if (!run.state) {
            err << "relaymetry: " << report::escape_untrusted(problem.message) << '\n';
            if (!problem.check_anyway) {
                return ExitCode::usage;
            }
            inputs_ok = false;
        }
    }
    run.progress = progress_style(args.progress, run.domains.size(), isatty(STDERR_FILENO));
    run.out_shares_screen = isatty(STDOUT_FILENO);
    return std::nullopt;
}

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> lines;
    std::istringstream stream(text);
    for (std::string line; std::getline(stream, line);) {
        lines.push_back(line);
    }
    return lines;
}

// The Monitoring Plugins convention for a plugin that could not run: one UNKNOWN status line on
// stdout (what Nagios shows), exit 3.
// `why` is already escaped.
int nagios_unknown(const std::string& why) {
    std::cout << "RELAYMETRY UNKNOWN - " << why << '\n';
    return static_cast<int>(report::NagiosState::unknown);
}

int check(const CheckArgs& args) {
    CheckSetup setup;
    std::ostringstream problems;
    const auto stopped = prepare_check(args, setup, problems);
    std::cerr << problems.str();
    auto& run = setup.run;
    const bool nagios = run.output.format == report::Format::nagios || (args.output.format == "nagios" && stopped);
    if (stopped) {
        const auto lines = lines_of(problems.str());
        return nagios ? nagios_unknown(lines.empty() ? "bad usage" : lines.front()) : static_cast<int>(*stopped);
    }
    run.input_errors = lines_of(problems.str());
    CheckResult result;
    // Nagios prints its status line even for an empty shard or a list of refused inputs.
    if (!run.domains.empty() || nagios) {
        result = run_check(std::move(run), std::cout, std::cerr);
    }
    if (nagios) {
        return static_cast<int>(result.nagios);
    }
    return static_cast<int>(setup.inputs_ok ? result.code : worst(result.code, ExitCode::usage));
}

struct LintArgs {
    std::vector<std::string> records;
    std::string file;
    std::vector<std::string> mx;
    std::string domain = "<domain>";
    OutputOptions output;
};

ExitCode lint(LintKind kind, const LintArgs& args) {
    LintRun run;
    run.kind = kind;
    run.inputs = kind == LintKind::mta_sts_policy ? std::vector<std::string>{args.file} : args.records;
    for (const auto& host : args.mx) {
        auto normalized = normalize_domain(host);
        if (!normalized) {
            std::cerr << "relaymetry: --mx '" << report::escape_untrusted(host)
                      << "': " << report::escape_untrusted(normalized.error()) << '\n';
            return ExitCode::usage;
        }
        run.mx.push_back(*normalized);
    }
    run.domain = args.domain;
    const auto format = output_format(args.output, std::cerr);
    if (!format) {
        return ExitCode::usage;
    }
    run.format = *format;
    run.text = text_options(args.output, false);
    if (!make_gate(args.output, run.gate, std::cerr)) {
        return ExitCode::usage;
    }
    return run_lint(run, std::cin, std::cout, std::cerr);
}

ExitCode list_rules(const std::string& id) {
    if (id.empty()) {
        std::cout << rules::catalog_text();
        return ExitCode::ok;
    }
    const auto* rule = rules::find_rule(id);
    if (!rule) {
        std::cerr << "relaymetry: rules " << report::escape_untrusted(id) << ": no such rule ID\n";
        return ExitCode::usage;
    }
    std::cout << rules::rule_text(*rule);
    return ExitCode::ok;
}

}  // namespace

int run(int argc, char** argv) {
    // Named, so usage lines say "relaymetry", not the path the binary was started from.
    CLI::App app{"relaymetry: how well a domain's mail is protected in transit (submission TLS, MTA-STS, TLS-RPT)",
                 "relaymetry"};
    app.set_version_flag("--version", std::string("relaymetry ") + RELAYMETRY_VERSION);
    app.require_subcommand(1);

    CheckArgs check_args;
    auto* check_cmd = app.add_subcommand("check", "Check one or more mail domains (concurrently)");
    check_cmd->add_option("domains", check_args.domains, "Domains to check");
    check_cmd->add_option("-f,--file", check_args.file, "Domains from a file, one a line ('-' = stdin, '#' comments)");
    add_output_options(*check_cmd, check_args.output, k_check_formats);
    check_cmd
        ->add_option("--warning-on", check_args.warning_on,
                     "--format nagios: lowest severity that makes the state WARNING (error, warning, notice, never)")
        ->check(CLI::IsMember(k_thresholds))
        ->capture_default_str();
    check_cmd
        ->add_option("--critical-on", check_args.critical_on,
                     "--format nagios: lowest severity that makes the state CRITICAL (error, warning, notice, never)")
        ->check(CLI::IsMember(k_thresholds))
        ->capture_default_str();
    check_cmd
        ->add_option("--dns", check_args.dns,
                     "Resolver ADDR[:PORT] instead of the system's (repeatable; IPv6 as [::1]:53)")
        ->allow_extra_args(false);
    check_cmd
        ->add_option("--connect-to", check_args.connect_to,
                     "HOST:PORT:ADDR:PORT: connect there instead (curl's semantics; repeatable)")
        ->allow_extra_args(false);
    check_cmd->add_option("--ca-file", check_args.ca_file, "Trust anchors (PEM) instead of the system store");
    check_cmd->add_option("--timeout", check_args.timeout, "Deadline in seconds for the whole check of one domain")
        ->check(CLI::Range(0.1, 3600.0));
    check_cmd->add_option("--only", check_args.only, "Restrict to areas: submission, mx, mta-sts, tls-rpt")
        ->delimiter(',')
        ->allow_extra_args(false);
    check_cmd->add_option("--expiry-warning", check_args.expiry_warning, "Warn when a certificate expires within DAYS")
        ->check(CLI::Range(0, 3650));
    check_cmd->add_option("--parallel", check_args.parallel, "How many domains are checked at once")
        ->check(CLI::Range(1, 4096));
    check_cmd->add_option("--ehlo", check_args.ehlo, "EHLO name (default: the local address literal)");
    check_cmd
        ->add_option("--connect-rate", check_args.connect_rate,
                     "New SMTP connections per second to one address, after a burst of 6 (0 = no limit)")
        ->capture_default_str();
    check_cmd->add_flag("--no-share", check_args.no_share,
                        "Probe and look up every domain's servers on their own, as if no other domain shared them");
    check_cmd->add_flag(
        "--mx-probe", check_args.mx_probe,
        "Also probe every MX host on port 25 (banner, EHLO, STARTTLS, TLS, EHLO, QUIT): off by default, "
        "many networks block port 25 (docs/cli.md)");
    check_cmd->add_option("--state", check_args.state,
                          "FILE: compare with what the previous run saw (drift.* rules), then record this run");
    check_cmd->add_flag("--state-reset", check_args.state_reset,
                        "Replace a --state file that is damaged or from another version, instead of refusing it");
    check_cmd->add_flag("--timings", check_args.timings, "Show per-step timings in the text report");
    check_cmd
        ->add_option("--progress", check_args.progress,
                     "Progress on stderr: auto (a terminal, several domains), always (plain lines), never")
        ->check(CLI::IsMember({"auto", "always", "never"}));
    check_cmd->add_option("--shard", check_args.shard, "K/N: check only shard K (0 to N-1) of N (docs/scale.md)");

    auto* lint_cmd = app.add_subcommand("lint", "Validate MTA-STS / TLS-RPT text before publishing it");
    lint_cmd->require_subcommand(1);
    LintArgs policy_args, txt_args, rpt_args;
    auto* lint_policy = lint_cmd->add_subcommand("mta-sts-policy", "Validate a policy file (RFC 8461 §3.2)");
    lint_policy->add_option("file", policy_args.file, "Policy file, '-' = stdin")->required();
    lint_policy->add_option("--mx", policy_args.mx, "An MX host the policy must cover (repeatable)")
        ->allow_extra_args(false);
    lint_policy->add_option("--domain", policy_args.domain, "The policy's domain (names the findings' targets)");
    add_output_options(*lint_policy, policy_args.output, k_lint_formats);
    auto* lint_txt = lint_cmd->add_subcommand("mta-sts-txt", "Validate the TXT record(s) at _mta-sts.<domain>");
    lint_txt->add_option("records", txt_args.records, "The record(s): several = the whole RRset")->required();
    lint_txt->add_option("--domain", txt_args.domain, "The domain (names the findings' targets)");
    add_output_options(*lint_txt, txt_args.output, k_lint_formats);
    auto* lint_rpt = lint_cmd->add_subcommand("tls-rpt", "Validate the TXT record(s) at _smtp._tls.<domain>");
    lint_rpt->add_option("records", rpt_args.records, "The record(s): several = the whole RRset")->required();
    lint_rpt->add_option("--domain", rpt_args.domain, "The domain (names the findings' targets)");
    add_output_options(*lint_rpt, rpt_args.output, k_lint_formats);

    std::string rule_id;
    auto* rules_cmd = app.add_subcommand("rules", "List the rule catalogue, or explain one rule");
    rules_cmd->add_option("id", rule_id, "A rule ID, e.g. cert.expired");

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& error) {
        // Help and version go to stdout; CLI11's errors quote the argument as typed, so they are escaped.
        std::ostringstream usage_error;
        const int code = app.exit(error, std::cout, usage_error);
        std::cerr << report::escape_untrusted_lines(usage_error.str());
        if (code != 0 && check_cmd->parsed() && check_args.output.format == "nagios") {
            return nagios_unknown(report::escape_untrusted(error.what()));
        }
        return code == 0 ? 0 : static_cast<int>(ExitCode::usage);
    }

    try {
        ExitCode code = ExitCode::ok;
        if (check_cmd->parsed()) {
            return check(check_args);
        } else if (lint_policy->parsed()) {
            code = lint(LintKind::mta_sts_policy, policy_args);
        } else if (lint_txt->parsed()) {
            code = lint(LintKind::mta_sts_txt, txt_args);
        } else if (lint_rpt->parsed()) {
            code = lint(LintKind::tls_rpt, rpt_args);
        } else if (rules_cmd->parsed()) {
            code = list_rules(rule_id);
        }
        return static_cast<int>(code);
    } catch (const std::exception& error) {
        std::cerr << "relaymetry: internal error: " << report::escape_untrusted(error.what()) << '\n';
        return static_cast<int>(ExitCode::internal);
    }
}

}  // namespace relaymetry::app
