// The c-ares resolver against the fake DNS server on 127.0.0.1: every outcome a lookup can have.
#include <string>
#include <vector>

#include <boost/asio/ip/udp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <catch2/catch.hpp>

#include "dns_test_util.hpp"
#include "relaymetry/io/gather.hpp"

namespace asio = boost::asio;
using namespace std::chrono_literals;
using relaymetry::LookupResult;
using relaymetry::LookupStatus;
using relaymetry::RecordType;
using relaymetry::dns::Resolver;
using relaymetry::test::DnsBehaviour;
using relaymetry::test::FakeDns;
using relaymetry::test::FakeRecord;
using relaymetry::test::resolver_for;
using relaymetry::test::ResolverOptions;
using relaymetry::test::run_to_completion;
namespace test = relaymetry::test;

namespace {

LookupResult lookup(FakeDns& server, std::string name, RecordType type, ResolverOptions options = {}) {
    asio::io_context io;
    auto resolver = resolver_for(io, server, options);
    return run_to_completion(io, resolver->lookup(std::move(name), type));
}

asio::awaitable<std::vector<LookupResult>> many_lookups(Resolver& resolver, int count) {
    std::vector<asio::awaitable<LookupResult>> tasks;
    for (int i = 0; i < count; ++i) {
        tasks.push_back(resolver.lookup("host" + std::to_string(i) + ".example.com", RecordType::a));
    }
    co_return co_await relaymetry::io::gather(std::move(tasks));
}

asio::awaitable<void> destroy_after(std::unique_ptr<Resolver>& resolver, std::chrono::milliseconds delay) {
    asio::steady_timer timer(co_await asio::this_coro::executor, delay);
    co_await timer.async_wait(asio::use_awaitable);
    resolver.reset();
}

asio::awaitable<void> lookup_into(Resolver& resolver, std::string name, std::shared_ptr<LookupResult> out) {
    *out = co_await resolver.lookup(std::move(name), RecordType::a);
}

// The resolver goes away while its lookup waits for a server that never answers.
asio::awaitable<LookupResult> lookup_while_destroyed(std::unique_ptr<Resolver>& resolver) {
    auto out = std::make_shared<LookupResult>();
    std::vector<asio::awaitable<void>> tasks;
    tasks.push_back(lookup_into(*resolver, "silent.example.com", out));
    tasks.push_back(destroy_after(resolver, 100ms));
    co_await relaymetry::io::gather(std::move(tasks));
    co_return *out;
}

// A UDP port on 127.0.0.1 that nobody listens on (bound, then closed).
std::string closed_port_server() {
    asio::io_context io;
    asio::ip::udp::socket socket(io, asio::ip::udp::endpoint(asio::ip::address_v4::loopback(), 0));
    const auto port = socket.local_endpoint().port();
    socket.close();
    return "127.0.0.1:" + std::to_string(port);
}

}  // namespace

TEST_CASE("resolver: answers of every type, names case-insensitive") {
    FakeDns server;
    server.add(FakeRecord::a("mail.example.com", "192.0.2.10"));
    server.add(FakeRecord::a("mail.example.com", "192.0.2.11"));
    server.add(FakeRecord::aaaa("mail.example.com", "2001:db8::10"));
    server.add(FakeRecord::mx("example.com", 10, "mail.example.com"));
    server.add(FakeRecord::txt("_mta-sts.example.com", {"v=STSv1; ", "id=1"}));
    server.add(FakeRecord::srv("_submissions._tcp.example.com", 0, 1, 465, "mail.example.com"));

    auto a = lookup(server, "Mail.Example.COM", RecordType::a);
    CHECK(a.status == LookupStatus::answer);
    CHECK(a.name == "Mail.Example.COM");
    CHECK(a.addresses == std::vector<std::string>{"192.0.2.10", "192.0.2.11"});
    CHECK(lookup(server, "mail.example.com", RecordType::aaaa).addresses == std::vector<std::string>{"2001:db8::10"});
    auto mx = lookup(server, "example.com", RecordType::mx);
    REQUIRE(mx.mx.size() == 1);
    CHECK(mx.mx[0].host == "mail.example.com");
    CHECK(lookup(server, "_mta-sts.example.com", RecordType::txt).txt == std::vector<std::string>{"v=STSv1; id=1"});
    auto srv = lookup(server, "_submissions._tcp.example.com", RecordType::srv);
    REQUIRE(srv.srv.size() == 1);
    CHECK(srv.srv[0].port == 465);
    CHECK(srv.srv[0].target == "mail.example.com");
}

