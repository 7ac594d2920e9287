// Politeness towards servers (see connection_limiter.hpp).
#include "relaymetry/probe/connection_limiter.hpp"

#include <algorithm>
#include <cassert>
#include <exception>
#include <limits>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace relaymetry::probe {

namespace {
// Idle addresses are forgotten now and then, so a run over 100,000 domains keeps only the busy ones.
constexpr std::uint64_t k_sweep_every = 256;
}  // namespace

std::string_view describe(Busy busy) {
    switch (busy) {
        case Busy::service: return "the run's connections to this port (at most two at once) were busy";
        case Busy::address:
            return "the server takes one connection at a time from this client and the run's other connection to "
                   "it was busy";
        case Busy::rate: return "the run's rate limit of new connections to this address (--connect-rate) was reached";
    }
    return "the run's connection limits were busy";
}

std::shared_ptr<ConnectionLimiter> make_connection_limiter(ConnectionLimits limits) {
    return std::make_shared<ConnectionLimiter>(limits);
}

ConnectionLimiter::Slot::Slot(std::shared_ptr<ConnectionLimiter> limiter, std::string address, std::uint16_t port,
                              std::uint64_t started_as, bool others_open)
    : m_limiter(std::move(limiter)),
      m_address(std::move(address)),
      m_port(port),
      m_started_as(started_as),
      m_others_open(others_open) {}

ConnectionLimiter::Slot& ConnectionLimiter::Slot::operator=(Slot&& other) noexcept {
    if (this != &other) {
        release();
        m_limiter = std::move(other.m_limiter);
        m_address = std::move(other.m_address);
        m_port = other.m_port;
        m_started_as = other.m_started_as;
        m_others_open = other.m_others_open;
    }
    return *this;
}

ConnectionLimiter::Slot::~Slot() {
    release();
}

bool ConnectionLimiter::Slot::others_waiting() const {
    return m_limiter && m_limiter->waiting(m_address) > 0;
}

bool ConnectionLimiter::Slot::overlapped() const {
    if (!m_limiter) {
        return false;
    }
    const auto found = m_limiter->m_addresses.find(m_address);
    // A later acquisition while this slot is held means another connection opened beside it.
    return m_others_open || (found != m_limiter->m_addresses.end() && found->second.acquisitions > m_started_as);
}

void ConnectionLimiter::Slot::release() {
    if (m_limiter) {
        m_limiter->release(m_address, m_port);
        m_limiter.reset();
    }
}

ConnectionLimiter::ConnectionLimiter(ConnectionLimits limits) : m_limits(limits) {
    m_limits.per_service = std::max<std::size_t>(m_limits.per_service, 1);
    m_limits.burst = std::max<std::size_t>(m_limits.burst, 1);
}

ConnectionLimiter::Address& ConnectionLimiter::address_entry(const std::string& address) {
    auto [found, inserted] = m_addresses.try_emplace(address);
    if (inserted) {
        found->second.tokens = static_cast<double>(m_limits.burst);
        found->second.refilled = Clock::now();
    }
    return found->second;
}

void ConnectionLimiter::refill(Address& entry, Clock::time_point now) const {
    if (m_limits.rate_per_second <= 0) {
        return;
    }
    const std::chrono::duration<double> elapsed = now - entry.refilled;
    entry.tokens =
        std::min(static_cast<double>(m_limits.burst), entry.tokens + elapsed.count() * m_limits.rate_per_second);
    entry.refilled = now;
}

std::size_t ConnectionLimiter::address_cap(const std::string& address) const {
    return m_one_at_a_time.contains(address) ? 1 : std::numeric_limits<std::size_t>::max();
}

bool ConnectionLimiter::may_start(const std::string& address, Address& entry, const Service& service) const {
    const bool token = m_limits.rate_per_second <= 0 || entry.tokens >= 1.0;
    return service.active < m_limits.per_service && entry.active < address_cap(address) && token &&
           Clock::now() >= entry.quiet_until;
}

ConnectionLimiter::Start ConnectionLimiter::start(Address& entry, Service& service) {
    Start started{++entry.acquisitions, entry.active > 0};
    ++entry.active;
    ++service.active;
    if (m_limits.rate_per_second > 0) {
        entry.tokens -= 1.0;
    }
    return started;
}

