#pragma once
// The submission dialogue's SMTP steps (RFC 5321, RFC 3207), as templates on the stream type so they
// run unchanged on a tcp_stream, an ssl::stream and boost::beast::test::stream. The probe never sends
// AUTH, MAIL or credentials: it reads the banner, says EHLO, asks for STARTTLS and says QUIT.

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/system/error_code.hpp>
#include <boost/system/system_error.hpp>

#include "relaymetry/core/facts.hpp"
#include "relaymetry/probe/smtp_reply.hpp"

namespace relaymetry::probe {

// Where the dialogue was when something failed: the same error means different things at
// different steps (a close right after the banner turns the probe away; a reset during the
// handshake is a TLS failure).
enum class Step { connect, banner, ehlo, starttls, handshake, after_tls };

// Where a step is, as the end of a sentence: "while connecting", "during the TLS handshake".
std::string_view step_name(Step step);

// The one mapping from a network error at a step to the address status.
ProbeStatus classify(const boost::system::error_code& error, Step step);

// An error's message as the middle of a sentence: "connection refused", "wrong version number".
std::string error_text(const boost::system::error_code& error);

// Plain English for a network error at a step, e.g. "connection refused while connecting".
std::string describe(const boost::system::error_code& error, Step step);

// True when a reply's text says the server turns us away for load ("too many connections").
bool says_too_busy(const SmtpReply& reply);

// Milliseconds since `start`, for StepTimings.
int elapsed_ms(std::chrono::steady_clock::time_point start);

// Reads the greeting (RFC 5321 §3.1). A 220 is recorded in facts.banner; anything else (421 busy,
// 554 "no service for you") turns the probe away: ProbeFailure(inconclusive).
// `arm` is called before each network step (it sets the stream's deadline); `step` tracks progress.
template <typename Stream, typename Arm>
boost::asio::awaitable<void> read_banner(SmtpChannel<Stream>& channel, Arm& arm, SmtpFacts& facts, StepTimings& timings,
                                         Step& step) {
    step = Step::banner;
    arm();
    const auto start = std::chrono::steady_clock::now();
    const auto reply = co_await channel.read_reply();
    timings.banner = elapsed_ms(start);
    facts.banner = reply.text();
    if (reply.code != 220 || says_too_busy(reply)) {
        throw ProbeFailure(ProbeStatus::inconclusive,
                           "the server turned the probe away with " + std::to_string(reply.code) + " " + reply.text());
    }
}

// EHLO name (RFC 5321 §4.1.1.1); returns the keyword lines of the 250 reply. A 4xx (421, or a
// greylisting receiver's 450/451: "try again later", RFC 5321 §4.2.1) or a "too many connections"
// reply is inconclusive; any other refusal is a protocol error (submission servers must speak ESMTP,
// RFC 6409 §4, and so must a receiver that offers STARTTLS, RFC 3207 §4).
template <typename Stream, typename Arm>
boost::asio::awaitable<std::vector<std::string>> say_ehlo(SmtpChannel<Stream>& channel, Arm& arm, std::string name,
                                                          Step& step) {
    step = Step::ehlo;
    arm();
    co_await channel.send("EHLO " + name);
    const auto reply = co_await channel.read_reply();
    if ((reply.code >= 400 && reply.code < 500) || says_too_busy(reply)) {
        throw ProbeFailure(ProbeStatus::inconclusive,
                           "the server turned the probe away with " + std::to_string(reply.code) + " " + reply.text());
    }
    if (reply.code != 250) {
        throw ProbeFailure(ProbeStatus::protocol_error,
                           "EHLO was answered with " + std::to_string(reply.code) + " " + reply.text());
    }
    co_return ehlo_keywords(reply);
}

// Port 587 up to the TLS handshake: banner, EHLO, STARTTLS (RFC 3207 §4). Records banner, ehlo,
// starttls_offered, auth_before_tls and data_after_starttls_reply (bytes the channel holds after
// the 220 go nowhere). Throws ProbeFailure(no_starttls) when STARTTLS is not advertised, after a
// polite QUIT, and ProbeFailure(starttls_rejected) when the server answers it with 4xx/5xx.
template <typename Stream, typename Arm>
boost::asio::awaitable<void> starttls_prelude(SmtpChannel<Stream>& channel, Arm& arm, std::string ehlo_name,
                                              SmtpFacts& facts, StepTimings& timings, Step& step) {
    co_await read_banner(channel, arm, facts, timings, step);
    auto start = std::chrono::steady_clock::now();
    facts.ehlo = co_await say_ehlo(channel, arm, ehlo_name, step);
    timings.ehlo = elapsed_ms(start);
    facts.starttls_offered = offers_extension(facts.ehlo, "STARTTLS");
    facts.auth_before_tls = auth_mechanisms(facts.ehlo);
    if (!facts.starttls_offered) {
        co_await channel.try_send("QUIT");  // leaving at once: see say_goodbye() in submission_probe.cpp
        throw ProbeFailure(ProbeStatus::no_starttls, "the server does not advertise STARTTLS");
    }
    step = Step::starttls;
    arm();
    start = std::chrono::steady_clock::now();
    co_await channel.send("STARTTLS");
    const auto reply = co_await channel.read_reply();
    timings.starttls = elapsed_ms(start);
    if (reply.code != 220) {
        throw ProbeFailure(ProbeStatus::starttls_rejected,
                           "STARTTLS was answered with " + std::to_string(reply.code) + " " + reply.text());
    }
    facts.data_after_starttls_reply = channel.buffered() > 0;
}

}  // namespace relaymetry::probe
