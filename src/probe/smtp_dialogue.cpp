// Error classification for the submission dialogue.
#include "relaymetry/probe/smtp_dialogue.hpp"

#include <algorithm>
#include <cctype>

#include "relaymetry/io/net_error.hpp"

namespace relaymetry::probe {

std::string_view step_name(Step step) {
    switch (step) {
        case Step::connect: return "while connecting";
        case Step::banner: return "while waiting for the banner";
        case Step::ehlo: return "after EHLO";
        case Step::starttls: return "after STARTTLS";
        case Step::handshake: return "during the TLS handshake";
        case Step::after_tls: return "after the TLS handshake";
    }
    return "in the dialogue";
}

ProbeStatus classify(const boost::system::error_code& error, Step step) {
    const auto net = io::classify(error);
    switch (net.kind) {
        // Silence is judged by where it happens: no answer to connect is unreachable-like; a server that
        // was reached and then fell silent broke the protocol (or, mid-handshake, TLS).
        case NetErrorKind::timeout:
            return step == Step::connect     ? ProbeStatus::timeout
                   : step == Step::handshake ? ProbeStatus::tls_failed
                                             : ProbeStatus::protocol_error;
        case NetErrorKind::refused: return ProbeStatus::refused;
        case NetErrorKind::unreachable: return ProbeStatus::unreachable;
        case NetErrorKind::internal: return ProbeStatus::internal_error;
        case NetErrorKind::tls_alert:
        case NetErrorKind::tls_error: return ProbeStatus::tls_failed;
        case NetErrorKind::reset:
        case NetErrorKind::closed:
        case NetErrorKind::protocol: break;
    }
    if (step == Step::handshake) {
        return ProbeStatus::tls_failed;
    }
    // A server that hangs up before greeting us, or once it has greeted us (instead of answering
    // EHLO), is turning the probe away, typically for load: that says nothing about its TLS posture.
    if ((net.kind == NetErrorKind::closed || net.kind == NetErrorKind::reset) &&
        (step == Step::banner || step == Step::ehlo)) {
        return ProbeStatus::inconclusive;
    }
    return ProbeStatus::protocol_error;
}

std::string error_text(const boost::system::error_code& error) {
    return io::classify(error).detail;
}

std::string describe(const boost::system::error_code& error, Step step) {
    const auto net = io::classify(error);
    const bool library_words = net.kind == NetErrorKind::protocol || net.kind == NetErrorKind::tls_error;
    return (library_words ? net.detail : relaymetry::describe(net)) + " " + std::string(step_name(step));
}

bool says_too_busy(const SmtpReply& reply) {
    auto text = reply.text();
    std::transform(text.begin(), text.end(), text.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return text.find("too many connections") != std::string::npos;
}

int elapsed_ms(std::chrono::steady_clock::time_point start) {
    return static_cast<int>(
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start).count());
}

}  // namespace relaymetry::probe
