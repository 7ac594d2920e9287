// One run-wide cache in front of every domain's resolver (see resolver.hpp).
#include <algorithm>
#include <cctype>
#include <tuple>

#include "relaymetry/dns/resolver.hpp"
#include "relaymetry/io/single_flight.hpp"

namespace relaymetry::dns {

namespace {

namespace asio = boost::asio;

struct LookupKey {
    std::string name;  // lower case: DNS names compare without case (RFC 4343)
    RecordType type;
    auto operator<=>(const LookupKey&) const = default;
};

using SharedLookups = io::SingleFlight<LookupKey, LookupResult>;

std::optional<std::chrono::steady_clock::duration> lookup_lifetime(const LookupResult& result) {
    if (is_failure(result.status) || !result.ttl || *result.ttl == 0) {
        return std::nullopt;
    }
    return std::min<std::chrono::steady_clock::duration>(std::chrono::seconds(*result.ttl),
                                                         k_max_shared_lookup_lifetime);
}

std::string lower(std::string text) {
    std::transform(text.begin(), text.end(), text.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return text;
}

class SharedResolver : public Resolver {
public:
    SharedResolver(std::unique_ptr<Resolver> inner, std::shared_ptr<SharedLookups> lookups,
                   std::chrono::steady_clock::time_point deadline)
        : m_inner(std::move(inner)), m_lookups(std::move(lookups)), m_deadline(deadline) {}

    asio::awaitable<LookupResult> lookup(std::string name, RecordType type) override {
        LookupKey key{lower(name), type};
        auto work = m_inner->lookup(name, type);
        auto shared = co_await m_lookups->run(std::move(key), std::move(work), m_deadline);
        if (!shared) {
            LookupResult result;
            result.name = std::move(name);
            result.type = type;
            result.status = LookupStatus::timeout;
            result.error = "no answer before the check's deadline";
            co_return result;
        }
        shared->value.name = std::move(name);  // as this check asked it
        co_return std::move(shared->value);
    }

private:
    std::unique_ptr<Resolver> m_inner;
    std::shared_ptr<SharedLookups> m_lookups;
    std::chrono::steady_clock::time_point m_deadline;
};

class SharedResolverFactory : public ResolverFactory {
public:
    explicit SharedResolverFactory(std::shared_ptr<ResolverFactory> inner)
        : m_inner(std::move(inner)),
          m_lookups(std::make_shared<SharedLookups>(k_max_shared_lookups, lookup_lifetime)) {}

    std::unique_ptr<Resolver> make(asio::any_io_executor executor,
                                   std::chrono::steady_clock::time_point deadline) override {
        return std::make_unique<SharedResolver>(m_inner->make(std::move(executor), deadline), m_lookups, deadline);
    }

    std::vector<std::string> servers() const override { return m_inner->servers(); }

private:
    std::shared_ptr<ResolverFactory> m_inner;
    std::shared_ptr<SharedLookups> m_lookups;
};

}  // namespace

std::shared_ptr<ResolverFactory> make_shared_resolver_factory(std::shared_ptr<ResolverFactory> inner) {
    return std::make_shared<SharedResolverFactory>(std::move(inner));
}

}  // namespace relaymetry::dns
