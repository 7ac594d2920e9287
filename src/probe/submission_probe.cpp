// The submission probe (RFC 8314 implicit TLS on 465, RFC 3207 STARTTLS on 587): one main session per
// address, then the extra handshakes that explain it, each on a fresh connection.
#include "relaymetry/probe/submission_probe.hpp"

#include <algorithm>
#include <cassert>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/tcp_stream.hpp>

#include "relaymetry/io/gather.hpp"
#include "relaymetry/probe/smtp_connection_limiter.hpp"
#include "relaymetry/probe/smtp_dialogue.hpp"
#include "relaymetry/probe/smtp_reply.hpp"

namespace relaymetry::probe {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
using Clock = std::chrono::steady_clock;
using TlsStream = asio::ssl::stream<beast::tcp_stream>;
using namespace boost::asio::experimental::awaitable_operators;

// Every network step gets at most this long, and never runs past the probe's deadline.
constexpr auto k_step_timeout = std::chrono::seconds(10);
// A plaintext SMTP server greets at once; waiting longer for "220" on port 465 tells nothing more.
constexpr auto k_plaintext_check_timeout = std::chrono::seconds(3);

struct Target {
    std::string host;     // SNI and the certificate name (--connect-to never changes it)
    std::string address;  // what is connected to and reported
    std::uint16_t port = 0;
    Security security = Security::implicit_tls;
};

// Sets a stream's deadline before each step.
struct Arm {
    beast::tcp_stream* stream;
    Clock::time_point deadline;
    Clock::duration budget = k_step_timeout;

