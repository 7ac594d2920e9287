#pragma once
// DNS lookups as awaitables on the program's one event loop. The Resolver interface is the seam that
// lets discovery be tested with scripted answers; make_cares_resolver() is the real one (c-ares
// driven by the loop: its sockets watched by Asio, its timeouts by a loop timer; no threads, no
// getaddrinfo).

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include "relaymetry/core/dns_types.hpp"

namespace relaymetry::dns {

struct ResolverConfig {
    // "ADDR", "ADDR:PORT", "[V6ADDR]:PORT" (as given to --dns); empty = the system's resolvers.
    std::vector<std::string> servers;
    // The first attempt's wait before c-ares retries; c-ares doubles it for each later round
    // (0.5 + 1 + 2 + 4 s), so a lost UDP packet costs half a second, not two.
    std::chrono::milliseconds try_timeout{500};
    int tries = 4;
};

// Checks one --dns value; returns a plain-English reason when it is not an address[:port].
std::optional<std::string> validate_server(std::string_view server);

class Resolver {
public:
    virtual ~Resolver() = default;
    // Never throws for network trouble: every outcome is a LookupStatus in the result.
    virtual boost::asio::awaitable<LookupResult> lookup(std::string name, RecordType type) = 0;
};

// One c-ares channel for one domain check. Lookups still pending at `deadline` end as timeout.
std::unique_ptr<Resolver> make_cares_resolver(boost::asio::any_io_executor executor, const ResolverConfig& config,
                                              std::chrono::steady_clock::time_point deadline);

// Makes the resolver of each domain's check: the seam collect() takes its DNS from (tests give it
// scripted resolvers; a run-wide cache can wrap it).
class ResolverFactory {
public:
    virtual ~ResolverFactory() = default;
    virtual std::unique_ptr<Resolver> make(boost::asio::any_io_executor executor,
                                           std::chrono::steady_clock::time_point deadline) = 0;
    // The resolvers asked, for the report ("127.0.0.1:53"); empty = the system's.
    virtual std::vector<std::string> servers() const = 0;
};

// c-ares with `config` for every domain.
std::shared_ptr<ResolverFactory> make_cares_resolver_factory(ResolverConfig config);

// At most this many answers are kept for reuse by a shared resolver factory.
inline constexpr std::size_t k_max_shared_lookups = 16384;
// However long a TTL, an answer is reused for at most this long within one run.
inline constexpr std::chrono::seconds k_max_shared_lookup_lifetime{3600};

// `inner`'s resolvers behind one run-wide cache: a lookup of (name, type) is made once per run and
// every domain's check that asks for it while it is in flight, or while its answer's TTL lasts, gets
// the same answer. Failures are shared with the lookups waiting for them but never kept.
std::shared_ptr<ResolverFactory> make_shared_resolver_factory(std::shared_ptr<ResolverFactory> inner);

}  // namespace relaymetry::dns
