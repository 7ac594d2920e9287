// The submission probe (RFC 8314 implicit TLS on 465, RFC 3207 STARTTLS on 587): one main session per
// address, the TLS version tests beside it, and the extra handshakes that explain a failure, each on a
// fresh connection. Through the run's probe cache, each service identity is probed once per run.
#include "relaymetry/probe/submission_probe.hpp"

#include <algorithm>
#include <cassert>
#include <tuple>

#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/system/system_error.hpp>

#include "legacy_versions.hpp"
#include "relaymetry/io/gather.hpp"
#include "relaymetry/io/net_error.hpp"
#include "relaymetry/io/single_flight.hpp"
#include "relaymetry/probe/smtp_dialogue.hpp"
#include "relaymetry/probe/smtp_reply.hpp"
#include "session_steps.hpp"

namespace relaymetry::probe {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
using namespace boost::asio::experimental::awaitable_operators;
using namespace session;

// A plaintext SMTP server greets at once; waiting longer for "220" on port 465 tells nothing more.
constexpr auto k_plaintext_check_timeout = std::chrono::seconds(3);
// A probe result is reused for the rest of the run (runs last minutes, not hours).
constexpr auto k_shared_probe_lifetime = std::chrono::hours(1);
// A connection that waited this long for the run's own limits, and then met the check's deadline,
// was cut short by the run, not by the server.
constexpr auto k_queue_is_ours = std::chrono::milliseconds(500);

std::string seconds_text(Clock::duration duration) {
    const auto tenths = std::chrono::duration_cast<std::chrono::milliseconds>(duration).count() / 100;
    return std::to_string(tenths / 10) + "." + std::to_string(tenths % 10) + " s";
}

// What the probes of one run share (ProberSettings::share): one probe per service identity, one
// set of TLS version tests per service.
struct ProbeKey {
    std::string address;
    std::uint16_t port;
    Security security;
    std::string host;  // SNI: the certificate served may differ per name
    auto operator<=>(const ProbeKey&) const = default;
};
struct ServiceKey {
    std::string address;
    std::uint16_t port;
    Security security;
    auto operator<=>(const ServiceKey&) const = default;
};
// The EHLO name is the same for the whole run (--ehlo), so it needs no place in the keys.
struct SharedProbes {
    io::SingleFlight<ProbeKey, AddressProbe> probes;
    io::SingleFlight<ServiceKey, std::vector<VersionTest>> versions;
};

std::optional<std::chrono::steady_clock::duration> probe_lifetime(const AddressProbe& probe) {
    // The run's own trouble is not the server's: the next domain tries again.
    if (probe.status == ProbeStatus::not_probed || probe.status == ProbeStatus::internal_error) {
        return std::nullopt;
    }
    return k_shared_probe_lifetime;
}

std::optional<std::chrono::steady_clock::duration> versions_lifetime(const std::vector<VersionTest>& versions) {
    const bool tested = std::any_of(versions.begin(), versions.end(),
                                    [](const VersionTest& test) { return test.outcome != VersionOutcome::not_tested; });
    return tested ? std::optional<std::chrono::steady_clock::duration>(k_shared_probe_lifetime) : std::nullopt;
}

enum class MainOutcome { stopped, handshake_failed, tls_established };

struct MainResult {
    MainOutcome outcome = MainOutcome::stopped;
    boost::system::error_code handshake_error;  // when outcome is handshake_failed
    bool turned_away = false;                   // 421, too busy, plaintext on 465: worth one more try
};

// After a completed handshake: banner and EHLO (465) or EHLO again (587).
asio::awaitable<void> talk_over_tls(TlsStream& tls, const Target& target, const ProbeOptions& options,
                                    AddressProbe& probe, Step& step, Arm& arm) {
    SmtpChannel<TlsStream> channel(tls);
    const auto name = ehlo_name_for(tls.next_layer(), options);
    if (target.security == Security::implicit_tls) {
        co_await read_banner(channel, arm, probe.smtp, probe.timings_ms, step);
        const auto start = Clock::now();
        probe.smtp.ehlo = co_await say_ehlo(channel, arm, name, step);
        probe.timings_ms.ehlo = elapsed_ms(start);
        probe.smtp.requiretls_offered = offers_extension(probe.smtp.ehlo, "REQUIRETLS");
    } else {
        step = Step::after_tls;
        probe.smtp.ehlo_after_tls = co_await say_ehlo(channel, arm, name, step);
        probe.smtp.requiretls_offered = offers_extension(probe.smtp.ehlo_after_tls, "REQUIRETLS");
    }
}

// The main session: connect, (SMTP up to STARTTLS,) modern handshake, SMTP over TLS, QUIT.
asio::awaitable<MainResult> main_session(const Target& target, const ProbeOptions& options, AddressProbe& probe) {
    auto step = Step::connect;
    MainResult result;
    try {
        const auto asked = Clock::now();
        auto slot = co_await take_slot(target, options);
        const auto queued = Clock::now() - asked;
        auto armed_at = Clock::now();
        try {
            auto stream = co_await open_for_tls(target, options, probe.smtp, probe.timings_ms, step);
            step = Step::handshake;
            armed_at = Clock::now();
            auto tls = co_await handshake(std::move(stream), options.tls->get(HandshakeProfile::modern), target.host,
                                          options.deadline, 0);
            probe.timings_ms.handshake = elapsed_ms(armed_at);
            probe.tls = inspect_session(tls.native_handle(), target.host, options.now);
            step = Step::after_tls;
            Arm arm{&tls.next_layer(), options.deadline, &step};
            try {
                co_await talk_over_tls(tls, target, options, probe, step, arm);
            } catch (const boost::system::system_error&) {
                armed_at = arm.armed_at;
                throw;
            }
            probe.status = ProbeStatus::ok;
            probe.error.reset();
            leave_in_background(std::move(tls), std::move(slot));
        } catch (const ProbeFailure& failure) {
            probe.status = failure.status();
            probe.error = failure.what();
            result.turned_away = failure.status() == ProbeStatus::inconclusive;
        } catch (const boost::system::system_error& failure) {
            probe.status = classify(failure.code(), step);
            probe.error = describe(failure.code(), step);
            const bool timed_out = io::classify(failure.code()).kind == NetErrorKind::timeout;
            if (timed_out && step != Step::connect) {
                probe.error = silence_text(step, target.security, Clock::now() - armed_at);
            }
            if (timed_out && queued >= k_queue_is_ours && Clock::now() >= options.deadline) {
                // The check's time ran out in a session the run's own limits had started late: that
                // says nothing about the server (docs/cli.md "Politeness").
                probe.status = ProbeStatus::not_probed;
                probe.error = "not probed to the end: the run's connection limits delayed this connection by " +
                              seconds_text(queued) + ", and the check's deadline came " + std::string(step_name(step));
            }
            // On 465 a server that turns us away says so before TLS: plaintext (Exim's 421), or a close
            // that only counts as push-back when another of our connections was open.
            const bool implicit_handshake = step == Step::handshake && target.security == Security::implicit_tls;
            result.turned_away = probe.status == ProbeStatus::inconclusive ||
                                 (implicit_handshake && (looks_like_plaintext(failure.code()) ||
                                                         (slot.overlapped() && may_be_turned_away(failure.code()))));
            if (step == Step::handshake && probe.status == ProbeStatus::tls_failed && !timed_out) {
                result.outcome = MainOutcome::handshake_failed;
                result.handshake_error = failure.code();
                probe.error = "TLS handshake failed: " + error_text(failure.code());
            }
        }
    } catch (const ProbeFailure& failure) {
        probe.status = failure.status();  // no slot before the deadline: not probed
        probe.error = failure.what();
    }
    if (probe.tls) {
        result.outcome = MainOutcome::tls_established;
    }
    co_return result;
}

// The main session, and once more, alone, when the server turned it away (servers that count a
// client's connections per address, across ports, or a moment after they closed).
asio::awaitable<MainResult> main_session_politely(const Target& target, const ProbeOptions& options,
                                                  AddressProbe& probe) {
    auto result = co_await main_session(target, options, probe);
    if (!result.turned_away) {
        co_return result;
    }
    options.limiter->one_at_a_time(target.address);
    AddressProbe again;
    again.address = probe.address;
    probe = std::move(again);
    co_return co_await main_session(target, options, probe);
}

// What one extra connection learned.
struct ExtraResult {
    std::optional<TlsFacts> tls;
    std::optional<std::string> plaintext_banner;  // port 465 greeted in plaintext
    std::optional<std::string> turned_away;       // port 465 answered "421 ..." in plaintext
};

// The diagnostic handshake on a fresh connection (for STARTTLS, a fresh session up to STARTTLS).
// Failures are the expected answer here, so they only leave `tls` empty.
asio::awaitable<ExtraResult> diagnostic_handshake(Target target, ProbeOptions options) {
    ExtraResult result;
    try {
        auto slot = co_await take_slot(target, options);
        SmtpFacts facts;
        StepTimings timings;
        auto step = Step::connect;
        auto stream = co_await open_for_tls(target, options, facts, timings, step);
        auto tls = co_await handshake(std::move(stream), options.tls->get(HandshakeProfile::diagnostic), target.host,
                                      options.deadline, 0);
        result.tls = inspect_session(tls.native_handle(), target.host, options.now);
        leave_in_background(std::move(tls), std::move(slot));
    } catch (const ProbeFailure&) {
        // Turned away, or no slot before the deadline: this probe's answer is "no".
    } catch (const boost::system::system_error&) {
        // A refused or broken handshake is this probe's answer "no": `tls` stays empty.
    }
    co_return result;
}

// Port 465 after a failed handshake: does a fresh connection greet in plaintext ("220 ...")?
asio::awaitable<ExtraResult> plaintext_check(Target target, ProbeOptions options) {
    ExtraResult result;
    try {
        auto slot = co_await take_slot(target, options);
        StepTimings timings;
        auto step = Step::connect;
        auto stream = co_await connect(target, options, timings, step);
        Arm{&stream, options.deadline, nullptr, k_plaintext_check_timeout}();
        SmtpChannel<beast::tcp_stream> channel(stream);
        const auto reply = co_await channel.read_reply();
        if (reply.code == 220 && !says_too_busy(reply)) {
            result.plaintext_banner = reply.text();
            co_await channel.try_send("QUIT");
        } else if (reply.code == 421 || says_too_busy(reply)) {
            result.turned_away = std::to_string(reply.code) + " " + reply.text();
        }
    } catch (const ProbeFailure&) {
        // Not SMTP: the port is not speaking plaintext SMTP.
    } catch (const boost::system::system_error&) {
        // No greeting: likewise.
    }
    co_return result;
}

std::string explain_diagnostic(const TlsFacts& diagnostic, const std::string& modern_error) {
    const std::string version = diagnostic.version ? std::string(to_string(*diagnostic.version)) : "an unknown version";
    if (diagnostic.version && is_deprecated(*diagnostic.version)) {
        return "the server only speaks " + version + ", which current clients refuse (RFC 8996)";
    }
    return "a current client cannot complete the handshake (" + modern_error +
           "); it succeeds only at a lowered security level, with " + version + " " + diagnostic.cipher;
}

// The modern handshake failed: is it the server's TLS versions, plaintext on 465, or just broken?
asio::awaitable<void> diagnose(const Target& target, const ProbeOptions& options, AddressProbe& probe,
                               boost::system::error_code handshake_error) {
    std::vector<asio::awaitable<ExtraResult>> tasks;
    tasks.push_back(diagnostic_handshake(target, options));
    if (target.security == Security::implicit_tls && looks_like_plaintext(handshake_error)) {
        tasks.push_back(plaintext_check(target, options));
    }
    auto results = co_await io::gather(std::move(tasks));
    if (results.size() > 1 && results[1].turned_away) {
        probe.status = ProbeStatus::inconclusive;
        probe.error = "the server turned the probe away with " + *results[1].turned_away +
                      " (in plaintext, where the TLS handshake was due)";
        co_return;
    }
    if (results.size() > 1 && results[1].plaintext_banner) {
        probe.smtp.plaintext_on_implicit_port = true;
        probe.smtp.banner = *results[1].plaintext_banner;
        probe.error = "port " + std::to_string(target.port) + " answered in plaintext";
        co_return;
    }
    if (results[0].tls) {
        const auto modern_error = probe.error.value_or("handshake failed");
        probe.tls = std::move(results[0].tls);
        probe.tls->modern_client_failed = true;
        probe.error = explain_diagnostic(*probe.tls, modern_error);
    }
}

// The versions the probe tested, ascending: the legacy tests, and what the main (or diagnostic)
// session negotiated; a handshake that settled on a deprecated version also proves it accepted.
void record_versions(TlsFacts& tls, std::vector<VersionTest> legacy) {
    auto& versions = tls.versions;
    versions = std::move(legacy);
    if (tls.version) {
        auto found = std::find_if(versions.begin(), versions.end(),
                                  [&](const VersionTest& test) { return test.version == *tls.version; });
        if (found == versions.end()) {
            versions.push_back({*tls.version, VersionOutcome::accepted, ""});
        } else {
            *found = {*tls.version, VersionOutcome::accepted, ""};
        }
    }
    if (tls.version == TlsVersion::tls1_2 && !tls.modern_client_failed) {
        versions.push_back({TlsVersion::tls1_3, VersionOutcome::refused, "a client offering TLS 1.2-1.3 got TLS 1.2"});
    }
    std::sort(versions.begin(), versions.end(),
              [](const VersionTest& a, const VersionTest& b) { return a.version < b.version; });
    tls.legacy_versions_accepted.clear();
    for (const auto& test : versions) {
        if (is_deprecated(test.version) && test.outcome == VersionOutcome::accepted) {
            tls.legacy_versions_accepted.push_back(test.version);
        }
    }
}

asio::awaitable<std::vector<VersionTest>> shared_versions(Target target, ProbeOptions options, SharedProbes* shared) {
    if (shared == nullptr) {
        co_return co_await test_legacy_versions(std::move(target), std::move(options));
    }
    ServiceKey key{target.address, target.port, target.security};
    const auto deadline = options.deadline;
    auto work = test_legacy_versions(target, options);
    auto result = co_await shared->versions.run(std::move(key), std::move(work), deadline);
    if (result) {
        co_return std::move(result->value);
    }
    const std::string why = "the run's test of this service (for another domain) had not finished by the deadline";
    co_return std::vector<VersionTest>{{TlsVersion::tls1_0, VersionOutcome::not_tested, why},
                                       {TlsVersion::tls1_1, VersionOutcome::not_tested, why}};
}

// The main session and the version tests need nothing from each other, so they start together: the
// tests add no time to the check of a server that refuses TLS 1.0/1.1.
asio::awaitable<AddressProbe> probe_address(Target target, ProbeOptions options, SharedProbes* shared) {
    AddressProbe probe;
    probe.address = target.address;
    try {
        auto [main, legacy] =
            co_await (main_session_politely(target, options, probe) && shared_versions(target, options, shared));
        if (main.outcome == MainOutcome::handshake_failed) {
            co_await diagnose(target, options, probe, main.handshake_error);
        }
        if (probe.tls) {
            record_versions(*probe.tls, std::move(legacy));
        }
    } catch (const std::exception& trouble) {
        // Not the network's doing (that is handled above): a bug of ours, never the server's fault.
        probe.status = ProbeStatus::internal_error;
        probe.error = std::string("internal error: ") + trouble.what();
    }
    co_return probe;
}

asio::awaitable<AddressProbe> shared_probe(Target target, ProbeOptions options, SharedProbes* shared) {
    if (shared == nullptr) {
        co_return co_await probe_address(std::move(target), std::move(options), nullptr);
    }
    ProbeKey key{target.address, target.port, target.security, target.host};
    const auto deadline = options.deadline;
    auto work = probe_address(target, options, shared);
    auto result = co_await shared->probes.run(std::move(key), std::move(work), deadline);
    if (result) {
        result->value.shared = result->shared;
        co_return std::move(result->value);
    }
    AddressProbe probe;
    probe.address = target.address;
    probe.status = ProbeStatus::not_probed;
    probe.error = "the run's probe of this server (for another domain) had not finished by this check's deadline";
    co_return probe;
}

asio::awaitable<std::vector<AddressProbe>> probe_all(Endpoint endpoint, ProbeOptions options, SharedProbes* shared) {
    assert(options.tls != nullptr);
    if (!options.limiter) {
        options.limiter = make_connection_limiter();
    }
    std::vector<asio::awaitable<AddressProbe>> tasks;
    if (const auto destination = redirect(options.connect_to, endpoint.host, endpoint.port)) {
        const auto port = destination->port != 0 ? destination->port : endpoint.port;
        tasks.push_back(
            shared_probe(Target{endpoint.host, destination->address, port, endpoint.security}, options, shared));
    } else {
        for (const auto& address : endpoint.resolution.addresses) {
            tasks.push_back(
                shared_probe(Target{endpoint.host, address, endpoint.port, endpoint.security}, options, shared));
        }
    }
    co_return co_await io::gather(std::move(tasks));
}

class RealSubmissionProber : public SubmissionProber {
public:
    explicit RealSubmissionProber(ProberSettings settings)
        : m_settings(std::move(settings)),
          m_shared{{k_max_shared_probes, probe_lifetime}, {k_max_shared_probes, versions_lifetime}} {}

    asio::awaitable<std::vector<AddressProbe>> probe(Endpoint endpoint, CheckTime time) override {
        ProbeOptions options;
        options.tls = m_settings.tls;
        options.limiter = m_settings.limiter;
        options.ehlo_name = m_settings.ehlo_name;
        options.connect_to = m_settings.connect_to;
        options.deadline = time.deadline;
        options.now = time.now;
        auto probes =
            co_await probe_all(std::move(endpoint), std::move(options), m_settings.share ? &m_shared : nullptr);
        co_return probes;
    }

    std::size_t backlog() const override { return m_settings.limiter->longest_queue(); }

private:
    ProberSettings m_settings;
    SharedProbes m_shared;
};

}  // namespace

asio::awaitable<std::vector<AddressProbe>> probe_endpoint(Endpoint endpoint, ProbeOptions options) {
    co_return co_await probe_all(std::move(endpoint), std::move(options), nullptr);
}

std::shared_ptr<SubmissionProber> make_submission_prober(ProberSettings settings) {
    if (!settings.limiter) {
        settings.limiter = make_connection_limiter();
    }
    return std::make_shared<RealSubmissionProber>(std::move(settings));
}

}  // namespace relaymetry::probe