TEST_CASE("resolver: nxdomain and nodata are absences, not failures") {
    FakeDns server;
    server.add(FakeRecord::a("example.com", "192.0.2.1"));
    auto nxdomain = lookup(server, "nothing.example.com", RecordType::a);
    CHECK(nxdomain.status == LookupStatus::nxdomain);
    CHECK(nxdomain.error.empty());
    auto nodata = lookup(server, "example.com", RecordType::mx);
    CHECK(nodata.status == LookupStatus::nodata);
    CHECK(nodata.error.empty());
    server.set_behaviour("told.example.com", DnsBehaviour::nxdomain);
    CHECK(lookup(server, "told.example.com", RecordType::txt).status == LookupStatus::nxdomain);
    server.add(FakeRecord::a("empty.example.com", "192.0.2.2"));
    server.set_behaviour("empty.example.com", DnsBehaviour::nodata);
    CHECK(lookup(server, "empty.example.com", RecordType::a).status == LookupStatus::nodata);
}

TEST_CASE("resolver: SERVFAIL and REFUSED come back as such; SERVFAIL asked once more, with CD") {
    FakeDns server;
    server.set_behaviour("broken.example.com", DnsBehaviour::servfail);
    server.set_behaviour("closed.example.com", DnsBehaviour::refused);
    auto servfail = lookup(server, "broken.example.com", RecordType::a);
    CHECK(servfail.status == LookupStatus::servfail);
    CHECK(servfail.error.find("SERVFAIL") != std::string::npos);
    auto refused = lookup(server, "closed.example.com", RecordType::txt);
    CHECK(refused.status == LookupStatus::refused);
    CHECK_FALSE(refused.error.empty());
    // ARES_FLAG_NOCHECKRESP: the answer is final, not a reason to try again; only the DNSSEC question
    // (does it answer with checking disabled?) asks once more. It does not: broken, not bogus.
    CHECK(servfail.dnssec == relaymetry::DnssecStatus::indeterminate);
    CHECK(server.query_count("broken.example.com", test::k_type_a) == 2);
    CHECK(server.query_count("closed.example.com", test::k_type_txt) == 1);
    std::vector<bool> checking_disabled;
    for (const auto& query : server.queries()) {
        if (query.name == "broken.example.com") {
            checking_disabled.push_back(query.checking_disabled);
        }
    }
    CHECK(checking_disabled == std::vector<bool>{false, true});
}

TEST_CASE("resolver: a behaviour for one type leaves the other types alone") {
    FakeDns server;
    server.add(FakeRecord::a("mixed.example.com", "192.0.2.3"));
    server.set_behaviour("mixed.example.com", test::k_type_aaaa, DnsBehaviour::servfail);
    CHECK(lookup(server, "mixed.example.com", RecordType::a).status == LookupStatus::answer);
    CHECK(lookup(server, "mixed.example.com", RecordType::aaaa).status == LookupStatus::servfail);
}

TEST_CASE("resolver: a silent server is a timeout with a plain reason") {
    FakeDns server;
    server.set_behaviour("silent.example.com", DnsBehaviour::drop);
    auto result = lookup(server, "silent.example.com", RecordType::a, {.try_timeout = 200ms, .tries = 2});
    CHECK(result.status == LookupStatus::timeout);
    CHECK(result.error.find("could not contact the DNS server") != std::string::npos);
    CHECK(server.query_count("silent.example.com", test::k_type_a) == 2);  // one per try
}