boost::asio::awaitable<tl::expected<ConnectionLimiter::Slot, Busy>> ConnectionLimiter::acquire(
    std::string address, std::uint16_t port, Clock::time_point deadline) {
    auto self = shared_from_this();
    if (!m_executor) {
        m_executor = co_await boost::asio::this_coro::executor;
    }
    if (++m_order % k_sweep_every == 0) {
        for (auto it = m_addresses.begin(); it != m_addresses.end();) {
            const auto next = std::next(it);
            forget_if_idle(it->first);
            it = next;
        }
    }
    auto& entry = address_entry(address);
    refill(entry, Clock::now());
    auto& service = entry.services[port];
    const bool queue_empty = std::all_of(entry.services.begin(), entry.services.end(),
                                         [](const auto& item) { return item.second.waiters.empty(); });
    if (queue_empty && may_start(address, entry, service)) {
        const auto started = start(entry, service);
        co_return Slot(self, address, port, started.started_as, started.others_open);
    }
    auto waiter = std::make_shared<Waiter>(co_await boost::asio::this_coro::executor);
    waiter->order = m_order;
    waiter->timer.expires_at(deadline);
    service.waiters.push_back(waiter);
    count_waiting(entry, +1);
    grant_waiting(address);  // another port's waiter may hold the head while this port has room
    if (!waiter->granted) {
        boost::system::error_code ignored;
        co_await waiter->timer.async_wait(boost::asio::redirect_error(boost::asio::use_awaitable, ignored));
    }
    if (waiter->granted) {
        co_return Slot(self, address, port, waiter->started_as, waiter->others_open);
    }
    auto& waiters = m_addresses[address].services[port].waiters;
    waiters.erase(std::remove(waiters.begin(), waiters.end(), waiter), waiters.end());
    count_waiting(m_addresses[address], -1);
    const auto reason = busy_reason(address, port);
    grant_waiting(address);  // this waiter may have been the one holding the queue's head
    cancel_refill_if_unwanted(m_addresses[address]);
    co_return tl::unexpected(reason);
}

Busy ConnectionLimiter::busy_reason(const std::string& address, std::uint16_t port) {
    auto& entry = address_entry(address);
    if (entry.services[port].active >= m_limits.per_service) {
        return Busy::service;
    }
    if (entry.active >= address_cap(address) || Clock::now() < entry.quiet_until) {
        return Busy::address;
    }
    return m_limits.rate_per_second > 0 && entry.tokens < 1.0 ? Busy::rate : Busy::service;
}

// Hands free places to the longest waiters first (across the address's ports), as far as the limits allow.
void ConnectionLimiter::grant_waiting(const std::string& address) {
    const auto found = m_addresses.find(address);
    if (found == m_addresses.end()) {
        return;
    }
    auto& entry = found->second;
    refill(entry, Clock::now());
    for (;;) {
        Service* next = nullptr;
        for (auto& [port, service] : entry.services) {
            if (!service.waiters.empty() && service.active < m_limits.per_service &&
                (next == nullptr || service.waiters.front()->order < next->waiters.front()->order)) {
                next = &service;
            }
        }
        if (next == nullptr || !may_start(address, entry, *next)) {
            break;
        }
        auto waiter = next->waiters.front();
        next->waiters.pop_front();
        count_waiting(entry, -1);
        const auto started = start(entry, *next);
        waiter->granted = true;
        waiter->started_as = started.started_as;
        waiter->others_open = started.others_open;
        waiter->timer.cancel();
    }
    schedule_refill(address, entry);
    cancel_refill_if_unwanted(entry);
}

// When waiters wait for a token or for the quiet gap after a close, wake the queue when it is due.
void ConnectionLimiter::schedule_refill(const std::string& address, Address& entry) {
    const bool need_token = m_limits.rate_per_second > 0 && entry.tokens < 1.0;
    const bool quiet = Clock::now() < entry.quiet_until;
    if (entry.refill || !m_executor || (!need_token && !quiet)) {
        return;
    }
    const bool anyone_waiting = std::any_of(entry.services.begin(), entry.services.end(),
                                            [](const auto& item) { return !item.second.waiters.empty(); });
    if (!anyone_waiting) {
        return;
    }
    auto when = entry.quiet_until;
    if (need_token) {
        const auto due = std::chrono::duration<double>((1.0 - entry.tokens) / m_limits.rate_per_second);
        when = std::max(when, entry.refilled + std::chrono::duration_cast<Clock::duration>(due));
    }
    entry.refill = std::make_shared<boost::asio::steady_timer>(m_executor, when);
    boost::asio::co_spawn(m_executor, refill_later(shared_from_this(), address, entry.refill),
                          [](std::exception_ptr error) {
                              if (error) {
                                  std::rethrow_exception(error);  // a bug: out of run(), an internal error
                              }
                          });
}

