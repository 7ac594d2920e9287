#include "support/fake_https.hpp"

#include <array>
#include <atomic>
#include <mutex>
#include <stdexcept>
#include <thread>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

namespace relaymetry::test {

namespace {

namespace asio = boost::asio;
namespace ssl = boost::asio::ssl;
using asio::awaitable;
using asio::ip::tcp;

constexpr std::size_t k_max_request_head = 16 * 1024;
constexpr std::size_t k_chunk_size = 4 * 1024;

int openssl_version(TlsVersion version) {
    switch (version) {
        case TlsVersion::tls1_0: return TLS1_VERSION;
        case TlsVersion::tls1_1: return TLS1_1_VERSION;
        case TlsVersion::tls1_2: return TLS1_2_VERSION;
        case TlsVersion::tls1_3: break;
    }
    return TLS1_3_VERSION;
}

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

// Shared by the acceptor and every connection; alive while any of them is.
struct State {
    explicit State(FakeHttpsOptions options_in) : options(std::move(options_in)), tls(ssl::context::tls_server) {}
    FakeHttpsOptions options;
    ssl::context tls;
    mutable std::mutex mutex;
    std::vector<std::string> requests;
    std::atomic<std::size_t> connections{0};
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

// Waits until the server stops (the io_context is destroyed with this frame in it).
awaitable<void> wait_forever(tcp::socket::executor_type executor) {
    asio::steady_timer timer(executor, asio::steady_timer::time_point::max());
    boost::system::error_code ignored;
    co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
}

awaitable<void> serve(std::shared_ptr<State> state, tcp::socket socket) {
    auto executor = socket.get_executor();
    if (state->options.silent) {
        co_await wait_forever(executor);
        co_return;
    }
    ssl::stream<tcp::socket> stream(std::move(socket), state->tls);
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
    {
        std::lock_guard lock(state->mutex);
        state->requests.push_back(head);
    }
    HttpsResponse not_found;
    not_found.status = 404;
    not_found.body = "not found\n";
    const HttpsResponse& response = pick(*state, head, not_found);
    const std::string header_bytes = response_head(response);
    // Named, not a temporary inside the co_await expression (GCC 12 mishandles those).
    const std::string all = header_bytes + response_body(response);

    if (response.drip.count() > 0) {
        asio::steady_timer timer(executor);
        for (char byte : all) {
            co_await asio::async_write(stream, asio::buffer(&byte, 1),
                                       asio::redirect_error(asio::use_awaitable, error));
            if (error) {
                co_return;
            }
            timer.expires_after(response.drip);
            co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, error));
        }
    } else if (response.stall_after_headers) {
        co_await asio::async_write(stream, asio::buffer(header_bytes),
                                   asio::redirect_error(asio::use_awaitable, error));
        co_await wait_forever(executor);
        co_return;
    } else {
        co_await asio::async_write(stream, asio::buffer(all), asio::redirect_error(asio::use_awaitable, error));
    }
    if (response.chunked && !response.end_chunked) {
        co_await wait_forever(executor);
        co_return;
    }
    // Connection: close. A client that closes first makes the shutdown fail: either is fine.
    stream.lowest_layer().shutdown(tcp::socket::shutdown_send, error);
    std::array<char, 512> drain{};
    co_await stream.next_layer().async_read_some(asio::buffer(drain), asio::redirect_error(asio::use_awaitable, error));
}

void ignore_exception(std::exception_ptr) {}

awaitable<void> accept_loop(std::shared_ptr<State> state, tcp::acceptor& acceptor) {
    for (;;) {
        auto [error, socket] = co_await acceptor.async_accept(asio::as_tuple(asio::use_awaitable));
        if (error) {
            co_return;
        }
        ++state->connections;
        asio::co_spawn(acceptor.get_executor(), serve(state, std::move(socket)), ignore_exception);
    }
}

}  // namespace

struct FakeHttps::Impl {
    std::shared_ptr<State> state;
    asio::io_context io;
    tcp::acceptor acceptor{io};
    std::uint16_t port = 0;
    std::thread thread;
};

FakeHttps::FakeHttps(FakeHttpsOptions options) : m_impl(std::make_unique<Impl>()) {
    m_impl->state = std::make_shared<State>(std::move(options));
    State& state = *m_impl->state;
    SSL_CTX* handle = state.tls.native_handle();
    // Level 0 so that the tests can serve what current clients refuse (RSA-1024, SHA-1, TLS 1.0).
    SSL_CTX_set_security_level(handle, 0);
    if (SSL_CTX_set_cipher_list(handle, state.options.ciphers.c_str()) != 1) {
        throw std::runtime_error("fake https: bad cipher list " + state.options.ciphers);
    }
    SSL_CTX_set_min_proto_version(handle, openssl_version(state.options.min_version));
    SSL_CTX_set_max_proto_version(handle, openssl_version(state.options.max_version));
    if (!state.options.silent) {
        try {
            state.tls.use_certificate_chain_file(state.options.chain_file.string());
            state.tls.use_private_key_file(state.options.key_file.string(), ssl::context::pem);
        } catch (const boost::system::system_error& error) {
            throw std::runtime_error("fake https: cannot load " + state.options.chain_file.string() + ": " +
                                     error.what());
        }
    }
    tcp::endpoint endpoint(asio::ip::make_address("127.0.0.1"), 0);
    m_impl->acceptor.open(endpoint.protocol());
    m_impl->acceptor.bind(endpoint);
    m_impl->acceptor.listen();
    m_impl->port = m_impl->acceptor.local_endpoint().port();
    asio::co_spawn(m_impl->io, accept_loop(m_impl->state, m_impl->acceptor), ignore_exception);
    m_impl->thread = std::thread([impl = m_impl.get()] { impl->io.run(); });
}

FakeHttps::~FakeHttps() {
    m_impl->io.stop();
    m_impl->thread.join();
}

std::uint16_t FakeHttps::port() const {
    return m_impl->port;
}

std::vector<std::string> FakeHttps::requests() const {
    std::lock_guard lock(m_impl->state->mutex);
    return m_impl->state->requests;
}

std::size_t FakeHttps::connections() const {
    return m_impl->state->connections;
}

}  // namespace relaymetry::test
