// The scripted HTTPS server (see fake_https.hpp).
#include "support/fake_https.hpp"

#include <array>
#include <optional>
#include <stdexcept>

#include <boost/asio/read_until.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include "support/loopback_server.hpp"

namespace relaymetry::test {

namespace {

namespace asio = boost::asio;
namespace ssl = boost::asio::ssl;
using asio::awaitable;
using asio::ip::tcp;

constexpr std::size_t k_max_request_head = 16 * 1024;
constexpr std::size_t k_chunk_size = 4 * 1024;

std::string reason_phrase(int status) {
    switch (status) {
        case 200: return "OK";
        case 301: return "Moved Permanently";
        case 302: return "Found";
        case 404: return "Not Found";
        case 500: return "Internal Server Error";
        default: return "Status";
    }
}

std::string hex(std::size_t value) {
    static constexpr char k_digits[] = "0123456789abcdef";
    std::string text;
    do {
        text.insert(text.begin(), k_digits[value % 16]);
        value /= 16;
    } while (value != 0);
    return text;
}

std::string response_head(const HttpsResponse& response) {
    std::string head = "HTTP/1.1 " + std::to_string(response.status) + " " + reason_phrase(response.status) + "\r\n";
    if (!response.content_type.empty()) {
        head += "Content-Type: " + response.content_type + "\r\n";
    }
    if (!response.location.empty()) {
        head += "Location: " + response.location + "\r\n";
    }
    if (response.chunked) {
        head += "Transfer-Encoding: chunked\r\n";
    } else {
        head += "Content-Length: " + std::to_string(response.body.size()) + "\r\n";
    }
    head += "Connection: close\r\n\r\n";
    return head;
}

std::string response_body(const HttpsResponse& response) {
    if (!response.chunked) {
        return response.body;
    }
    std::string body;
    for (std::size_t offset = 0; offset < response.body.size(); offset += k_chunk_size) {
        const std::string chunk = response.body.substr(offset, k_chunk_size);
        body += hex(chunk.size()) + "\r\n" + chunk + "\r\n";
    }
    if (response.end_chunked) {
        body += "0\r\n\r\n";
    }
    return body;
}

// What the sessions share with the test that queries it.
struct State {
    explicit State(FakeHttpsOptions options_in) : options(std::move(options_in)) {
        // A silent server never gets as far as a handshake: it needs no certificate.
        if (options.silent) {
            return;
        }
        if (options.chain_file.empty()) {
            throw std::runtime_error("no certificate chain given");
        }
        TlsServerConfig config;
        config.chain_file = options.chain_file;
        config.key_file = options.key_file;
        config.min_version = openssl_version(options.min_version);
        config.max_version = openssl_version(options.max_version);
        config.ciphers = options.ciphers;
        // Level 0 so that the tests can serve what current clients refuse (RSA-1024, SHA-1, TLS 1.0).
        config.security_level0 = true;
        tls.emplace(make_tls_server_context(config));
    }
    FakeHttpsOptions options;
    std::optional<ssl::context> tls;  // none when silent
    ReceivedLog<std::string> requests;
};

const HttpsResponse& pick(const State& state, const std::string& head, const HttpsResponse& not_found) {
    // "GET /path HTTP/1.1"
    const auto first_space = head.find(' ');
    const auto second_space = head.find(' ', first_space + 1);
    if (first_space != std::string::npos && second_space != std::string::npos) {
        const auto found = state.options.responses.find(head.substr(first_space + 1, second_space - first_space - 1));
        if (found != state.options.responses.end()) {
            return found->second;
        }
    }
    return state.options.fallback ? *state.options.fallback : not_found;
}

awaitable<void> serve(State* state, tcp::socket socket) {
    if (state->options.silent) {
        co_await wait_until_stopped();
        co_return;
    }
    ssl::stream<tcp::socket> stream(std::move(socket), *state->tls);
    boost::system::error_code error;
    co_await stream.async_handshake(ssl::stream_base::server, asio::redirect_error(asio::use_awaitable, error));
    if (error) {
        co_return;
    }
    std::string head;
    co_await asio::async_read_until(stream, asio::dynamic_buffer(head, k_max_request_head), "\r\n\r\n",
                                    asio::redirect_error(asio::use_awaitable, error));
    if (error) {
        co_return;
    }
    state->requests.record(head);
    HttpsResponse not_found;
    not_found.status = 404;
    not_found.body = "not found\n";
    const HttpsResponse& response = pick(*state, head, not_found);
    const std::string header_bytes = response_head(response);
    // Named, not a temporary inside the co_await expression (GCC 12 mishandles those).
    const std::string all = header_bytes + response_body(response);

    if (response.drip.count() > 0) {
        for (char byte : all) {
            co_await asio::async_write(stream, asio::buffer(&byte, 1),
                                       asio::redirect_error(asio::use_awaitable, error));
            if (error) {
                co_return;
            }
            co_await pause(response.drip);
        }
    } else if (response.stall_after_headers) {
        co_await asio::async_write(stream, asio::buffer(header_bytes),
                                   asio::redirect_error(asio::use_awaitable, error));
        co_await wait_until_stopped();
        co_return;
    } else {
        co_await asio::async_write(stream, asio::buffer(all), asio::redirect_error(asio::use_awaitable, error));
    }
    if (response.chunked && !response.end_chunked) {
        co_await wait_until_stopped();
        co_return;
    }
    // Connection: close. A client that closes first makes the shutdown fail: either is fine.
    stream.lowest_layer().shutdown(tcp::socket::shutdown_send, error);
    std::array<char, 512> drain{};
    co_await stream.next_layer().async_read_some(asio::buffer(drain), asio::redirect_error(asio::use_awaitable, error));
}

}  // namespace

struct FakeHttps::Impl : State {
    explicit Impl(FakeHttpsOptions options)
        : State(std::move(options)),
          loopback({}, [this](tcp::socket socket) { return serve(this, std::move(socket)); }) {}

    LoopbackServer loopback;
};

FakeHttps::FakeHttps(FakeHttpsOptions options) : m_impl(std::make_unique<Impl>(std::move(options))) {}

FakeHttps::~FakeHttps() = default;

std::uint16_t FakeHttps::port() const {
    return m_impl->loopback.port();
}

std::vector<std::string> FakeHttps::requests() const {
    return m_impl->requests.entries();
}

std::size_t FakeHttps::connections() const {
    return m_impl->loopback.connections();
}

}  // namespace relaymetry::test
