// The TLS 1.0 / 1.1 tests of one service (see legacy_versions.hpp).
#include "legacy_versions.hpp"

#include <openssl/ssl.h>
#include <boost/system/system_error.hpp>

#include "relaymetry/io/net_error.hpp"
#include "relaymetry/probe/smtp_reply.hpp"

namespace relaymetry::probe {

namespace {

using namespace session;
namespace asio = boost::asio;

enum class Answer { accepted, refused, turned_away, not_tested };

struct Attempt {
    Answer answer = Answer::not_tested;
    std::optional<TlsVersion> version;  // accepted: what the server chose
    std::string reason;
    bool overlapped = false;  // another connection to the address was open meanwhile
};

// One handshake offering TLS 1.0-1.1 (`pin_version` 0) or only `pin_version`, on a fresh connection.
asio::awaitable<Attempt> attempt_once(const Target& target, const ProbeOptions& options, int pin_version) {
    Attempt attempt;
    auto step = Step::connect;
    try {
        auto slot = co_await take_slot(target, options);
        try {
            SmtpFacts facts;
            StepTimings timings;
            auto stream = co_await open_for_tls(target, options, facts, timings, step);
            step = Step::handshake;
            auto tls = co_await handshake(std::move(stream), options.tls->get(HandshakeProfile::legacy_only),
                                          target.host, options.deadline, pin_version);
            attempt.answer = Answer::accepted;
            attempt.version = negotiated_version(tls.native_handle());
            attempt.overlapped = slot.overlapped();
            leave_in_background(std::move(tls), std::move(slot));
            co_return attempt;
        } catch (const ProbeFailure& failure) {
            attempt.overlapped = slot.overlapped();
            attempt.answer = failure.status() == ProbeStatus::inconclusive ? Answer::turned_away : Answer::not_tested;
            attempt.reason = failure.what();
        } catch (const boost::system::system_error& failure) {
            attempt.overlapped = slot.overlapped();
            const auto net = io::classify(failure.code());
            if (step != Step::handshake) {
                const bool turned_away = classify(failure.code(), step) == ProbeStatus::inconclusive;
                attempt.answer = turned_away ? Answer::turned_away : Answer::not_tested;
                attempt.reason = describe(failure.code(), step);
            } else if (net.kind == NetErrorKind::timeout) {
                attempt.reason = "the check's deadline came during the handshake";
            } else if (looks_like_plaintext(failure.code())) {
                // A TLS server refuses a version with an alert; plaintext is its SMTP side talking.
                attempt.answer = Answer::turned_away;
                attempt.reason = "the server answered in plaintext where the TLS handshake was due (a 421?)";
            } else if (attempt.overlapped && may_be_turned_away(failure.code())) {
                attempt.answer = Answer::turned_away;
                attempt.reason = describe(failure.code(), step);
            } else {
                attempt.answer = Answer::refused;
                attempt.reason = describe(failure.code(), step);
            }
        }
    } catch (const ProbeFailure& failure) {
        attempt.reason = failure.what();  // no slot before the deadline: not tested
    }
    co_return attempt;
}

// attempt_once(), and once more, alone, if the server turned it away.
asio::awaitable<Attempt> attempt(const Target& target, const ProbeOptions& options, int pin_version) {
    auto first = co_await attempt_once(target, options, pin_version);
    if (first.answer != Answer::turned_away) {
        co_return first;
    }
    options.limiter->one_at_a_time(target.address);
    co_return co_await attempt_once(target, options, pin_version);
}

VersionTest outcome(TlsVersion version, const Attempt& attempt) {
    switch (attempt.answer) {
        case Answer::accepted: return {version, VersionOutcome::accepted, ""};
        case Answer::refused: return {version, VersionOutcome::refused, attempt.reason};
        case Answer::turned_away:
            return {version, VersionOutcome::not_tested, "the server turned the test away: " + attempt.reason};
        case Answer::not_tested: break;
    }
    return {version, VersionOutcome::not_tested, attempt.reason};
}

}  // namespace

// One handshake offering both versions answers for the one the server prefers; only when that is TLS
// 1.1 is a TLS 1.0-only handshake needed (a legacy server, not the fast path of a clean one). It
// starts at once, still beside the main session.
asio::awaitable<std::vector<VersionTest>> test_legacy_versions(Target target, ProbeOptions options) {
    const auto both = co_await attempt(target, options, 0);
    if (both.answer != Answer::accepted) {
        co_return std::vector<VersionTest>{outcome(TlsVersion::tls1_0, both), outcome(TlsVersion::tls1_1, both)};
    }
    if (both.version == TlsVersion::tls1_0) {
        co_return std::vector<VersionTest>{
            {TlsVersion::tls1_0, VersionOutcome::accepted, ""},
            {TlsVersion::tls1_1, VersionOutcome::refused, "offered TLS 1.0 and 1.1, the server chose TLS 1.0"}};
    }
    const auto tls10 = co_await attempt(target, options, TLS1_VERSION);
    co_return std::vector<VersionTest>{outcome(TlsVersion::tls1_0, tls10),
                                       {TlsVersion::tls1_1, VersionOutcome::accepted, ""}};
}

}  // namespace relaymetry::probe