TEST_CASE("resolver: a server that refuses the connection is unreachable, told apart from a timeout") {
    asio::io_context io;
    relaymetry::dns::ResolverConfig config;
    config.servers = {closed_port_server()};
    config.try_timeout = 200ms;
    config.tries = 1;
    const auto deadline = std::chrono::steady_clock::now() + 5s;
    auto resolver = relaymetry::dns::make_cares_resolver(io.get_executor(), config, deadline);
    auto result = run_to_completion(io, resolver->lookup("example.com", RecordType::a));
    CHECK(result.status == LookupStatus::unreachable);
    CHECK(result.error.find("could not contact the DNS server") != std::string::npos);
    CHECK(is_resolver_failure(result.status));
}

TEST_CASE("resolver: a corrupt answer with the right ID is malformed") {
    FakeDns server;
    server.set_behaviour("corrupt.example.com", DnsBehaviour::malformed);
    auto result = lookup(server, "corrupt.example.com", RecordType::txt);
    CHECK(result.status == LookupStatus::malformed);
    CHECK_FALSE(result.error.empty());
    CHECK(result.txt.empty());
}

TEST_CASE("resolver: garbage is ignored and the lookup fails") {
    FakeDns server;
    server.set_behaviour("noise.example.com", DnsBehaviour::garbage);
    auto result = lookup(server, "noise.example.com", RecordType::a, {.try_timeout = 200ms, .tries = 2});
    CHECK(result.status == LookupStatus::timeout);
}

TEST_CASE("resolver: a truncated UDP answer is asked again over TCP") {
    FakeDns server;
    server.add(FakeRecord::txt("big.example.com", {"fits in a small answer"}));
    server.set_behaviour("big.example.com", DnsBehaviour::truncate);
    auto result = lookup(server, "big.example.com", RecordType::txt);
    CHECK(result.status == LookupStatus::answer);
    CHECK(result.txt == std::vector<std::string>{"fits in a small answer"});
    auto queries = server.queries();
    REQUIRE(queries.size() == 2);
    CHECK_FALSE(queries[0].tcp);
    CHECK(queries[1].tcp);
}

TEST_CASE("resolver: an answer truncated over UDP and TCP alike is a failed lookup, never NODATA") {
    FakeDns server;
    server.add(FakeRecord::txt("cut.example.com", {"never seen"}));
    server.set_behaviour("cut.example.com", DnsBehaviour::truncate_always);
    auto result = lookup(server, "cut.example.com", RecordType::txt);
    CHECK(result.status == LookupStatus::malformed);
    CHECK(result.error.find("truncated (TC bit) even over TCP") != std::string::npos);
    auto queries = server.queries();
    REQUIRE(queries.size() == 2);  // c-ares asked again over TCP, then passed the TCP answer on
    CHECK_FALSE(queries[0].tcp);
    CHECK(queries[1].tcp);
}

TEST_CASE("resolver: an answer larger than the EDNS payload arrives over TCP") {
    FakeDns server;
    std::vector<std::string> strings(8, std::string(250, 'z'));  // about 2 KB: over 1232 bytes
    server.add(FakeRecord::txt("large.example.com", strings));
    auto result = lookup(server, "large.example.com", RecordType::txt);
    CHECK(result.status == LookupStatus::answer);
    REQUIRE(result.txt.size() == 1);
    CHECK(result.txt[0].size() == 2000);
    CHECK(server.queries().back().tcp);
}

TEST_CASE("resolver: truncation with a broken TCP side fails") {
    FakeDns server;
    server.add(FakeRecord::a("loop.example.com", "192.0.2.4"));
    server.set_behaviour("loop.example.com", DnsBehaviour::truncate_loop);
    auto result = lookup(server, "loop.example.com", RecordType::a, {.try_timeout = 300ms, .tries = 2});
    CHECK(relaymetry::is_failure(result.status));
    CHECK(result.addresses.empty());
}

TEST_CASE("resolver: queries carry EDNS0 with a 1232-byte payload") {
    FakeDns server;
    server.add(FakeRecord::a("example.com", "192.0.2.1"));
    REQUIRE(lookup(server, "example.com", RecordType::a).status == LookupStatus::answer);
    auto queries = server.queries();
    REQUIRE(queries.size() == 1);
    CHECK(queries[0].name == "example.com");
    CHECK(queries[0].type == test::k_type_a);
    CHECK_FALSE(queries[0].tcp);
    CHECK(queries[0].edns);
    CHECK(queries[0].edns_payload == 1232);
}

