#pragma once
// The steps every connection of the submission probe is made of (the main session, the TLS version
// tests, the diagnostic handshakes): take a slot of the run's connection limiter, connect, bring the
// connection to where TLS starts, handshake, and leave. Internal to probe/.

#include <chrono>
#include <cstdint>
#include <string>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/system/error_code.hpp>

#include "relaymetry/core/facts.hpp"
#include "relaymetry/probe/connection_limiter.hpp"
#include "relaymetry/probe/smtp_dialogue.hpp"
#include "relaymetry/probe/submission_probe.hpp"

namespace relaymetry::probe::session {

using Clock = std::chrono::steady_clock;
using TlsStream = boost::asio::ssl::stream<boost::beast::tcp_stream>;

// Every network step gets at most this long, and never runs past the probe's deadline, except the
// wait for the greeting: RFC 5321 §4.5.3.2.1 lets a server take 5 minutes to greet, so that wait is
// bounded by the check's deadline alone (docs/cli.md "Timeouts").
inline constexpr auto k_step_timeout = std::chrono::seconds(10);

struct Target {
    std::string host;     // SNI and the certificate name (--connect-to never changes it)
    std::string address;  // what is connected to and reported
    std::uint16_t port = 0;
    Security security = Security::implicit_tls;
};

// Sets a stream's deadline before each step and remembers when the step began, so that silence can be
// reported with the time waited.
struct Arm {
    boost::beast::tcp_stream* stream;
    Clock::time_point deadline;
    const Step* step = nullptr;  // the banner wait is bounded by the deadline only
    Clock::duration budget = k_step_timeout;
    mutable Clock::time_point armed_at{};

    void operator()() const;
};

// The EHLO name: --ehlo, else the address literal of the local socket (RFC 5321 §4.1.4).
std::string ehlo_name_for(boost::beast::tcp_stream& stream, const ProbeOptions& options);

// Waits for a place in the run's limiter; ProbeFailure(not_probed) when none comes before the deadline.
boost::asio::awaitable<ConnectionLimiter::Slot> take_slot(const Target& target, const ProbeOptions& options);

boost::asio::awaitable<boost::beast::tcp_stream> connect(const Target& target, const ProbeOptions& options,
                                                         StepTimings& timings, Step& step);

// Connects and brings the connection to where the TLS handshake starts: at once on the implicit-TLS
// port, after a 220 to STARTTLS on 587 (filling `facts` on the way).
boost::asio::awaitable<boost::beast::tcp_stream> open_for_tls(const Target& target, const ProbeOptions& options,
                                                              SmtpFacts& facts, StepTimings& timings, Step& step);

// The TLS client handshake as `host`. `pin_version` (an OpenSSL TLS1_*_VERSION) restricts the offer to
// that single version; 0 keeps the context's range.
boost::asio::awaitable<TlsStream> handshake(boost::beast::tcp_stream stream, boost::asio::ssl::context& context,
                                            const std::string& host, Clock::time_point deadline, int pin_version);

// RFC 5321 §4.1.1.10: every session ends with QUIT. The facts are complete by then, so the 221 and the
// server's close are awaited in the background (at most a few seconds), keeping the connection's slot
// until the server has closed it: servers count a connection until then, and do not log a broken one.
void leave_in_background(TlsStream tls, ConnectionLimiter::Slot slot);

// Whether a failed handshake looks like the server sent something that is not TLS at all: OpenSSL reads
// "220 " (or "421 ") as a record header with an impossible version or length.
bool looks_like_plaintext(const boost::system::error_code& error);

// Whether a connection that ended this way may have been turned away rather than answered: closed or
// reset before the server said anything, or plaintext (a "421 too many connections") where TLS was due.
bool may_be_turned_away(const boost::system::error_code& error);

// What was missing when a connected server fell silent at `step`, e.g. "the TLS handshake completed,
// but no 220 greeting arrived in 15 s".
std::string silence_text(Step step, Security security, Clock::duration waited);

}  // namespace relaymetry::probe::session
