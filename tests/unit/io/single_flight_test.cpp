// SingleFlight: one run of the work per key, joined while in flight, kept within capacity and lifetime.
// Gates (timers the test opens) order the steps; nothing depends on how fast the machine is.
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <catch2/catch.hpp>

#include "relaymetry/io/gather.hpp"
#include "relaymetry/io/single_flight.hpp"

namespace asio = boost::asio;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using Flight = relaymetry::io::SingleFlight<std::string, int>;

namespace {

// Counts the runs of the work; each waits for the gate (when given) before it answers.
struct Work {
    int runs = 0;
    asio::steady_timer* gate = nullptr;
};

asio::awaitable<int> produce(Work* work, int value) {
    ++work->runs;
    if (work->gate != nullptr) {
        boost::system::error_code ignored;
        co_await work->gate->async_wait(asio::redirect_error(asio::use_awaitable, ignored));
    }
    co_return value;
}

struct Outcome {
    std::optional<int> value;
    bool shared = false;
};

asio::awaitable<Outcome> ask(Flight* flight, Work* work, std::string key, int value, Clock::time_point deadline) {
    auto produced = produce(work, value);
    auto result = co_await flight->run(std::move(key), std::move(produced), deadline);
    if (!result) {
        co_return Outcome{};
    }
    co_return Outcome{result->value, result->shared};
}

asio::awaitable<Outcome> open_gate(asio::steady_timer* gate) {
    gate->cancel();
    co_return Outcome{};
}

std::vector<Outcome> run_all(asio::io_context& io, std::vector<asio::awaitable<Outcome>> tasks) {
    std::vector<Outcome> outcomes;
    asio::co_spawn(io, relaymetry::io::gather(std::move(tasks)), [&](std::exception_ptr error, std::vector<Outcome> v) {
        if (error) {
            std::rethrow_exception(error);
        }
        outcomes = std::move(v);
    });
    io.run();
    io.restart();
    return outcomes;
}

Flight::Lifetime keep_for(Clock::duration lifetime) {
    return [lifetime](const int&) { return std::optional<Clock::duration>(lifetime); };
}

Clock::time_point later() {
    return Clock::now() + 10s;
}

}  // namespace

TEST_CASE("callers of one key while it runs share one run of the work") {
    asio::io_context io;
    asio::steady_timer gate(io, Clock::time_point::max());
    Work work{0, &gate};
    Flight flight(16, keep_for(1h));
    std::vector<asio::awaitable<Outcome>> tasks;
    tasks.push_back(ask(&flight, &work, "mail.example.net", 1, later()));
    tasks.push_back(ask(&flight, &work, "mail.example.net", 2, later()));
    tasks.push_back(ask(&flight, &work, "other.example.net", 3, later()));
    tasks.push_back(open_gate(&gate));
    const auto outcomes = run_all(io, std::move(tasks));
    CHECK(work.runs == 2);
    CHECK(outcomes[0].value == 1);
    CHECK_FALSE(outcomes[0].shared);
    CHECK(outcomes[1].value == 1);  // the joiner got the first caller's value, its own work never ran
    CHECK(outcomes[1].shared);
    CHECK(outcomes[2].value == 3);
    CHECK_FALSE(outcomes[2].shared);
}

TEST_CASE("a kept value is reused until its lifetime ends; declined values are not kept") {
    asio::io_context io;
    Work work;
    Flight kept(16, keep_for(1h));
    std::vector<asio::awaitable<Outcome>> first;
    first.push_back(ask(&kept, &work, "k", 1, later()));
    run_all(io, std::move(first));
    std::vector<asio::awaitable<Outcome>> second;
    second.push_back(ask(&kept, &work, "k", 2, later()));
    auto outcomes = run_all(io, std::move(second));
    CHECK(work.runs == 1);
    CHECK(outcomes[0].value == 1);
    CHECK(outcomes[0].shared);

    Work fresh;
    Flight expired(16, keep_for(Clock::duration::zero()));
    for (int value : {1, 2}) {
        std::vector<asio::awaitable<Outcome>> tasks;
        tasks.push_back(ask(&expired, &fresh, "k", value, later()));
        outcomes = run_all(io, std::move(tasks));
        CHECK(outcomes[0].value == value);
        CHECK_FALSE(outcomes[0].shared);
    }
    CHECK(fresh.runs == 2);
    CHECK(expired.kept() == 0);
}

TEST_CASE("at most `capacity` values are kept, the least recently used go first") {
    asio::io_context io;
    Work work;
    Flight flight(2, keep_for(1h));
    for (const char* key : {"a", "b", "a", "c"}) {  // "a" used again before "c" arrives: "b" goes
        std::vector<asio::awaitable<Outcome>> tasks;
        tasks.push_back(ask(&flight, &work, key, 0, later()));
        run_all(io, std::move(tasks));
    }
    CHECK(flight.kept() == 2);
    CHECK(work.runs == 3);
    std::vector<asio::awaitable<Outcome>> again;
    again.push_back(ask(&flight, &work, "a", 0, later()));
    again.push_back(ask(&flight, &work, "b", 0, later()));
    const auto outcomes = run_all(io, std::move(again));
    CHECK(outcomes[0].shared);
    CHECK_FALSE(outcomes[1].shared);
    CHECK(work.runs == 4);
}

TEST_CASE("a joiner whose deadline comes first leaves empty-handed; the work goes on") {
    asio::io_context io;
    asio::steady_timer gate(io, Clock::now() + 200ms);  // the work finishes after the joiner's deadline
    Work work{0, &gate};
    Flight flight(16, keep_for(1h));
    std::vector<asio::awaitable<Outcome>> tasks;
    tasks.push_back(ask(&flight, &work, "k", 7, later()));
    tasks.push_back(ask(&flight, &work, "k", 8, Clock::now() + 10ms));
    const auto outcomes = run_all(io, std::move(tasks));
    CHECK(outcomes[0].value == 7);
    CHECK_FALSE(outcomes[1].value);
    CHECK(work.runs == 1);
}
