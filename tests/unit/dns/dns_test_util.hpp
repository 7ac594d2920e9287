#pragma once
// Shared by the DNS tests: run one coroutine to completion on a fresh loop, and a c-ares resolver
// pointed at the fake server.
#include <chrono>
#include <exception>
#include <memory>
#include <optional>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <catch2/catch.hpp>

#include "relaymetry/dns/resolver.hpp"
#include "support/fake_dns.hpp"

namespace relaymetry::test {

template <typename T>
T run_to_completion(boost::asio::io_context& io, boost::asio::awaitable<T> task) {
    std::optional<T> result;
    std::exception_ptr failure;
    boost::asio::co_spawn(io, std::move(task), [&](std::exception_ptr error, T value) {
        failure = error;
        if (!error) {
            result.emplace(std::move(value));
        }
    });
    io.run();
    if (failure) {
        std::rethrow_exception(failure);
    }
    REQUIRE(result.has_value());
    return std::move(*result);
}

struct ResolverOptions {
    std::chrono::milliseconds try_timeout{500};
    int tries = 2;
    std::chrono::milliseconds deadline{10000};
};

inline std::unique_ptr<dns::Resolver> resolver_for(boost::asio::io_context& io, const FakeDns& server,
                                                   ResolverOptions options = {}) {
    dns::ResolverConfig config;
    config.servers = {server.server()};
    config.try_timeout = options.try_timeout;
    config.tries = options.tries;
    return dns::make_cares_resolver(io.get_executor(), config, std::chrono::steady_clock::now() + options.deadline);
}

}  // namespace relaymetry::test
