// make_shared_resolver_factory: one lookup of (name, type) per run, shared by every domain's resolver
// while in flight and while its TTL lasts; failures never kept. Scripted resolvers, no sockets.
#include <algorithm>
#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <catch2/catch.hpp>

#include "dns_test_util.hpp"
#include "relaymetry/io/gather.hpp"

namespace asio = boost::asio;
using namespace relaymetry;
using Clock = std::chrono::steady_clock;

namespace {

// Answers every lookup after a short pause (so that concurrent callers overlap), counting them.
struct Script {
    std::map<std::string, LookupResult> answers;  // by name; anything else: timeout
    std::vector<std::string> asked;
};

class ScriptedResolver : public dns::Resolver {
public:
    explicit ScriptedResolver(Script* script) : m_script(script) {}

    asio::awaitable<LookupResult> lookup(std::string name, RecordType type) override {
        m_script->asked.push_back(name);
        asio::steady_timer pause(co_await asio::this_coro::executor, std::chrono::milliseconds(5));
        boost::system::error_code ignored;
        co_await pause.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
        auto found = m_script->answers.find(name);
        LookupResult result;
        if (found != m_script->answers.end()) {
            result = found->second;
        } else {
            result.status = LookupStatus::timeout;
        }
        result.name = name;
        result.type = type;
        co_return result;
    }

private:
    Script* m_script;
};

class ScriptedFactory : public dns::ResolverFactory {
public:
    explicit ScriptedFactory(Script* script) : m_script(script) {}
    std::unique_ptr<dns::Resolver> make(asio::any_io_executor, Clock::time_point) override {
        return std::make_unique<ScriptedResolver>(m_script);
    }
    std::vector<std::string> servers() const override { return {"192.0.2.53"}; }

private:
    Script* m_script;
};

LookupResult address(std::string value, std::optional<std::uint32_t> ttl) {
    LookupResult result;
    result.status = LookupStatus::answer;
    result.addresses = {std::move(value)};
    result.ttl = ttl;
    return result;
}

// One "domain check": its own resolver from the factory, asking `names` at once.
asio::awaitable<std::vector<LookupResult>> check(std::shared_ptr<dns::ResolverFactory> factory,
                                                 std::vector<std::string> names) {
    auto resolver = factory->make(co_await asio::this_coro::executor, Clock::now() + std::chrono::seconds(5));
    std::vector<asio::awaitable<LookupResult>> lookups;
    for (const auto& name : names) {
        lookups.push_back(resolver->lookup(name, RecordType::a));
    }
    co_return co_await io::gather(std::move(lookups));
}

asio::awaitable<std::vector<LookupResult>> two_checks_then_one(std::shared_ptr<dns::ResolverFactory> factory,
                                                               std::vector<std::string> names) {
    std::vector<asio::awaitable<std::vector<LookupResult>>> checks;
    checks.push_back(check(factory, names));
    checks.push_back(check(factory, names));
    auto together = co_await io::gather(std::move(checks));
    auto later = co_await check(factory, names);
    std::vector<LookupResult> all;
    for (auto* list : {&together[0], &together[1], &later}) {
        all.insert(all.end(), list->begin(), list->end());
    }
    co_return all;
}

}  // namespace

TEST_CASE("a lookup is made once per run while its TTL lasts; zero TTL and failures are asked again") {
    Script script;
    script.answers["smtp.provider.test"] = address("192.0.2.25", 300);
    script.answers["Fresh.provider.test"] = address("192.0.2.26", 0);
    auto factory = dns::make_shared_resolver_factory(std::make_shared<ScriptedFactory>(&script));
    CHECK(factory->servers() == std::vector<std::string>{"192.0.2.53"});
    asio::io_context io;
    const auto results = test::run_to_completion(
        io, two_checks_then_one(factory, {"smtp.provider.test", "Fresh.provider.test", "silent.provider.test"}));
    REQUIRE(results.size() == 9);
    for (std::size_t check = 0; check < 3; ++check) {
        CHECK(results[check * 3].addresses == std::vector<std::string>{"192.0.2.25"});
        CHECK(results[check * 3 + 1].name == "Fresh.provider.test");  // as asked
        CHECK(results[check * 3 + 2].status == LookupStatus::timeout);
    }
    const auto asked = [&](const std::string& name) {
        return std::count(script.asked.begin(), script.asked.end(), name);
    };
    CHECK(asked("smtp.provider.test") == 1);    // joined in flight, then kept
    CHECK(asked("Fresh.provider.test") == 2);   // joined in flight; TTL 0: not kept for the third check
    CHECK(asked("silent.provider.test") == 2);  // a failure is shared in flight, never kept
}

TEST_CASE("names differing only in case are one lookup") {
    Script script;
    script.answers["MX1.provider.test"] = address("192.0.2.1", 60);
    script.answers["mx1.provider.test"] = address("192.0.2.1", 60);
    auto factory = dns::make_shared_resolver_factory(std::make_shared<ScriptedFactory>(&script));
    asio::io_context io;
    const auto results = test::run_to_completion(io, check(factory, {"MX1.provider.test", "mx1.provider.test"}));
    REQUIRE(results.size() == 2);
    CHECK(results[1].name == "mx1.provider.test");
    CHECK(results[1].addresses == std::vector<std::string>{"192.0.2.1"});
    CHECK(script.asked.size() == 1);
}