// Nobody waits any more: a pending refill would only keep the event loop alive.
void ConnectionLimiter::cancel_refill_if_unwanted(Address& entry) {
    const bool anyone_waiting = std::any_of(entry.services.begin(), entry.services.end(),
                                            [](const auto& item) { return !item.second.waiters.empty(); });
    if (entry.refill && !anyone_waiting) {
        entry.refill->cancel();
        entry.refill.reset();
    }
}

boost::asio::awaitable<void> ConnectionLimiter::refill_later(std::shared_ptr<ConnectionLimiter> self,
                                                             std::string address,
                                                             std::shared_ptr<boost::asio::steady_timer> timer) {
    boost::system::error_code error;
    co_await timer->async_wait(boost::asio::redirect_error(boost::asio::use_awaitable, error));
    const auto found = self->m_addresses.find(address);
    if (error || found == self->m_addresses.end() || found->second.refill != timer) {
        co_return;  // cancelled: nobody waits for the token
    }
    found->second.refill.reset();
    self->grant_waiting(address);
}

void ConnectionLimiter::count_waiting(Address& entry, int change) {
    if (entry.waiting > 0 && --m_queue_lengths[entry.waiting] == 0) {
        m_queue_lengths.erase(entry.waiting);
    }
    entry.waiting = static_cast<std::size_t>(static_cast<std::ptrdiff_t>(entry.waiting) + change);
    if (entry.waiting > 0) {
        ++m_queue_lengths[entry.waiting];
    }
}

std::size_t ConnectionLimiter::longest_queue() const {
    return m_queue_lengths.empty() ? 0 : m_queue_lengths.rbegin()->first;
}

void ConnectionLimiter::one_at_a_time(const std::string& address) {
    m_one_at_a_time.insert(address);
}

bool ConnectionLimiter::is_one_at_a_time(const std::string& address) const {
    return m_one_at_a_time.contains(address);
}

std::size_t ConnectionLimiter::active(const std::string& address, std::uint16_t port) const {
    const auto found = m_addresses.find(address);
    if (found == m_addresses.end()) {
        return 0;
    }
    const auto service = found->second.services.find(port);
    return service == found->second.services.end() ? 0 : service->second.active;
}

std::size_t ConnectionLimiter::waiting(const std::string& address) const {
    const auto found = m_addresses.find(address);
    if (found == m_addresses.end()) {
        return 0;
    }
    std::size_t count = 0;
    for (const auto& [port, service] : found->second.services) {
        count += service.waiters.size();
    }
    return count;
}

void ConnectionLimiter::release(const std::string& address, std::uint16_t port) {
    auto& entry = m_addresses[address];
    auto& service = entry.services[port];
    assert(entry.active > 0 && service.active > 0);
    --entry.active;
    --service.active;
    if (is_one_at_a_time(address)) {
        // The server may count the closed connection a little longer (Exim, until it has reaped the
        // child that served it): the next one waits a moment.
        entry.quiet_until = Clock::now() + k_one_at_a_time_gap;
    }
    grant_waiting(address);
    forget_if_idle(address);
}

// An address with nothing open, nothing waiting and a full bucket has no state worth keeping.
void ConnectionLimiter::forget_if_idle(const std::string& address) {
    const auto found = m_addresses.find(address);
    if (found == m_addresses.end() || found->second.active > 0 || found->second.refill ||
        Clock::now() < found->second.quiet_until) {
        return;
    }
    auto& entry = found->second;
    refill(entry, Clock::now());
    const bool full = m_limits.rate_per_second <= 0 || entry.tokens >= static_cast<double>(m_limits.burst);
    const bool idle = std::all_of(entry.services.begin(), entry.services.end(), [](const auto& item) {
        return item.second.active == 0 && item.second.waiters.empty();
    });
    if (full && idle) {
        m_addresses.erase(found);
    }
}

}  // namespace relaymetry::probe
