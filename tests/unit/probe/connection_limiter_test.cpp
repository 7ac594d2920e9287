// The run's connection limiter: per service, per address once adapted, a rate per address; first come
// first served, with a deadline. Hold times order the steps; no assertion depends on how fast they run.
#include <algorithm>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <catch2/catch.hpp>

#include "relaymetry/io/gather.hpp"
#include "relaymetry/probe/connection_limiter.hpp"

namespace asio = boost::asio;
using namespace relaymetry::probe;
using Clock = std::chrono::steady_clock;

namespace {

using Log = std::vector<std::string>;

struct Held {
    bool admitted = false;
    bool overlapped = false;
    std::optional<Busy> busy;
};

// Takes a slot for address:port, keeps it for `held_for`, and logs what happened.
asio::awaitable<Held> hold(std::shared_ptr<ConnectionLimiter> limiter, std::string address, std::uint16_t port,
                           Clock::time_point deadline, std::chrono::milliseconds held_for, Log* log, std::string name) {
    auto slot = co_await limiter->acquire(address, port, deadline);
    if (!slot) {
        log->push_back(name + " gave up");
        co_return Held{false, false, slot.error()};
    }
    log->push_back(name + " in");
    asio::steady_timer timer(co_await asio::this_coro::executor, held_for);
    co_await timer.async_wait(asio::use_awaitable);
    log->push_back(name + " out");
    co_return Held{true, slot->overlapped(), std::nullopt};
}

std::vector<bool> admitted(const std::vector<Held>& held) {
    std::vector<bool> result;
    for (const auto& item : held) {
        result.push_back(item.admitted);
    }
    return result;
}

std::vector<Held> run(std::vector<asio::awaitable<Held>> tasks) {
    asio::io_context io;
    std::vector<Held> results;
    asio::co_spawn(io, relaymetry::io::gather(std::move(tasks)),
                   [&results](std::exception_ptr error, std::vector<Held> value) {
                       if (error) {
                           std::rethrow_exception(error);
                       }
                       results = std::move(value);
                   });
    io.run();
    return results;
}

ConnectionLimits per_service(std::size_t count) {
    return ConnectionLimits{count, 0, 1};  // no rate limit: these tests are about concurrency
}

std::ptrdiff_t position(const Log& log, const std::string& entry) {
    const auto found = std::find(log.begin(), log.end(), entry);
    REQUIRE(found != log.end());
    return found - log.begin();
}

}  // namespace

TEST_CASE("a third connection to one service waits for one of the first two", "[limiter]") {
    auto limiter = make_connection_limiter(per_service(2));
    const auto later = Clock::now() + std::chrono::seconds(10);
    const std::chrono::milliseconds brief(20);
    Log log;
    std::vector<asio::awaitable<Held>> tasks;
    tasks.push_back(hold(limiter, "192.0.2.1", 465, later, brief, &log, "a1"));
    tasks.push_back(hold(limiter, "192.0.2.1", 465, later, brief, &log, "a2"));
    tasks.push_back(hold(limiter, "192.0.2.1", 465, later, brief, &log, "a3"));
    tasks.push_back(hold(limiter, "192.0.2.1", 587, later, brief, &log, "p1"));
    tasks.push_back(hold(limiter, "192.0.2.2", 465, later, brief, &log, "b1"));
    CHECK(admitted(run(std::move(tasks))) == std::vector<bool>{true, true, true, true, true});
    // Another port, or another address, is not held up by the first service's queue.
    CHECK(position(log, "p1 in") < position(log, "a1 out"));
    CHECK(position(log, "b1 in") < position(log, "a1 out"));
    CHECK(position(log, "a3 in") > std::min(position(log, "a1 out"), position(log, "a2 out")));
    CHECK(limiter->active("192.0.2.1", 465) == 0);
    CHECK(limiter->active("192.0.2.2", 465) == 0);
}

TEST_CASE("a waiter whose deadline passes gives up, says which limit was busy, and leaves the queue", "[limiter]") {
    auto limiter = make_connection_limiter(per_service(1));
    const auto later = Clock::now() + std::chrono::seconds(10);
    Log log;
    std::vector<asio::awaitable<Held>> tasks;
    tasks.push_back(hold(limiter, "192.0.2.1", 465, later, std::chrono::milliseconds(20), &log, "first"));
    tasks.push_back(hold(limiter, "192.0.2.1", 465, Clock::now() - std::chrono::seconds(1),
                         std::chrono::milliseconds(0), &log, "late"));
    tasks.push_back(hold(limiter, "192.0.2.1", 465, later, std::chrono::milliseconds(0), &log, "patient"));
    const auto held = run(std::move(tasks));
    CHECK(admitted(held) == std::vector<bool>{true, false, true});
    CHECK(held[1].busy == Busy::service);
    CHECK(position(log, "late gave up") < position(log, "first out"));
    CHECK(position(log, "patient in") > position(log, "first out"));
    CHECK(limiter->active("192.0.2.1", 465) == 0);
}

