#include <chrono>
#include <string>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <catch2/catch.hpp>

#include "relaymetry/io/gather.hpp"

namespace asio = boost::asio;
using namespace std::chrono_literals;

namespace {
std::vector<int> g_finish_order;

asio::awaitable<int> sleep_then_return(std::chrono::milliseconds delay, int value) {
    asio::steady_timer timer(co_await asio::this_coro::executor, delay);
    co_await timer.async_wait(asio::use_awaitable);
    g_finish_order.push_back(value);
    co_return value;
}

asio::awaitable<int> fail_after(std::chrono::milliseconds delay) {
    asio::steady_timer timer(co_await asio::this_coro::executor, delay);
    co_await timer.async_wait(asio::use_awaitable);
    throw std::runtime_error("boom");
}

template <typename T>
T run(asio::io_context& io, asio::awaitable<T> task) {
    T result{};
    bool finished = false;
    asio::co_spawn(io, std::move(task), [&](std::exception_ptr error, T value) {
        if (error) {
            std::rethrow_exception(error);
        }
        result = std::move(value);
        finished = true;
    });
    io.run();
    REQUIRE(finished);
    return result;
}

asio::awaitable<std::vector<int>> three_sleepers() {
    std::vector<asio::awaitable<int>> tasks;
    tasks.push_back(sleep_then_return(60ms, 1));
    tasks.push_back(sleep_then_return(20ms, 2));
    tasks.push_back(sleep_then_return(40ms, 3));
    co_return co_await relaymetry::io::gather(std::move(tasks));
}

asio::awaitable<std::string> one_failure() {
    std::vector<asio::awaitable<int>> tasks;
    tasks.push_back(sleep_then_return(30ms, 1));
    tasks.push_back(fail_after(10ms));
    try {
        co_await relaymetry::io::gather(std::move(tasks));
    } catch (const std::runtime_error& error) {
        co_return error.what();
    }
    co_return "no exception";
}

asio::awaitable<std::vector<int>> nothing() {
    co_return co_await relaymetry::io::gather(std::vector<asio::awaitable<int>>{});
}
}  // namespace

TEST_CASE("gather returns results in input order and runs tasks at once") {
    asio::io_context io;
    g_finish_order.clear();
    auto results = run(io, three_sleepers());
    CHECK(results == std::vector<int>{1, 2, 3});
    // One after another they would finish 1, 2, 3; at once, the shortest sleep finishes first.
    CHECK(g_finish_order == std::vector<int>{2, 3, 1});
}

TEST_CASE("gather rethrows a task's exception after all tasks finished") {
    asio::io_context io;
    CHECK(run(io, one_failure()) == "boom");
}

TEST_CASE("gather of no tasks returns at once") {
    asio::io_context io;
    CHECK(run(io, nothing()).empty());
}
