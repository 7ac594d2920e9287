// An async semaphore per address (see smtp_connection_limiter.hpp).
#include <algorithm>
#include <cassert>

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "relaymetry/probe/smtp_connection_limiter.hpp"

namespace relaymetry::probe {

std::shared_ptr<ConnectionLimiter> make_connection_limiter(std::size_t per_key) {
    return std::make_shared<ConnectionLimiter>(per_key);
}

ConnectionLimiter::Slot::Slot(std::shared_ptr<ConnectionLimiter> limiter, std::string key)
    : m_limiter(std::move(limiter)), m_key(std::move(key)) {}

ConnectionLimiter::Slot& ConnectionLimiter::Slot::operator=(Slot&& other) noexcept {
    if (this != &other) {
        release();
        m_limiter = std::move(other.m_limiter);
        m_key = std::move(other.m_key);
    }
    return *this;
}

ConnectionLimiter::Slot::~Slot() {
    release();
}

bool ConnectionLimiter::Slot::others_waiting() const {
    return m_limiter && m_limiter->waiting(m_key) > 0;
}

void ConnectionLimiter::Slot::release() {
    if (m_limiter) {
        m_limiter->release(m_key);
        m_limiter.reset();
    }
}

ConnectionLimiter::ConnectionLimiter(std::size_t per_key) : m_per_key(std::max<std::size_t>(per_key, 1)) {}

boost::asio::awaitable<std::optional<ConnectionLimiter::Slot>> ConnectionLimiter::acquire(
    std::string key, std::chrono::steady_clock::time_point deadline) {
    auto self = shared_from_this();
    auto& entry = m_entries[key];
    if (entry.active < m_per_key && entry.waiters.empty()) {
        ++entry.active;
        co_return Slot(self, key);
    }
    auto waiter = std::make_shared<Waiter>(co_await boost::asio::this_coro::executor);
    waiter->timer.expires_at(deadline);
    entry.waiters.push_back(waiter);
    boost::system::error_code ignored;
    co_await waiter->timer.async_wait(boost::asio::redirect_error(boost::asio::use_awaitable, ignored));
    // Granted: release() kept the count and passed its place on. Otherwise the deadline passed
    // and the waiter leaves the queue.
    if (waiter->granted) {
        co_return Slot(self, key);
    }
    auto& waiters = m_entries[key].waiters;
    waiters.erase(std::remove(waiters.begin(), waiters.end(), waiter), waiters.end());
    co_return std::nullopt;
}

std::size_t ConnectionLimiter::active(const std::string& key) const {
    const auto found = m_entries.find(key);
    return found == m_entries.end() ? 0 : found->second.active;
}

std::size_t ConnectionLimiter::waiting(const std::string& key) const {
    const auto found = m_entries.find(key);
    return found == m_entries.end() ? 0 : found->second.waiters.size();
}

void ConnectionLimiter::release(const std::string& key) {
    auto& entry = m_entries[key];
    assert(entry.active > 0);
    if (!entry.waiters.empty()) {
        auto next = entry.waiters.front();
        entry.waiters.pop_front();
        next->granted = true;
        next->timer.cancel();
        return;
    }
    if (--entry.active == 0) {
        m_entries.erase(key);  // a bulk run touches many services: keep only the busy ones
    }
}

}  // namespace relaymetry::probe
