#pragma once
// The skeleton every fake server shares, in the manner of c-ares' test MockServer: a thread and an
// io_context of its own, TCP acceptors on 127.0.0.1 and, if asked, [::1] on one port (and a UDP socket
// on that port, for DNS), one coroutine per accepted connection, and a log of what arrived. A fake keeps
// only its protocol: it owns a LoopbackServer as its last member, so that the server stops, and every
// session is destroyed, before the state the sessions use.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <list>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/udp.hpp>

namespace relaymetry::test {

// What a fake received, in arrival order; recorded on the server's thread, read on the test's.
template <typename Entry>
class ReceivedLog {
public:
    void record(Entry entry) {
        std::lock_guard lock(m_mutex);
        m_entries.push_back(std::move(entry));
    }
    std::vector<Entry> entries() const {
        std::lock_guard lock(m_mutex);
        return m_entries;
    }

private:
    mutable std::mutex m_mutex;
    std::vector<Entry> m_entries;
};

enum class LoopbackV6 {
    none,    // 127.0.0.1 only
    listen,  // [::1] too, on the same port
    refuse,  // [::1]:port bound but not listening: connecting there is refused, and no one else can take it
};

struct LoopbackOptions {
    std::uint16_t port = 0;  // 0 = an ephemeral port, free for every socket asked for
    LoopbackV6 v6 = LoopbackV6::none;
    bool udp = false;  // also a UDP socket on 127.0.0.1:port, served by the fake (udp_socket(), spawn())
    // More loopback addresses (127.x.y.z, all on lo) to accept TCP on, on the same port: a host with many
    // addresses served by one fake.
    std::vector<std::string> v4_aliases;
};

// The protocol on one accepted connection: over when the coroutine returns. An exception it throws is
// taken as the peer going away or breaking the protocol, which is what the tests provoke.
using LoopbackSession = std::function<boost::asio::awaitable<void>(boost::asio::ip::tcp::socket)>;

class LoopbackServer {
public:
    // Bound, accepting and running when the constructor returns; throws std::runtime_error when the
    // port asked for (or, after some tries, any ephemeral port) is not free on every socket.
    LoopbackServer(LoopbackOptions options, LoopbackSession session);
    ~LoopbackServer();  // stops the io_context and joins the thread: no session runs after it
    LoopbackServer(const LoopbackServer&) = delete;
    LoopbackServer& operator=(const LoopbackServer&) = delete;

    std::uint16_t port() const { return m_port; }
    bool listening_v6() const { return m_v6_listening; }

    std::size_t connections() const;       // TCP connections accepted so far
    std::size_t peak_connections() const;  // most sessions open at once

    // Runs `task` on the server's thread; callable from any thread. The task handles the errors the
    // peer causes: anything escaping it is a bug in the fake and ends the process, rather than leave a
    // test waiting for an answer that never comes.
    void spawn(boost::asio::awaitable<void> task);
    // Only with LoopbackOptions::udp; to be used from tasks on the server's thread once it runs.
    boost::asio::ip::udp::socket& udp_socket() { return m_udp; }

private:
    std::string bind_all(const LoopbackOptions& options);
    boost::asio::awaitable<void> accept_loop(boost::asio::ip::tcp::acceptor& acceptor);
    boost::asio::awaitable<void> run_session(boost::asio::ip::tcp::socket socket);

    // Declared before the io_context: sessions still in it when it is destroyed update the counts.
    mutable std::mutex m_mutex;
    std::size_t m_accepted = 0;
    std::size_t m_open = 0;
    std::size_t m_peak = 0;
    LoopbackSession m_session;

    boost::asio::io_context m_io;
    boost::asio::ip::tcp::acceptor m_v4{m_io};
    boost::asio::ip::tcp::acceptor m_v6{m_io};
    boost::asio::ip::udp::socket m_udp{m_io};
    std::list<boost::asio::ip::tcp::acceptor> m_aliases;
    bool m_v6_listening = false;
    std::uint16_t m_port = 0;
    std::thread m_thread;
};

// Resumes after `delay` (at once when it is not positive).
boost::asio::awaitable<void> pause(std::chrono::milliseconds delay);

// Resumes never: the frame waits until the server stops and destroys it (a peer left hanging).
boost::asio::awaitable<void> wait_until_stopped();

}  // namespace relaymetry::test
