// The steps of one probe connection (see session_steps.hpp).
#include "session_steps.hpp"

#include <algorithm>
#include <exception>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "relaymetry/io/net_error.hpp"
#include "relaymetry/probe/smtp_reply.hpp"

namespace relaymetry::probe::session {

namespace asio = boost::asio;
namespace beast = boost::beast;

namespace {

// How long to wait for the 221 and the server's close after QUIT.
constexpr auto k_close_timeout = std::chrono::seconds(2);

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

asio::awaitable<void> leave(TlsStream tls, ConnectionLimiter::Slot slot) {
    try {
        SmtpChannel<TlsStream> channel(tls);
        co_await channel.try_send("QUIT");
        tls.next_layer().expires_after(k_close_timeout);
        char discard[1024];
        boost::system::error_code error;
        for (std::size_t total = 0; !error && total < k_max_session_bytes;) {
            total +=
                co_await tls.async_read_some(asio::buffer(discard), asio::redirect_error(asio::use_awaitable, error));
        }
    } catch (const std::exception&) {
        // The facts are already reported; a goodbye that goes wrong changes none of them.
    }
}

}  // namespace

void Arm::operator()() const {
    armed_at = Clock::now();
    const bool greeting = step != nullptr && *step == Step::banner;
    stream->expires_at(greeting ? deadline : std::min(armed_at + budget, deadline));
}

asio::awaitable<ConnectionLimiter::Slot> take_slot(const Target& target, const ProbeOptions& options) {
    auto slot = co_await options.limiter->acquire(target.address, target.port, options.deadline);
    if (!slot) {
        throw ProbeFailure(ProbeStatus::not_probed,
                           "not probed before the check's deadline: " + std::string(describe(slot.error())));
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

std::string ehlo_name_for(beast::tcp_stream& stream, const ProbeOptions& options) {
    if (options.ehlo_name && !options.ehlo_name->empty()) {
        return *options.ehlo_name;
    }
    boost::system::error_code error;
    const auto local = stream.socket().local_endpoint(error);
    return error ? std::string("[127.0.0.1]") : address_literal(local.address());
}

asio::awaitable<beast::tcp_stream> open_for_tls(const Target& target, const ProbeOptions& options, SmtpFacts& facts,
                                                StepTimings& timings, Step& step) {
    auto stream = co_await connect(target, options, timings, step);
    if (target.security == Security::implicit_tls) {
        co_return stream;
    }
    Arm arm{&stream, options.deadline, &step};
    SmtpChannel<beast::tcp_stream> channel(stream);
    co_await starttls_prelude(channel, arm, ehlo_name_for(stream, options), facts, timings, step);
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

void leave_in_background(TlsStream tls, ConnectionLimiter::Slot slot) {
    auto executor = tls.get_executor();
    asio::co_spawn(executor, leave(std::move(tls), std::move(slot)), [](std::exception_ptr error) {
        if (error) {
            std::rethrow_exception(error);  // leave() catches what it can throw: this is a bug
        }
    });
}

bool looks_like_plaintext(const boost::system::error_code& error) {
    if (error.category() != asio::error::get_ssl_category()) {
        return false;
    }
    const auto reason = ERR_GET_REASON(static_cast<unsigned long>(error.value()));
    return reason == SSL_R_WRONG_VERSION_NUMBER || reason == SSL_R_PACKET_LENGTH_TOO_LONG;
}

bool may_be_turned_away(const boost::system::error_code& error) {
    const auto kind = io::classify(error).kind;
    return kind == NetErrorKind::closed || kind == NetErrorKind::reset || looks_like_plaintext(error);
}

std::string silence_text(Step step, Security security, Clock::duration waited) {
    const auto seconds = std::to_string(std::chrono::duration_cast<std::chrono::seconds>(waited).count()) + " s";
    switch (step) {
        case Step::banner:
            return security == Security::implicit_tls
                       ? "the TLS handshake completed, but no 220 greeting arrived in " + seconds +
                             " (RFC 5321 §3.1: the server speaks first)"
                       : "the server accepted the connection, but no 220 greeting arrived in " + seconds +
                             " (RFC 5321 §3.1: the server speaks first)";
        case Step::ehlo: return "no complete reply to EHLO arrived in " + seconds;
        case Step::starttls: return "no complete reply to STARTTLS arrived in " + seconds;
        case Step::after_tls: return "no complete reply to EHLO after the TLS handshake arrived in " + seconds;
        case Step::handshake: return "the TLS handshake did not complete in " + seconds;
        case Step::connect: break;
    }
    return "no answer in " + seconds;
}

}  // namespace relaymetry::probe::session