TEST_CASE("an address that turned a second connection away gets one at a time, all ports", "[limiter]") {
    auto limiter = make_connection_limiter(per_service(2));
    limiter->one_at_a_time("192.0.2.1");
    CHECK(limiter->is_one_at_a_time("192.0.2.1"));
    CHECK_FALSE(limiter->is_one_at_a_time("192.0.2.2"));
    const auto later = Clock::now() + std::chrono::seconds(10);
    const std::chrono::milliseconds brief(20);
    Log log;
    std::vector<asio::awaitable<Held>> tasks;
    tasks.push_back(hold(limiter, "192.0.2.1", 465, later, brief, &log, "tls"));
    tasks.push_back(hold(limiter, "192.0.2.1", 587, later, brief, &log, "starttls"));
    tasks.push_back(hold(limiter, "192.0.2.2", 465, later, brief, &log, "other"));
    tasks.push_back(hold(limiter, "192.0.2.2", 587, later, brief, &log, "other-starttls"));
    const auto held = run(std::move(tasks));
    CHECK(admitted(held) == std::vector<bool>{true, true, true, true});
    CHECK(position(log, "starttls in") > position(log, "tls out"));
    CHECK(position(log, "other-starttls in") < position(log, "other out"));
    // Alone at the address: a push-back could not have been the run's doing.
    CHECK_FALSE(held[0].overlapped);
    CHECK_FALSE(held[1].overlapped);
    CHECK(held[2].overlapped);
    CHECK(held[3].overlapped);
}

TEST_CASE("new connections to one address start at most at the rate, after the burst", "[limiter]") {
    // One new connection per 1,000 s after a burst of two: the third cannot start before its deadline.
    auto limiter = make_connection_limiter(ConnectionLimits{8, 0.001, 2});
    const auto soon = Clock::now() + std::chrono::milliseconds(50);
    Log log;
    std::vector<asio::awaitable<Held>> tasks;
    tasks.push_back(hold(limiter, "192.0.2.1", 465, soon, std::chrono::milliseconds(0), &log, "one"));
    tasks.push_back(hold(limiter, "192.0.2.1", 587, soon, std::chrono::milliseconds(0), &log, "two"));
    tasks.push_back(hold(limiter, "192.0.2.1", 465, soon, std::chrono::milliseconds(0), &log, "three"));
    tasks.push_back(hold(limiter, "192.0.2.9", 465, soon, std::chrono::milliseconds(0), &log, "elsewhere"));
    const auto held = run(std::move(tasks));
    CHECK(admitted(held) == std::vector<bool>{true, true, false, true});
    CHECK(held[2].busy == Busy::rate);
}

TEST_CASE("a token that comes due lets the next waiter start", "[limiter]") {
    // 100 a second after a burst of one: the second waits for the next token, well within its deadline.
    auto limiter = make_connection_limiter(ConnectionLimits{8, 100, 1});
    const auto later = Clock::now() + std::chrono::seconds(10);
    Log log;
    std::vector<asio::awaitable<Held>> tasks;
    tasks.push_back(hold(limiter, "192.0.2.1", 465, later, std::chrono::milliseconds(0), &log, "one"));
    tasks.push_back(hold(limiter, "192.0.2.1", 465, later, std::chrono::milliseconds(0), &log, "two"));
    CHECK(admitted(run(std::move(tasks))) == std::vector<bool>{true, true});
}

namespace {

asio::awaitable<Held> sample_queue(std::shared_ptr<ConnectionLimiter> limiter, std::size_t* seen) {
    asio::steady_timer timer(co_await asio::this_coro::executor, std::chrono::milliseconds(10));
    co_await timer.async_wait(asio::use_awaitable);
    *seen = limiter->longest_queue();
    co_return Held{true, false, std::nullopt};
}

}  // namespace

TEST_CASE("the longest queue at any one address is known, and empties", "[limiter]") {
    auto limiter = make_connection_limiter(per_service(1));
    const auto later = Clock::now() + std::chrono::seconds(10);
    const std::chrono::milliseconds held(50);
    Log log;
    std::size_t seen = 0;
    std::vector<asio::awaitable<Held>> tasks;
    for (const char* name : {"a1", "a2", "a3"}) {
        tasks.push_back(hold(limiter, "192.0.2.1", 465, later, held, &log, name));
    }
    tasks.push_back(hold(limiter, "192.0.2.2", 465, later, held, &log, "b1"));
    tasks.push_back(hold(limiter, "192.0.2.2", 465, later, held, &log, "b2"));
    tasks.push_back(sample_queue(limiter, &seen));
    run(std::move(tasks));
    CHECK(seen == 2);  // a2 and a3 wait at 192.0.2.1; b2 alone at 192.0.2.2
    CHECK(limiter->longest_queue() == 0);
}
