#include "relaymetry/app/check_command.hpp"

#include <algorithm>
#include <chrono>
#include <exception>
#include <ostream>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "relaymetry/io/gather.hpp"
#include "relaymetry/report/report.hpp"

namespace relaymetry::app {

namespace asio = boost::asio;

namespace {

struct Outcome {
    bool done = false;
    report::Share rendered;  // the domain's share of the output
    report::NagiosState nagios = report::NagiosState::unknown;
    bool failed = false;                             // a finding at or above --fail-on
    bool could_not_check = false;                    // the resolver did not answer (dns.resolver-unreachable)
    std::optional<std::string> internal_error;       // an exception escaped the check: nothing to print
    std::vector<std::string> internal_probe_errors;  // probes that ended in internal-error (printed too)
};

// Shared by the workers and the progress redraws; lives on run_check's stack for the whole
// io_context::run().
struct Run {
    Run(const CheckRun& run_config, asio::io_context& io, std::ostream& out_stream, std::ostream& err)
        : config(&run_config),
          settings(std::make_shared<const CollectSettings>(run_config.settings)),
          outcomes(run_config.domains.size()),
          out(&out_stream),
          output(report::make_run_output(run_config.output)),
          progress(err, run_config.progress, std::chrono::steady_clock::now()),
          redraw_timer(io) {}

    const CheckRun* config;
    std::shared_ptr<const CollectSettings> settings;
    std::vector<Outcome> outcomes;
    std::size_t next_to_start = 0;
    std::size_t next_to_print = 0;
    std::size_t done = 0;
    std::size_t failing = 0;
    std::ostream* out;
    std::unique_ptr<report::RunOutput> output;
    ProgressLine progress;            // owns stderr during the run: every diagnostic goes through it
    asio::steady_timer redraw_timer;  // cancelled when the workers are done
    bool checking = true;
    bool resolver_reported = false;  // the one stderr line about an unreachable resolver

    ProgressCounts counts() const { return {done, outcomes.size(), failing}; }

