#pragma once
// Run-wide single flight: the work for one key runs once, and every caller that asks for the same key
// while it runs (or, while the result is kept, later) gets the same value. This is what lets thousands
// of domains that name one server share one probe of it and one lookup of its address.
//
// The cache is bounded: at most `capacity` finished values are kept (least recently used go first),
// each for as long as `lifetime` allows (nothing for values it declines, e.g. a failed lookup). Work in
// flight is never evicted. Not thread-safe: every user runs on the same single-threaded io_context.

#include <chrono>
#include <cstddef>
#include <functional>
#include <list>
#include <map>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace relaymetry::io {

template <typename Key, typename Value>
class SingleFlight {
public:
    using Clock = std::chrono::steady_clock;
    // How long a finished value may be reused; nullopt (or zero) = not at all.
    using Lifetime = std::function<std::optional<Clock::duration>(const Value&)>;

    struct Result {
        Value value;
        bool shared = false;  // another caller's work (joined in flight, or kept from before)
    };

    SingleFlight(std::size_t capacity, Lifetime lifetime) : m_capacity(capacity), m_lifetime(std::move(lifetime)) {}

    // `work` is lazy: it runs only when no value for `key` is in flight or kept. A caller that joins
    // work in flight waits for it until `deadline`; empty when the deadline came first.
    boost::asio::awaitable<std::optional<Result>> run(Key key, boost::asio::awaitable<Value> work,
                                                      Clock::time_point deadline) {
        if (auto found = m_entries.find(key); found != m_entries.end()) {
            auto entry = found->second;
            if (!entry->value) {
                co_return co_await join(entry, deadline);
            }
            if (entry->expires > Clock::now()) {
                m_lru.splice(m_lru.begin(), m_lru, entry->lru);
                co_return Result{*entry->value, true};
            }
            forget(found);
        }
        auto entry = std::make_shared<Entry>();
        m_entries.emplace(key, entry);
        std::optional<Value> value;
        try {
            value.emplace(co_await std::move(work));
        } catch (...) {
            finish(key, entry);  // the joiners leave empty-handed; the exception is the producer's
            throw;
        }
        entry->value = value;
        finish(key, entry);
        co_return Result{std::move(*value), false};
    }

    std::size_t kept() const { return m_lru.size(); }

private:
    using Waiter = std::shared_ptr<boost::asio::steady_timer>;
    struct Entry {
        std::optional<Value> value;
        Clock::time_point expires = Clock::time_point::max();
        std::vector<Waiter> waiters;
        typename std::list<Key>::iterator lru;
        bool listed = false;
    };
    using Entries = std::map<Key, std::shared_ptr<Entry>>;

    boost::asio::awaitable<std::optional<Result>> join(std::shared_ptr<Entry> entry, Clock::time_point deadline) {
        auto waiter = std::make_shared<boost::asio::steady_timer>(co_await boost::asio::this_coro::executor);
        waiter->expires_at(deadline);
        entry->waiters.push_back(waiter);
        boost::system::error_code ignored;
        co_await waiter->async_wait(boost::asio::redirect_error(boost::asio::use_awaitable, ignored));
        if (entry->value) {
            co_return Result{*entry->value, true};
        }
        std::erase(entry->waiters, waiter);
        co_return std::nullopt;
    }

    // The work for `key` is over: wake its joiners, then keep the value or drop the entry.
    void finish(const Key& key, const std::shared_ptr<Entry>& entry) {
        for (auto& waiter : entry->waiters) {
            waiter->cancel();
        }
        entry->waiters.clear();
        const auto found = m_entries.find(key);
        if (found == m_entries.end() || found->second != entry) {
            return;
        }
        const auto lifetime = entry->value ? m_lifetime(*entry->value) : std::nullopt;
        if (!lifetime || *lifetime <= Clock::duration::zero() || m_capacity == 0) {
            m_entries.erase(found);
            return;
        }
        entry->expires = Clock::now() + *lifetime;
        m_lru.push_front(key);
        entry->lru = m_lru.begin();
        entry->listed = true;
        while (m_lru.size() > m_capacity) {
            forget(m_entries.find(m_lru.back()));
        }
    }

    void forget(typename Entries::iterator found) {
        if (found->second->listed) {
            m_lru.erase(found->second->lru);
        }
        m_entries.erase(found);
    }

    std::size_t m_capacity;
    Lifetime m_lifetime;
    Entries m_entries;
    std::list<Key> m_lru;  // keys of kept values, most recently used first
};

}  // namespace relaymetry::io
