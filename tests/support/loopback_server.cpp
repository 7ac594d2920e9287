// The loopback server skeleton (see loopback_server.hpp).
#include "support/loopback_server.hpp"

#include <algorithm>
#include <exception>
#include <stdexcept>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace relaymetry::test {

namespace {

namespace asio = boost::asio;
using asio::ip::tcp;
using asio::ip::udp;

constexpr int k_bind_attempts = 50;

void fail_loudly(std::exception_ptr error) {
    if (error) {
        std::rethrow_exception(error);
    }
}

}  // namespace

LoopbackServer::LoopbackServer(LoopbackOptions options, LoopbackSession session) : m_session(std::move(session)) {
    // An ephemeral TCP port on 127.0.0.1 is not necessarily free for UDP or on ::1 (another process
    // may hold it there): start over with a new one.
    for (int attempt = 1;; ++attempt) {
        const auto failure = bind_all(options);
        if (failure.empty()) {
            break;
        }
        boost::system::error_code ignored;
        m_v4.close(ignored);
        m_v6.close(ignored);
        m_udp.close(ignored);
        m_aliases.clear();
        if (options.port != 0) {
            throw std::runtime_error("loopback server: cannot bind port " + std::to_string(options.port) + " on " +
                                     failure);
        }
        if (attempt == k_bind_attempts) {
            throw std::runtime_error("loopback server: no port free on every socket (last: " + failure + ")");
        }
    }
    // An accept loop ends only when its acceptor fails: that acceptor then stays closed.
    asio::co_spawn(m_io, accept_loop(m_v4), fail_loudly);
    if (m_v6_listening) {
        asio::co_spawn(m_io, accept_loop(m_v6), fail_loudly);
    }
    for (auto& alias : m_aliases) {
        asio::co_spawn(m_io, accept_loop(alias), fail_loudly);
    }
    m_thread = std::thread([this] { m_io.run(); });
}

LoopbackServer::~LoopbackServer() {
    m_io.stop();
    m_thread.join();
}

// Binds every socket the options ask for to one port; returns the first failure ("" = none).
std::string LoopbackServer::bind_all(const LoopbackOptions& options) {
    // A fixed port (a program restarted with --port) must bind despite connections in TIME_WAIT; an
    // ephemeral one must not, or the kernel may pick a port that another such socket holds.
    const bool reuse = options.port != 0;
    boost::system::error_code error;
    m_v4.open(tcp::v4());
    m_v4.set_option(tcp::acceptor::reuse_address(reuse));
    m_v4.bind({asio::ip::address_v4::loopback(), options.port}, error);
    if (error) {
        return "127.0.0.1 (TCP): " + error.message();
    }
    m_port = m_v4.local_endpoint().port();
    if (options.udp) {
        m_udp.open(udp::v4());
        m_udp.bind({asio::ip::address_v4::loopback(), m_port}, error);
        if (error) {
            return "127.0.0.1 (UDP): " + error.message();
        }
    }
    if (options.v6 != LoopbackV6::none) {
        const bool listen = options.v6 == LoopbackV6::listen;
        m_v6.open(tcp::v6(), error);
        if (!error) {
            m_v6.set_option(asio::ip::v6_only(true), error);
        }
        if (!error) {
            // Only a listening socket may share the port: the refusing one keeps it to itself.
            m_v6.set_option(tcp::acceptor::reuse_address(reuse && listen), error);
        }
        if (!error) {
            m_v6.bind({asio::ip::address_v6::loopback(), m_port}, error);
        }
        if (!error && listen) {
            m_v6.listen(asio::socket_base::max_listen_connections, error);
        }
        if (error) {
            return "[::1] (TCP): " + error.message();
        }
        m_v6_listening = listen;
    }
    for (const auto& alias : options.v4_aliases) {
        auto& acceptor = m_aliases.emplace_back(m_io);
        const auto address = asio::ip::make_address_v4(alias, error);
        if (!error && !address.is_loopback()) {
            return alias + ": not a loopback address";
        }
        if (!error) {
            acceptor.open(tcp::v4());
            acceptor.set_option(tcp::acceptor::reuse_address(reuse));
            acceptor.bind({address, m_port}, error);
        }
        if (!error) {
            acceptor.listen(asio::socket_base::max_listen_connections, error);
        }
        if (error) {
            return alias + " (TCP): " + error.message();
        }
    }
    m_v4.listen(asio::socket_base::max_listen_connections, error);
    if (error) {
        return "127.0.0.1 (TCP): " + error.message();
    }
    return {};
}

std::size_t LoopbackServer::connections() const {
    std::lock_guard lock(m_mutex);
    return m_accepted;
}

std::size_t LoopbackServer::peak_connections() const {
    std::lock_guard lock(m_mutex);
    return m_peak;
}

void LoopbackServer::spawn(asio::awaitable<void> task) {
    asio::co_spawn(m_io, std::move(task), fail_loudly);
}

asio::awaitable<void> LoopbackServer::accept_loop(tcp::acceptor& acceptor) {
    for (;;) {
        auto [error, socket] = co_await acceptor.async_accept(asio::as_tuple(asio::use_awaitable));
        if (error) {
            co_return;
        }
        {
            std::lock_guard lock(m_mutex);
            ++m_accepted;
        }
        asio::co_spawn(m_io, run_session(std::move(socket)), fail_loudly);
    }
}

asio::awaitable<void> LoopbackServer::run_session(tcp::socket socket) {
    // Counts this session as open until its frame goes, also when the io_context destroys it.
    struct Open {
        explicit Open(LoopbackServer* server) : server(server) {
            std::lock_guard lock(server->m_mutex);
            server->m_peak = std::max(server->m_peak, ++server->m_open);
        }
        ~Open() {
            std::lock_guard lock(server->m_mutex);
            --server->m_open;
        }
        Open(const Open&) = delete;
        Open& operator=(const Open&) = delete;
        LoopbackServer* server;
    };
    const Open open(this);
    try {
        co_await m_session(std::move(socket));
    } catch (const std::exception&) {
        // The peer went away or broke the protocol (see LoopbackSession).
    }
}

asio::awaitable<void> pause(std::chrono::milliseconds delay) {
    if (delay.count() > 0) {
        asio::steady_timer timer(co_await asio::this_coro::executor, delay);
        co_await timer.async_wait(asio::use_awaitable);
    }
}

asio::awaitable<void> wait_until_stopped() {
    asio::steady_timer timer(co_await asio::this_coro::executor, asio::steady_timer::time_point::max());
    boost::system::error_code ignored;
    co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
}

}  // namespace relaymetry::test
