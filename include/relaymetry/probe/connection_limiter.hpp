#pragma once
// The connection limiter behind make_connection_limiter(): an async semaphore per key.
// Mail servers count a client's connections per service and turn scanners away (421 "too many
// connections"), which would make the probe inconclusive; so the whole run opens at most
// `per_key` connections at once to one service, keyed "address port", whatever endpoint or domain
// they serve. Two per service is what lets the legacy-version handshake run beside the main session
// instead of after it.
//
// Not thread-safe: every user runs on the same single-threaded io_context.

#include <chrono>
#include <cstddef>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>

#include "relaymetry/probe/submission_probe.hpp"

namespace relaymetry::probe {

class ConnectionLimiter : public std::enable_shared_from_this<ConnectionLimiter> {
public:
    // Holds one connection's place; the destructor gives it back (to the longest waiter first).
    class Slot {
    public:
        Slot(std::shared_ptr<ConnectionLimiter> limiter, std::string key);
        Slot(Slot&& other) noexcept = default;
        Slot& operator=(Slot&& other) noexcept;
        Slot(const Slot&) = delete;
        Slot& operator=(const Slot&) = delete;
        ~Slot();

        // Whether another connection to the same key waits for a place right now.
        bool others_waiting() const;

    private:
        void release();
        std::shared_ptr<ConnectionLimiter> m_limiter;
        std::string m_key;
    };

    explicit ConnectionLimiter(std::size_t per_key);

    // Waits, first come first served, until a connection to `key` may be opened. Empty when
    // `deadline` passes first.
    boost::asio::awaitable<std::optional<Slot>> acquire(std::string key,
                                                        std::chrono::steady_clock::time_point deadline);

    // Connections to `key` open right now, and waiting for a place.
    std::size_t active(const std::string& key) const;
    std::size_t waiting(const std::string& key) const;

private:
    struct Waiter {
        explicit Waiter(boost::asio::any_io_executor executor) : timer(std::move(executor)) {}
        boost::asio::steady_timer timer;
        bool granted = false;  // the releasing side handed its place to this waiter
    };
    struct Entry {
        std::size_t active = 0;
        std::deque<std::shared_ptr<Waiter>> waiters;
    };

    void release(const std::string& key);

    std::size_t m_per_key;
    std::map<std::string, Entry> m_entries;
};

}  // namespace relaymetry::probe
