#pragma once
// Politeness towards servers, one limiter for the whole run (docs/cli.md "Politeness"): every
// connection the run opens to an address takes a Slot first.
// - At most `per_service` connections at once to one service (address and port), whatever endpoint or
//   domain they serve: two lets the legacy-version handshake run beside the main session.
// - Servers that count connections per client address across ports (Exim's smtp_accept_max_per_host)
//   turn a second one away; once a probe saw that, the address gets one connection at a time, all
//   ports, with a short pause after each close, for the rest of the run (one_at_a_time()).
// - New connections to one address start at most `rate_per_second` per second after a burst of
//   `burst` (a token bucket), so a bulk run never looks like an attack.
// Waiting here is the run's own doing, never the server's: a connection that could not start before its
// deadline says which limit was busy (Busy), and the probe reports "not probed", not "timeout".
//
// Not thread-safe: every user runs on the same single-threaded io_context.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <tl/expected.hpp>

#include "relaymetry/core/constants.hpp"

namespace relaymetry::probe {

struct ConnectionLimits {
    std::size_t per_service = 2;
    double rate_per_second = 10;  // 0 = no rate limit
    std::size_t burst = 6;
};

// SMTP probes: the defaults above. Policy fetches (HTTPS, one connection per domain, each with its own
// Host and SNI): many at once to one policy-host address, no rate limit. As many as the default
// --parallel checks domains, so a run at the defaults never waits here: at 128, a run of one hoster's
// domains at 100 ms RTT did (each fetch holds its connection for 3 round trips: TCP, TLS 1.3, HTTP).
inline constexpr std::size_t k_policy_connections_per_address = k_default_parallel;

// One connection at a time to an address also means a pause after each close: a server may count the
// closed connection a little longer (Exim counts it until it has reaped the process that served it).
inline constexpr std::chrono::milliseconds k_one_at_a_time_gap{250};

// Which of the limits kept a connection from starting before its deadline.
enum class Busy { service, address, rate };
std::string_view describe(Busy busy);  // "two connections at once to this port were already open", ...

class ConnectionLimiter : public std::enable_shared_from_this<ConnectionLimiter> {
public:
    using Clock = std::chrono::steady_clock;

    // Holds one connection's place; the destructor gives it back.
    class Slot {
    public:
        Slot(std::shared_ptr<ConnectionLimiter> limiter, std::string address, std::uint16_t port,
             std::uint64_t started_as, bool others_open);
        Slot(Slot&& other) noexcept = default;
        Slot& operator=(Slot&& other) noexcept;
        Slot(const Slot&) = delete;
        Slot& operator=(const Slot&) = delete;
        ~Slot();

        // Whether another connection to the same address waits for a place right now.
        bool others_waiting() const;
        // Whether another connection to the same address (any port) was open at some time while this
        // one was: only then can a server's push-back be the run's own doing.
        bool overlapped() const;

    private:
        void release();
        std::shared_ptr<ConnectionLimiter> m_limiter;
        std::string m_address;
        std::uint16_t m_port = 0;
        std::uint64_t m_started_as = 0;  // the address's acquisition count, this one included
        bool m_others_open = false;
    };

    explicit ConnectionLimiter(ConnectionLimits limits);

    // Waits, first come first served per address, until a connection to address:port may start.
    boost::asio::awaitable<tl::expected<Slot, Busy>> acquire(std::string address, std::uint16_t port,
                                                             Clock::time_point deadline);

    // The server at `address` turned a connection away while others were open: from now on one
    // connection at a time to it, whatever the port.
    void one_at_a_time(const std::string& address);
    bool is_one_at_a_time(const std::string& address) const;

    std::size_t active(const std::string& address, std::uint16_t port) const;
    std::size_t waiting(const std::string& address) const;
    // The most connections waiting at any one address: how far the run is ahead of what its limits let
    // through (the check command starts no new domain while it is long).
    std::size_t longest_queue() const;

private:
    struct Waiter {
        explicit Waiter(boost::asio::any_io_executor executor) : timer(std::move(executor)) {}
        boost::asio::steady_timer timer;
        std::uint64_t order = 0;
        bool granted = false;  // the releasing side gave its place to this waiter
        std::uint64_t started_as = 0;
        bool others_open = false;
    };
    struct Service {
        std::size_t active = 0;
        std::deque<std::shared_ptr<Waiter>> waiters;
    };
    struct Address {
        std::size_t active = 0;
        std::size_t waiting = 0;  // across its services
        std::uint64_t acquisitions = 0;
        double tokens = 0;
        Clock::time_point refilled;
        Clock::time_point quiet_until{};                    // one at a time: no new connection before
        std::shared_ptr<boost::asio::steady_timer> refill;  // set while waiters wait for a token or quiet
        std::map<std::uint16_t, Service> services;
    };
    struct Start {
        std::uint64_t started_as = 0;
        bool others_open = false;
    };

    Address& address_entry(const std::string& address);
    void refill(Address& entry, Clock::time_point now) const;
    std::size_t address_cap(const std::string& address) const;
    bool may_start(const std::string& address, Address& entry, const Service& service) const;
    Start start(Address& entry, Service& service);
    void grant_waiting(const std::string& address);
    void schedule_refill(const std::string& address, Address& entry);
    void cancel_refill_if_unwanted(Address& entry);
    static boost::asio::awaitable<void> refill_later(std::shared_ptr<ConnectionLimiter> self, std::string address,
                                                     std::shared_ptr<boost::asio::steady_timer> timer);
    Busy busy_reason(const std::string& address, std::uint16_t port);
    void release(const std::string& address, std::uint16_t port);
    void forget_if_idle(const std::string& address);
    void count_waiting(Address& entry, int change);

    ConnectionLimits m_limits;
    std::map<std::string, Address> m_addresses;
    std::set<std::string> m_one_at_a_time;               // kept for the whole run, however idle the address
    std::map<std::size_t, std::size_t> m_queue_lengths;  // queue length -> addresses with it (none: 0)
    std::uint64_t m_order = 0;
    boost::asio::any_io_executor m_executor;  // the run's, for the refill timers
};

std::shared_ptr<ConnectionLimiter> make_connection_limiter(ConnectionLimits limits = {});

}  // namespace relaymetry::probe