TEST_CASE("resolver: the deadline ends a lookup the server never answers") {
    FakeDns server;
    server.set_behaviour("silent.example.com", DnsBehaviour::drop);
    // c-ares alone would wait 5 + 10 + 20 seconds; the check's deadline comes first.
    auto result =
        lookup(server, "silent.example.com", RecordType::a, {.try_timeout = 5000ms, .tries = 3, .deadline = 300ms});
    CHECK(result.status == LookupStatus::timeout);
    CHECK(result.error.find("deadline") != std::string::npos);
}

TEST_CASE("resolver: a lookup after the deadline is a timeout without a query") {
    FakeDns server;
    server.add(FakeRecord::a("example.com", "192.0.2.1"));
    auto result = lookup(server, "example.com", RecordType::a, {.deadline = -1ms});
    CHECK(result.status == LookupStatus::timeout);
    CHECK(server.queries().empty());
}

TEST_CASE("resolver: many lookups at once on one channel") {
    FakeDns server;
    constexpr int count = 60;
    for (int i = 0; i < count; ++i) {
        server.add(FakeRecord::a("host" + std::to_string(i) + ".example.com", "192.0.2." + std::to_string(i)));
    }
    server.set_delay(20ms);
    asio::io_context io;
    auto resolver = resolver_for(io, server);
    auto results = run_to_completion(io, many_lookups(*resolver, count));
    REQUIRE(results.size() == count);
    for (int i = 0; i < count; ++i) {
        INFO("lookup " << i);
        const auto& result = results[static_cast<std::size_t>(i)];
        CHECK(result.status == LookupStatus::answer);
        CHECK(result.addresses == std::vector<std::string>{"192.0.2." + std::to_string(i)});
    }
}

TEST_CASE("resolver: destroying the resolver ends its pending lookups") {
    FakeDns server;
    server.set_behaviour("silent.example.com", DnsBehaviour::drop);
    asio::io_context io;
    auto resolver = resolver_for(io, server, {.try_timeout = 5000ms, .tries = 3});
    auto result = run_to_completion(io, lookup_while_destroyed(resolver));
    CHECK(resolver == nullptr);
    CHECK(result.status == LookupStatus::timeout);
    CHECK(result.error.find("abandoned") != std::string::npos);  // not c-ares' own timeout
}

TEST_CASE("resolver: an invalid server makes every lookup fail with the reason") {
    asio::io_context io;
    relaymetry::dns::ResolverConfig config;
    config.servers = {"dns.example.net"};
    const auto deadline = std::chrono::steady_clock::now() + 5s;
    auto resolver = relaymetry::dns::make_cares_resolver(io.get_executor(), config, deadline);
    auto result = run_to_completion(io, resolver->lookup("example.com", RecordType::a));
    CHECK(result.status == LookupStatus::timeout);
    CHECK(result.error.find("not an IP address") != std::string::npos);
}

TEST_CASE("validate_server accepts ADDR, ADDR:PORT and [V6]:PORT only") {
    using relaymetry::dns::validate_server;
    CHECK_FALSE(validate_server("192.0.2.53"));
    CHECK_FALSE(validate_server("192.0.2.53:5353"));
    CHECK_FALSE(validate_server("[::1]:53"));
    CHECK_FALSE(validate_server("[2001:db8::53]"));
    CHECK_FALSE(validate_server("2001:db8::53"));
    CHECK(validate_server(""));
    CHECK(validate_server("dns.example.net"));
    CHECK(validate_server("192.0.2.53:"));
    CHECK(validate_server("192.0.2.53:0"));
    CHECK(validate_server("192.0.2.53:65536"));
    CHECK(validate_server("192.0.2.53:53x"));
    CHECK(validate_server("192.0.2.256"));
    CHECK(validate_server("[::1"));
    CHECK(validate_server("[::1]53"));
    CHECK(validate_server("[192.0.2.1]:53"));
    CHECK(validate_server("fe80::1%eth0"));
    REQUIRE(validate_server("dns.example.net"));
    CHECK(validate_server("dns.example.net")->find("not an IP address") != std::string::npos);
}