    // Prints every finished result that has no unfinished one before it.
    void flush() {
        // On a terminal shared with stdout a result would begin where the live line ends.
        const bool hide = config->out_shares_screen && next_to_print < outcomes.size() && outcomes[next_to_print].done;
        if (hide) {
            progress.hide();
        }
        while (next_to_print < outcomes.size() && outcomes[next_to_print].done) {
            auto& outcome = outcomes[next_to_print];
            const auto& domain = config->domains[next_to_print];
            if (outcome.internal_error) {
                progress.write_line("relaymetry: " + domain +
                                    ": internal error: " + report::escape_untrusted(*outcome.internal_error) + '\n');
            }
            *out << output->print(std::move(outcome.rendered)) << std::flush;
            for (const auto& error : outcome.internal_probe_errors) {
                progress.write_line("relaymetry: " + domain + ": internal error (a bug, not the server's fault): " +
                                    report::escape_untrusted(error) + '\n');
            }
            // Printed results are dropped, so memory stays flat however many domains follow.
            outcomes[next_to_print].rendered = report::Share();
            ++next_to_print;
        }
        if (hide) {
            progress.show(counts(), std::chrono::steady_clock::now());
        }
    }
};

// Where a probe or fetch ended in internal-error: "mail.example.com:465 [192.0.2.1]: internal error: ...".
std::vector<std::string> internal_errors(const DomainFacts& facts) {
    std::vector<std::string> errors;
    const auto note = [&](const std::vector<Endpoint>& endpoints) {
        for (const auto& endpoint : endpoints) {
            for (const auto& probe : endpoint.addresses) {
                if (probe.status == ProbeStatus::internal_error) {
                    errors.push_back(to_string(Target::at_address(endpoint.host, endpoint.port, probe.address)) + ": " +
                                     probe.error.value_or("internal error"));
                }
            }
        }
    };
    if (facts.submission) {
        note(facts.submission->endpoints);
    }
    if (facts.mx) {
        note(facts.mx->probes);
    }
    if (facts.mta_sts && facts.mta_sts->policy && facts.mta_sts->policy->status == PolicyFetchStatus::internal_error) {
        errors.push_back(facts.mta_sts->policy->url + ": " + facts.mta_sts->policy->error.value_or("internal error"));
    }
    return errors;
}

asio::awaitable<void> check_one(Run* run, std::size_t index) {
    auto& outcome = run->outcomes[index];
    const auto& domain = run->config->domains[index];
    try {
        auto* state = run->config->state.get();
        auto previous = state != nullptr ? state->take_previous(domain) : std::nullopt;
        auto facts = co_await collect(domain, run->settings, std::move(previous));
        rules::settle(facts);
        auto findings = rules::evaluate(facts, run->config->rule_options);
        outcome.internal_probe_errors = internal_errors(facts);
        // A check with an internal error keeps the domain's old entry: it saw less than it should have.
        if (state != nullptr && outcome.internal_probe_errors.empty()) {
            state->record(rules::snapshot(facts));
        }
        outcome.could_not_check = resolver_unreachable(facts.dns);
        if (outcome.could_not_check && !run->resolver_reported) {
            run->resolver_reported = true;
            run->progress.write_line(
                "relaymetry: the resolver " + report::escape_untrusted(resolvers_text(facts.dns)) +
                " did not answer any lookup: domains checked through it could not be checked " +
                (run->config->output.format == report::Format::nagios ? "(UNKNOWN)\n" : "(exit code 4)\n"));
        }
        if (facts.mx && facts.mx->egress_blocked && run->settings->egress->take_announcement()) {
            run->progress.write_line("relaymetry: " + report::escape_untrusted(*facts.mx->egress_blocked) +
                                     "; the MX probes are inconclusive, not the domains' fault (mx.probe-blocked)\n");
        }
        std::erase_if(findings, [&](const Finding& finding) { return run->config->gate.ignored(finding); });
        outcome.failed = run->config->gate.fails(findings);
        outcome.nagios = outcome.could_not_check ? report::NagiosState::unknown
                                                 : report::nagios_state(findings, run->config->output.nagios);
        outcome.rendered = run->output->render({domain, &facts, &findings, outcome.could_not_check, std::nullopt});
    } catch (const std::exception& error) {
        outcome.internal_error = error.what();
    }
    if (outcome.internal_error) {
        outcome.nagios = report::NagiosState::unknown;
        outcome.rendered = run->output->render({domain, nullptr, nullptr, false, outcome.internal_error});
    }
    outcome.done = true;
    ++run->done;
    run->failing += outcome.failed ? 1 : 0;
    run->flush();
}

// Connections waiting at one address beyond which no new domain starts: every waiting connection
// spends its domain's --timeout, so a run far ahead of what its politeness limits let through would
// turn into not-probed results instead of finishing later.
constexpr std::size_t k_max_backlog = 16;
constexpr auto k_backlog_poll = std::chrono::milliseconds(20);

asio::awaitable<void> wait_for_backlog(Run* run) {
    const auto& prober = run->settings->prober;
    if (!prober || prober->backlog() <= k_max_backlog) {
        co_return;
    }
    asio::steady_timer timer(co_await asio::this_coro::executor);
    while (prober->backlog() > k_max_backlog) {
        timer.expires_after(k_backlog_poll);
        co_await timer.async_wait(asio::use_awaitable);
    }
}

// One of --parallel workers: takes the next domain until none is left.
asio::awaitable<void> worker(Run* run) {
    while (run->next_to_start < run->outcomes.size()) {
        co_await wait_for_backlog(run);
        if (run->next_to_start >= run->outcomes.size()) {
            break;
        }
        co_await check_one(run, run->next_to_start++);
    }
}

// Redraws the progress line (ProgressLine decides whether a redraw is due) until the workers are
// done. Their completion cancels the wait, and the loop's condition covers a completion that comes
// while this is not waiting, so the timer never keeps io_context::run() going after the results.
asio::awaitable<void> redraw_progress(Run* run) {
    while (run->checking) {
        run->progress.update(run->counts(), std::chrono::steady_clock::now());
        run->redraw_timer.expires_after(ProgressLine::interval(run->progress.style()));
        boost::system::error_code cancelled;
        co_await run->redraw_timer.async_wait(asio::redirect_error(asio::use_awaitable, cancelled));
    }
}

}  // namespace

CheckResult run_check(CheckRun config, std::ostream& out, std::ostream& err) {
    asio::io_context io(1);
    Run run(config, io, out, err);
    out << run.output->begin() << std::flush;

    std::vector<asio::awaitable<void>> workers;
    const auto count = std::min(std::max<std::size_t>(config.parallel, 1), config.domains.size());
    for (std::size_t i = 0; i < count; ++i) {
        workers.push_back(worker(&run));
    }
    std::exception_ptr escaped;
    const auto record = [&escaped](std::exception_ptr error) {
        if (error && !escaped) {
            escaped = error;
        }
    };
    asio::co_spawn(io, io::gather(std::move(workers)), [&](std::exception_ptr error) {
        record(error);
        run.checking = false;
        run.redraw_timer.cancel();
        // The live line leaves the screen, the plain one gets its final count.
        run.progress.finish(run.counts(), std::chrono::steady_clock::now());
    });
    if (config.progress != ProgressStyle::off) {
        asio::co_spawn(io, redraw_progress(&run), record);
    }
    // Until the last domain is done. Then only the probes' goodbyes are left: QUIT, and the wait for
    // the server's 221 and close, which spares the server an overlap only while this run may connect
    // again. The handlers that are ready still run, so every QUIT is sent; the waits are abandoned and
    // their connections close with the loop, instead of keeping the process one round trip longer.
    while (run.checking && io.run_one() > 0) {
    }
    io.poll();
    out << run.output->end(config.input_errors) << std::flush;

    ExitCode code = ExitCode::ok;
    if (escaped) {
        try {
            std::rethrow_exception(escaped);
        } catch (const std::exception& error) {
            err << "relaymetry: internal error: " << report::escape_untrusted(error.what()) << '\n';
        }
        code = ExitCode::internal;
    }
    std::vector<report::NagiosState> states;
    for (const auto& outcome : run.outcomes) {
        states.push_back(outcome.done && outcome.internal_probe_errors.empty() ? outcome.nagios
                                                                               : report::NagiosState::unknown);
        if (outcome.internal_error || !outcome.done || !outcome.internal_probe_errors.empty()) {
            code = worst(code, ExitCode::internal);
        } else if (outcome.could_not_check) {
            code = worst(code, ExitCode::could_not_check);
        } else if (outcome.failed) {
            code = worst(code, ExitCode::findings);
        }
    }
    if (config.state) {
        std::string error;
        if (!config.state->commit(error)) {
            err << "relaymetry: --state: " << report::escape_untrusted(error) << '\n';
            code = worst(code, ExitCode::usage);
        }
    }
    const auto nagios =
        escaped ? report::NagiosState::unknown : report::run_state(states, !config.input_errors.empty());
    return {code, nagios};
}

}  // namespace relaymetry::app