    void operator()() const { stream->expires_at(std::min(Clock::now() + budget, deadline)); }
};

// RFC 5321 §4.1.3 address literals: "[192.0.2.7]", "[IPv6:2001:db8::7]".
std::string address_literal(const asio::ip::address& address) {
    if (address.is_v6()) {
        const auto v6 = address.to_v6();
        if (v6.is_v4_mapped()) {
            return "[" + asio::ip::make_address_v4(asio::ip::v4_mapped, v6).to_string() + "]";
        }
        return "[IPv6:" + v6.to_string() + "]";
    }
    return "[" + address.to_string() + "]";
}

std::string ehlo_name(beast::tcp_stream& stream, const ProbeOptions& options) {
    if (options.ehlo_name && !options.ehlo_name->empty()) {
        return *options.ehlo_name;
    }
    boost::system::error_code error;
    const auto local = stream.socket().local_endpoint(error);
    return error ? std::string("[127.0.0.1]") : address_literal(local.address());
}

asio::awaitable<ConnectionLimiter::Slot> take_slot(const Target& target, const ProbeOptions& options) {
    auto slot = co_await options.limiter->acquire(target.address + " " + std::to_string(target.port), options.deadline);
    if (!slot) {
        throw ProbeFailure(ProbeStatus::timeout,
                           "no connection to this port could be opened before the deadline (the probe keeps at "
                           "most two at once)");
    }
    co_return std::move(*slot);
}

asio::awaitable<beast::tcp_stream> connect(const Target& target, const ProbeOptions& options, StepTimings& timings,
                                           Step& step) {
    step = Step::connect;
    boost::system::error_code error;
    const auto address = asio::ip::make_address(target.address, error);
    if (error) {
        throw ProbeFailure(ProbeStatus::protocol_error, "not an IP address: " + target.address);
    }
    beast::tcp_stream stream(co_await asio::this_coro::executor);
    Arm{&stream, options.deadline}();
    const auto start = Clock::now();
    co_await stream.async_connect(asio::ip::tcp::endpoint(address, target.port), asio::use_awaitable);
    timings.connect = elapsed_ms(start);
    co_return stream;
}

// Opens a connection and brings it to where the TLS handshake starts: right after connecting on
// the implicit-TLS port, after a 220 to STARTTLS on 587 (filling `facts` on the way).
asio::awaitable<beast::tcp_stream> open_for_tls(const Target& target, const ProbeOptions& options, SmtpFacts& facts,
                                                StepTimings& timings, Step& step) {
    auto stream = co_await connect(target, options, timings, step);
    if (target.security == Security::implicit_tls) {
        co_return stream;
    }
    Arm arm{&stream, options.deadline};
    SmtpChannel<beast::tcp_stream> channel(stream);
    co_await starttls_prelude(channel, arm, ehlo_name(stream, options), facts, timings, step);
    // Bytes that arrived after the 220 but are still in the kernel are just as suspect as those
    // the channel holds (RFC 3207 §4 / CVE-2011-0411): read them away so they never reach TLS.
    boost::system::error_code error;
    if (const auto waiting = stream.socket().available(error); !error && waiting > 0) {
        facts.data_after_starttls_reply = true;
        std::string discard(std::min<std::size_t>(waiting, k_max_session_bytes), '\0');
        co_await stream.async_read_some(asio::buffer(discard), asio::use_awaitable);
    }
    co_return stream;
}

// The TLS client handshake as `host`. `pin_version` (an OpenSSL TLS1_*_VERSION) restricts the
// offer to that single version; 0 keeps the profile's range.
asio::awaitable<TlsStream> handshake(beast::tcp_stream stream, asio::ssl::context& context, const std::string& host,
                                     Clock::time_point deadline, int pin_version) {
    TlsStream tls(std::move(stream), context);
    prepare_client(tls.native_handle(), host);
    if (pin_version != 0) {
        SSL_set_min_proto_version(tls.native_handle(), pin_version);
        SSL_set_max_proto_version(tls.native_handle(), pin_version);
    }
    Arm{&tls.next_layer(), deadline}();
    co_await tls.async_handshake(asio::ssl::stream_base::client, asio::use_awaitable);
    co_return tls;
}

// How long to wait for the server to close after QUIT, when waiting is worth it (say_goodbye).
constexpr auto k_close_timeout = std::chrono::seconds(2);

// RFC 5321 §4.1.1.10: every session ends with QUIT. The facts are complete by then, and waiting
// for the 221 and the server's close ("SHOULD", not "MUST") would put one more round trip on the
// critical path of every check, so the probe leaves at once - except when another probe waits for
// this service's connection slot: the server counts a connection until it has closed it, and the
// next one must not overlap it there.
asio::awaitable<void> say_goodbye(TlsStream& tls, const ConnectionLimiter::Slot& slot, Clock::time_point deadline) {
    SmtpChannel<TlsStream> channel(tls);
    co_await channel.try_send("QUIT");
    if (!slot.others_waiting()) {
        co_return;
    }
    Arm{&tls.next_layer(), deadline, k_close_timeout}();
    char discard[1024];
    boost::system::error_code error;
    for (std::size_t total = 0; !error && total < k_max_session_bytes;) {
        total += co_await tls.async_read_some(asio::buffer(discard), asio::redirect_error(asio::use_awaitable, error));
    }
}

enum class MainOutcome { stopped, handshake_failed, tls_established };

struct MainResult {
    MainOutcome outcome = MainOutcome::stopped;
    boost::system::error_code handshake_error;  // when outcome is handshake_failed
};

// Whether a failed handshake looks like the server sent something that is not TLS at all: OpenSSL
// reads "220 " as a record header with an impossible version or length.
bool looks_like_plaintext(const boost::system::error_code& error) {
    if (error.category() != asio::error::get_ssl_category()) {
        return false;
    }
    const auto reason = ERR_GET_REASON(static_cast<unsigned long>(error.value()));
    return reason == SSL_R_WRONG_VERSION_NUMBER || reason == SSL_R_PACKET_LENGTH_TOO_LONG;
}

// After a completed handshake: banner and EHLO (465) or EHLO again (587), then QUIT.
asio::awaitable<void> talk_over_tls(TlsStream& tls, const Target& target, const ProbeOptions& options,
                                    AddressProbe& probe, Step& step) {
    Arm arm{&tls.next_layer(), options.deadline};
    SmtpChannel<TlsStream> channel(tls);
    const auto name = ehlo_name(tls.next_layer(), options);
    if (target.security == Security::implicit_tls) {
        co_await read_banner(channel, arm, probe.smtp, probe.timings_ms, step);
        const auto start = Clock::now();
        probe.smtp.ehlo = co_await say_ehlo(channel, arm, name, step);
        probe.timings_ms.ehlo = elapsed_ms(start);
    } else {
        probe.smtp.ehlo_after_tls = co_await say_ehlo(channel, arm, name, step);
    }
}

// The main session: connect, (SMTP up to STARTTLS,) modern handshake, SMTP over TLS, QUIT.
asio::awaitable<MainResult> main_session(const Target& target, const ProbeOptions& options, AddressProbe& probe) {
    auto step = Step::connect;
    MainResult result;
    try {
        auto slot = co_await take_slot(target, options);
        auto stream = co_await open_for_tls(target, options, probe.smtp, probe.timings_ms, step);
        step = Step::handshake;
        const auto start = Clock::now();
        auto tls = co_await handshake(std::move(stream), options.tls->get(HandshakeProfile::modern), target.host,
                                      options.deadline, 0);
        probe.timings_ms.handshake = elapsed_ms(start);
        probe.tls = inspect_session(tls.native_handle(), target.host, options.now);
        step = Step::after_tls;
        co_await talk_over_tls(tls, target, options, probe, step);
        probe.status = ProbeStatus::ok;
        probe.error.reset();
        co_await say_goodbye(tls, slot, options.deadline);
    } catch (const ProbeFailure& failure) {
        probe.status = failure.status();
        probe.error = failure.what();
    } catch (const boost::system::system_error& failure) {
        probe.status = classify(failure.code(), step);
        probe.error = describe(failure.code(), step);
        if (step == Step::handshake && probe.status == ProbeStatus::tls_failed) {
            result.outcome = MainOutcome::handshake_failed;
            result.handshake_error = failure.code();
            probe.error = "TLS handshake failed: " + error_text(failure.code());
        }
    }
    if (probe.tls) {
        result.outcome = MainOutcome::tls_established;
    }
    co_return result;
}

// What one extra connection learned.
struct ExtraResult {
    std::optional<TlsFacts> tls;
    std::optional<std::string> plaintext_banner;  // port 465 greeted in plaintext
};

// A handshake with `profile` on a fresh connection (for STARTTLS, a fresh session up to STARTTLS).
// Failures are the expected answer here, so they only leave `tls` empty.
asio::awaitable<ExtraResult> extra_handshake(Target target, ProbeOptions options, HandshakeProfile profile,
                                             int pin_version) {
    ExtraResult result;
    try {
        auto slot = co_await take_slot(target, options);
        SmtpFacts facts;
        StepTimings timings;
        auto step = Step::connect;
        auto stream = co_await open_for_tls(target, options, facts, timings, step);
        auto tls = co_await handshake(std::move(stream), options.tls->get(profile), target.host, options.deadline,
                                      pin_version);
        result.tls = inspect_session(tls.native_handle(), target.host, options.now);
        co_await say_goodbye(tls, slot, options.deadline);
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
        Arm{&stream, options.deadline, k_plaintext_check_timeout}();
        SmtpChannel<beast::tcp_stream> channel(stream);
        const auto reply = co_await channel.read_reply();
        if (reply.code == 220) {
            result.plaintext_banner = reply.text();
            co_await channel.try_send("QUIT");
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
    tasks.push_back(extra_handshake(target, options, HandshakeProfile::diagnostic, 0));
    if (target.security == Security::implicit_tls && looks_like_plaintext(handshake_error)) {
        tasks.push_back(plaintext_check(target, options));
    }
    auto results = co_await io::gather(std::move(tasks));
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

void note_legacy_version(TlsFacts& tls, std::optional<TlsVersion> version) {
    auto& accepted = tls.legacy_versions_accepted;
    if (version && is_deprecated(*version) && std::find(accepted.begin(), accepted.end(), *version) == accepted.end()) {
        accepted.push_back(*version);
        std::sort(accepted.begin(), accepted.end());
    }
}

// Does the server still accept TLS 1.0 or 1.1 when a client offers nothing newer? One handshake
// offering both answers it for the version the server prefers; only when that is TLS 1.1 is a
// second, TLS 1.0-only handshake needed (a legacy server, not the fast path of a clean one).
asio::awaitable<void> complete_legacy_versions(const Target& target, const ProbeOptions& options, AddressProbe& probe,
                                               const ExtraResult& legacy) {
    if (legacy.tls) {
        note_legacy_version(*probe.tls, legacy.tls->version);
    }
    note_legacy_version(*probe.tls, probe.tls->version);  // the diagnostic handshake may have got one
    const auto& accepted = probe.tls->legacy_versions_accepted;
    if (accepted == std::vector<TlsVersion>{TlsVersion::tls1_1}) {
        const auto tls10 = co_await extra_handshake(target, options, HandshakeProfile::legacy_only, TLS1_VERSION);
        if (tls10.tls) {
            note_legacy_version(*probe.tls, tls10.tls->version);
        }
    }
}

// The main session and the legacy handshake need nothing from each other, so they start together:
// the legacy check adds no time to the check of a server that refuses TLS 1.0/1.1.
asio::awaitable<AddressProbe> probe_address(Target target, ProbeOptions options) {
    AddressProbe probe;
    probe.address = target.address;
    try {
        auto [main, legacy] = co_await (main_session(target, options, probe) &&
                                        extra_handshake(target, options, HandshakeProfile::legacy_only, 0));
        if (main.outcome == MainOutcome::handshake_failed) {
            co_await diagnose(target, options, probe, main.handshake_error);
        }
        if (probe.tls) {
            co_await complete_legacy_versions(target, options, probe, legacy);
        }
    } catch (const std::exception& trouble) {
        // Not the network's doing (that is handled above): a bug of ours, never the server's fault.
        probe.status = ProbeStatus::internal_error;
        probe.error = std::string("internal error: ") + trouble.what();
    }
    co_return probe;
}

}  // namespace

asio::awaitable<std::vector<AddressProbe>> probe_endpoint(Endpoint endpoint, ProbeOptions options) {
    assert(options.tls != nullptr);
    if (!options.limiter) {
        options.limiter = make_connection_limiter();
    }
    std::vector<asio::awaitable<AddressProbe>> tasks;
    if (const auto destination = redirect(options.connect_to, endpoint.host, endpoint.port)) {
        const auto port = destination->port != 0 ? destination->port : endpoint.port;
        tasks.push_back(probe_address(Target{endpoint.host, destination->address, port, endpoint.security}, options));
    } else {
        for (const auto& address : endpoint.resolution.addresses) {
            tasks.push_back(probe_address(Target{endpoint.host, address, endpoint.port, endpoint.security}, options));
        }
    }
    co_return co_await io::gather(std::move(tasks));
}

namespace {

class RealSubmissionProber : public SubmissionProber {
public:
    explicit RealSubmissionProber(ProberSettings settings) : m_settings(std::move(settings)) {}

    asio::awaitable<std::vector<AddressProbe>> probe(Endpoint endpoint, CheckTime time) override {
        ProbeOptions options;
        options.tls = m_settings.tls;
        options.limiter = m_settings.limiter;
        options.ehlo_name = m_settings.ehlo_name;
        options.connect_to = m_settings.connect_to;
        options.deadline = time.deadline;
        options.now = time.now;
        auto probes = co_await probe_endpoint(std::move(endpoint), std::move(options));
        co_return probes;
    }

private:
    ProberSettings m_settings;
};

}  // namespace

std::shared_ptr<SubmissionProber> make_submission_prober(ProberSettings settings) {
    if (!settings.limiter) {
        settings.limiter = make_connection_limiter();
    }
    return std::make_shared<RealSubmissionProber>(std::move(settings));
}

}  // namespace relaymetry::probe
