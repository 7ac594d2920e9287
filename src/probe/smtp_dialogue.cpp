// Error classification for the submission dialogue.
#include "relaymetry/probe/smtp_dialogue.hpp"

#include <algorithm>
#include <cctype>

#include <boost/asio/error.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/beast/core/error.hpp>

namespace relaymetry::probe {

namespace {

bool is_timeout(const boost::system::error_code& error) {
    return error == boost::beast::error::timeout || error == boost::asio::error::timed_out ||
           error == boost::asio::error::operation_aborted;
}

bool is_close(const boost::system::error_code& error) {
    return error == boost::asio::error::eof || error == boost::asio::error::connection_reset ||
           error == boost::asio::error::broken_pipe || error == boost::asio::ssl::error::stream_truncated;
}

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

}  // namespace

ProbeStatus classify(const boost::system::error_code& error, Step step) {
    if (is_timeout(error)) {
        return ProbeStatus::timeout;
    }
    if (error == boost::asio::error::connection_refused) {
        return ProbeStatus::refused;
    }
    if (error == boost::asio::error::network_unreachable || error == boost::asio::error::host_unreachable ||
        error == boost::asio::error::address_family_not_supported) {
        return ProbeStatus::unreachable;
    }
    if (step == Step::handshake || error.category() == boost::asio::error::get_ssl_category()) {
        return ProbeStatus::tls_failed;
    }
    // A server that hangs up once it has greeted us (instead of answering EHLO) is turning the
    // probe away, typically for load: that says nothing about its TLS posture.
    if (is_close(error) && step == Step::ehlo) {
        return ProbeStatus::inconclusive;
    }
    return ProbeStatus::protocol_error;
}

std::string error_text(const boost::system::error_code& error) {
    auto text = error.message();
    if (!text.empty()) {
        text[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(text[0])));
    }
    return text;
}

std::string describe(const boost::system::error_code& error, Step step) {
    std::string what;
    if (is_timeout(error)) {
        what = "no answer within the deadline";
    } else if (error == boost::asio::error::eof) {
        what = "the server closed the connection";
    } else if (error == boost::asio::error::connection_reset) {
        what = "the server reset the connection";
    } else {
        what = error_text(error);
    }
    return what + " " + std::string(step_name(step));
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
