#pragma once
// Fan-out for a variable number of coroutines: start them all at once on the current executor,
// wait until every one has finished, return the results in input order. Independent steps of a
// check run through here so that the wall time is the longest of them, not their sum.

#include <cstddef>
#include <exception>
#include <memory>
#include <optional>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace relaymetry::io {

namespace detail {
// Shared by the children and the waiting parent; the timer is the parent's wake-up call.
template <typename Result>
struct GatherState {
    explicit GatherState(boost::asio::any_io_executor executor, std::size_t count)
        : results(count), remaining(count), wake(std::move(executor)) {
        wake.expires_at(boost::asio::steady_timer::time_point::max());
    }
    std::vector<std::optional<Result>> results;
    std::size_t remaining;
    std::exception_ptr first_error;
    boost::asio::steady_timer wake;

    void finish_one(std::exception_ptr error) {
        if (error && !first_error) {
            first_error = error;
        }
        if (--remaining == 0) {
            wake.cancel();
        }
    }
};

struct Unit {};

template <typename Result>
boost::asio::awaitable<void> wait_all(std::shared_ptr<GatherState<Result>> state) {
    if (state->remaining > 0) {
        boost::system::error_code ignored;
        co_await state->wake.async_wait(boost::asio::redirect_error(boost::asio::use_awaitable, ignored));
    }
    if (state->first_error) {
        std::rethrow_exception(state->first_error);
    }
}
}  // namespace detail

// Every task runs to completion even when another throws; the first exception is rethrown after all
// have finished. Tasks are expected to report failures as values, not exceptions.
template <typename T>
boost::asio::awaitable<std::vector<T>> gather(std::vector<boost::asio::awaitable<T>> tasks) {
    auto executor = co_await boost::asio::this_coro::executor;
    auto state = std::make_shared<detail::GatherState<T>>(executor, tasks.size());
    for (std::size_t i = 0; i < tasks.size(); ++i) {
        boost::asio::co_spawn(executor, std::move(tasks[i]), [state, i](std::exception_ptr error, T value) {
            if (!error) {
                state->results[i].emplace(std::move(value));
            }
            state->finish_one(error);
        });
    }
    co_await detail::wait_all(state);
    std::vector<T> results;
    results.reserve(state->results.size());
    for (auto& result : state->results) {
        results.push_back(std::move(*result));
    }
    co_return results;
}

inline boost::asio::awaitable<void> gather(std::vector<boost::asio::awaitable<void>> tasks) {
    auto executor = co_await boost::asio::this_coro::executor;
    auto state = std::make_shared<detail::GatherState<detail::Unit>>(executor, tasks.size());
    for (auto& task : tasks) {
        boost::asio::co_spawn(executor, std::move(task),
                              [state](std::exception_ptr error) { state->finish_one(error); });
    }
    co_await detail::wait_all(state);
}

}  // namespace relaymetry::io
