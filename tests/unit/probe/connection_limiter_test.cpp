// The per-address connection limiter: an async semaphore, first come first served, with a deadline.
#include <algorithm>
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <catch2/catch.hpp>

#include "relaymetry/io/gather.hpp"
#include "relaymetry/probe/smtp_connection_limiter.hpp"

namespace asio = boost::asio;
using namespace relaymetry::probe;
using Clock = std::chrono::steady_clock;

namespace {

using Log = std::vector<std::string>;

// Takes a slot for `key`, keeps it for `hold`, and logs what happened.
asio::awaitable<bool> hold(std::shared_ptr<ConnectionLimiter> limiter, std::string key, Clock::time_point deadline,
                           std::chrono::milliseconds held_for, Log* log, std::string name) {
    auto slot = co_await limiter->acquire(key, deadline);
    if (!slot) {
        log->push_back(name + " gave up");
        co_return false;
    }
    log->push_back(name + " in");
    asio::steady_timer timer(co_await asio::this_coro::executor, held_for);
    co_await timer.async_wait(asio::use_awaitable);
    log->push_back(name + " out");
    co_return true;
}

std::vector<bool> run(std::vector<asio::awaitable<bool>> tasks) {
    asio::io_context io;
    std::vector<bool> results;
    asio::co_spawn(io, relaymetry::io::gather(std::move(tasks)),
                   [&results](std::exception_ptr, std::vector<bool> value) { results = std::move(value); });
    io.run();
    return results;
}

std::ptrdiff_t position(const Log& log, const std::string& entry) {
    const auto found = std::find(log.begin(), log.end(), entry);
    REQUIRE(found != log.end());
    return found - log.begin();
}

}  // namespace

TEST_CASE("a third connection to one address waits for one of the first two", "[limiter]") {
    auto limiter = make_connection_limiter(2);
    const auto later = Clock::now() + std::chrono::seconds(10);
    const std::chrono::milliseconds brief(20);
    Log log;
    std::vector<asio::awaitable<bool>> tasks;
    tasks.push_back(hold(limiter, "192.0.2.1", later, brief, &log, "a1"));
    tasks.push_back(hold(limiter, "192.0.2.1", later, brief, &log, "a2"));
    tasks.push_back(hold(limiter, "192.0.2.1", later, brief, &log, "a3"));
    tasks.push_back(hold(limiter, "192.0.2.2", later, brief, &log, "b1"));
    CHECK(run(std::move(tasks)) == std::vector<bool>{true, true, true, true});
    // Another address is not held up by the first one's queue.
    CHECK(position(log, "b1 in") < position(log, "a1 out"));
    CHECK(position(log, "a3 in") > std::min(position(log, "a1 out"), position(log, "a2 out")));
    CHECK(limiter->active("192.0.2.1") == 0);
    CHECK(limiter->active("192.0.2.2") == 0);
}

TEST_CASE("a waiter whose deadline passes gives up and leaves the queue", "[limiter]") {
    auto limiter = make_connection_limiter(1);
    const auto later = Clock::now() + std::chrono::seconds(10);
    Log log;
    std::vector<asio::awaitable<bool>> tasks;
    tasks.push_back(hold(limiter, "192.0.2.1", later, std::chrono::milliseconds(20), &log, "first"));
    tasks.push_back(
        hold(limiter, "192.0.2.1", Clock::now() - std::chrono::seconds(1), std::chrono::milliseconds(0), &log, "late"));
    tasks.push_back(hold(limiter, "192.0.2.1", later, std::chrono::milliseconds(0), &log, "patient"));
    CHECK(run(std::move(tasks)) == std::vector<bool>{true, false, true});
    CHECK(position(log, "late gave up") < position(log, "first out"));
    CHECK(position(log, "patient in") > position(log, "first out"));
    CHECK(limiter->active("192.0.2.1") == 0);
}
