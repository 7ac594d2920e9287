// Discovery through the real c-ares resolver against the fake DNS server: which endpoints a domain
// offers for submission (RFC 6186, RFC 8314) and where its mail goes (RFC 5321, RFC 7505).
#include <algorithm>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <catch2/catch.hpp>

#include "dns_test_util.hpp"
#include "relaymetry/dns/discovery.hpp"

namespace asio = boost::asio;
using namespace std::chrono_literals;
using relaymetry::DiscoverySource;
using relaymetry::LookupResult;
using relaymetry::LookupStatus;
using relaymetry::MxFacts;
using relaymetry::RecordType;
using relaymetry::Security;
using relaymetry::SubmissionFacts;
using relaymetry::test::DnsBehaviour;
using relaymetry::test::FakeDns;
using relaymetry::test::FakeRecord;
using relaymetry::test::resolver_for;
using relaymetry::test::run_to_completion;
namespace dns = relaymetry::dns;
namespace test = relaymetry::test;

namespace {

const std::string k_domain = "example.com";
const std::string k_implicit = "_submissions._tcp.example.com";
const std::string k_starttls = "_submission._tcp.example.com";

SubmissionFacts submission(FakeDns& server) {
    asio::io_context io;
    auto resolver = resolver_for(io, server, {.try_timeout = 300ms, .tries = 1});
    return run_to_completion(io, dns::discover_submission(*resolver, k_domain));
}

MxFacts mx(FakeDns& server) {
    asio::io_context io;
    auto resolver = resolver_for(io, server, {.try_timeout = 300ms, .tries = 1});
    return run_to_completion(io, dns::discover_mx(*resolver, k_domain));
}

bool has_failure(const std::vector<relaymetry::LookupFailure>& failures, const std::string& name, RecordType type,
                 LookupStatus status) {
    return std::any_of(failures.begin(), failures.end(), [&](const relaymetry::LookupFailure& failure) {
        return failure.name == name && failure.type == type && failure.status == status && !failure.error.empty();
    });
}

// A resolver that holds every lookup at a gate until the expected number of lookups is waiting (or
// two seconds passed), then answers them all. It measures how many lookups discovery keeps in flight,
// without any timing assertion: lookups made one after another never exceed one.
class GatedResolver final : public dns::Resolver {
public:
    GatedResolver(asio::any_io_executor executor, std::vector<std::size_t> waves)
        : m_executor(std::move(executor)), m_waves(std::move(waves)) {}

    void script(std::string name, RecordType type, LookupResult result) {
        m_script[{std::move(name), type}] = std::move(result);
    }

    asio::awaitable<LookupResult> lookup(std::string name, RecordType type) override {
        if (!m_gate) {  // the first lookup of a wave
            m_gate = std::make_shared<asio::steady_timer>(m_executor, 2s);
        }
        auto gate = m_gate;
        m_max_in_flight = std::max(m_max_in_flight, ++m_in_flight);
        if (m_wave < m_waves.size() && m_in_flight == m_waves[m_wave]) {
            ++m_wave;
            gate->cancel();  // wakes the others; this last one of the wave goes on at once
            m_gate.reset();
        } else {
            boost::system::error_code ignored;
            co_await gate->async_wait(asio::redirect_error(asio::use_awaitable, ignored));
        }
        --m_in_flight;
        auto found = m_script.find({name, type});
        LookupResult result;
        if (found != m_script.end()) {
            result = found->second;
        } else {
            result.status = LookupStatus::nxdomain;
        }
        result.name = name;
        result.type = type;
        co_return result;
    }

    std::size_t max_in_flight() const { return m_max_in_flight; }

private:
    asio::any_io_executor m_executor;
    std::vector<std::size_t> m_waves;
    std::size_t m_wave = 0;
    std::shared_ptr<asio::steady_timer> m_gate;
    std::size_t m_in_flight = 0;
    std::size_t m_max_in_flight = 0;
    std::map<std::pair<std::string, RecordType>, LookupResult> m_script;
};

LookupResult srv_answer(std::vector<std::pair<std::string, std::uint16_t>> targets) {
    LookupResult result;
    result.status = LookupStatus::answer;
    for (auto& [target, port] : targets) {
        relaymetry::SrvRecord record;
        record.port = port;
        record.target = target;
        result.srv.push_back(record);
    }
    return result;
}

LookupResult address_answer(std::string address) {
    LookupResult result;
    result.status = LookupStatus::answer;
    result.addresses = {std::move(address)};
    return result;
}

}  // namespace

TEST_CASE("discovery: independent lookups are in flight together") {
    asio::io_context io;
    // Both SRV lookups and smtp.<domain> A/AAAA at once (4), then A/AAAA of both targets at once (4).
    GatedResolver resolver(io.get_executor(), {4, 4});
    resolver.script(k_implicit, RecordType::srv, srv_answer({{"one.example.com", 465}}));
    resolver.script(k_starttls, RecordType::srv, srv_answer({{"two.example.com", 587}}));
    resolver.script("one.example.com", RecordType::a, address_answer("192.0.2.1"));
    resolver.script("two.example.com", RecordType::aaaa, address_answer("2001:db8::2"));
    auto facts = run_to_completion(io, dns::discover_submission(resolver, k_domain));
    CHECK(resolver.max_in_flight() == 4);
    CHECK(facts.source == DiscoverySource::srv);
    REQUIRE(facts.endpoints.size() == 2);
    CHECK(facts.endpoints[0].resolution.addresses == std::vector<std::string>{"192.0.2.1"});
    CHECK(facts.endpoints[1].resolution.addresses == std::vector<std::string>{"2001:db8::2"});
}

TEST_CASE("discovery: MX hosts are resolved together") {
    asio::io_context io;
    GatedResolver resolver(io.get_executor(), {1, 6});  // the MX lookup, then A/AAAA of three hosts
    LookupResult mx_answer;
    mx_answer.status = LookupStatus::answer;
    mx_answer.mx = {{10, "a.example.com"}, {20, "b.example.com"}, {30, "c.example.com"}};
    resolver.script(k_domain, RecordType::mx, mx_answer);
    auto facts = run_to_completion(io, dns::discover_mx(resolver, k_domain));
    CHECK(resolver.max_in_flight() == 6);
    CHECK(facts.hosts.size() == 3);
}

TEST_CASE("discovery: SRV records give the endpoints, their own ports honoured") {
    FakeDns server;
    server.add(FakeRecord::srv(k_implicit, 0, 1, 2465, "mail.example.com"));
    server.add(FakeRecord::srv(k_starttls, 0, 1, 587, "mail.example.com"));
    server.add(FakeRecord::a("mail.example.com", "192.0.2.25"));
    server.add(FakeRecord::aaaa("mail.example.com", "2001:db8::25"));
    server.add(FakeRecord::a("smtp.example.com", "192.0.2.99"));  // ignored: SRV exists

    auto facts = submission(server);
    CHECK(facts.source == DiscoverySource::srv);
    CHECK(facts.lookup_failures.empty());
    REQUIRE(facts.srv.size() == 2);
    CHECK(facts.srv[0].service == "_submissions._tcp");
    CHECK(facts.srv[1].service == "_submission._tcp");
    REQUIRE(facts.endpoints.size() == 2);
    CHECK(facts.endpoints[0].host == "mail.example.com");
    CHECK(facts.endpoints[0].port == 2465);
    CHECK(facts.endpoints[0].security == Security::implicit_tls);
    CHECK(facts.endpoints[0].from_srv);
    CHECK(facts.endpoints[1].port == 587);
    CHECK(facts.endpoints[1].security == Security::starttls);
    for (const auto& endpoint : facts.endpoints) {
        CHECK(endpoint.resolution.host == "mail.example.com");
        CHECK(endpoint.resolution.addresses == std::vector<std::string>{"192.0.2.25", "2001:db8::25"});
        CHECK(endpoint.resolution.v4_status == LookupStatus::answer);
        CHECK(endpoint.resolution.v6_status == LookupStatus::answer);
        CHECK(endpoint.addresses.empty());  // not probed yet
    }
    // One resolution per distinct target, not per endpoint.
    CHECK(server.query_count("mail.example.com", test::k_type_a) == 1);
}

TEST_CASE("discovery: SRV order is priority ascending, then weight descending") {
    FakeDns server;
    server.add(FakeRecord::srv(k_implicit, 20, 5, 465, "a.example.com"));
    server.add(FakeRecord::srv(k_implicit, 10, 1, 465, "y.example.com"));
    server.add(FakeRecord::srv(k_implicit, 10, 60, 465, "z.example.com"));
    server.add(FakeRecord::srv(k_implicit, 10, 60, 465, "x.example.com"));
    for (auto host : {"a.example.com", "x.example.com", "y.example.com", "z.example.com"}) {
        server.add(FakeRecord::a(host, "192.0.2.1"));
    }
    auto facts = submission(server);
    REQUIRE(facts.srv.size() == 4);
    std::vector<std::string> order;
    for (const auto& record : facts.srv) {
        order.push_back(record.target);
    }
    // Not the answer order, not alphabetical: priority, then weight, then the name for equal weights.
    CHECK(order == std::vector<std::string>{"x.example.com", "z.example.com", "y.example.com", "a.example.com"});
    REQUIRE(facts.endpoints.size() == 4);
    CHECK(facts.endpoints[3].host == "a.example.com");
}

TEST_CASE("discovery: the same target and port twice is one endpoint") {
    FakeDns server;
    server.add(FakeRecord::srv(k_implicit, 0, 10, 465, "mail.example.com"));
    server.add(FakeRecord::srv(k_implicit, 5, 10, 465, "mail.example.com"));
    server.add(FakeRecord::srv(k_implicit, 5, 10, 2465, "mail.example.com"));
    server.add(FakeRecord::a("mail.example.com", "192.0.2.25"));
    auto facts = submission(server);
    CHECK(facts.srv.size() == 3);
    REQUIRE(facts.endpoints.size() == 2);
    CHECK(facts.endpoints[0].port == 465);
    CHECK(facts.endpoints[1].port == 2465);
}

TEST_CASE("discovery: no SRV, smtp.<domain> resolves: fallback on 465 and 587") {
    FakeDns server;
    server.add(FakeRecord::a("smtp.example.com", "192.0.2.30"));
    server.add(FakeRecord::srv("_imaps._tcp.example.com", 0, 1, 993, "imap.example.com"));
    auto facts = submission(server);
    CHECK(facts.source == DiscoverySource::fallback);
    CHECK(facts.srv.empty());
    CHECK(facts.lookup_failures.empty());
    REQUIRE(facts.endpoints.size() == 2);
    CHECK(facts.endpoints[0].host == "smtp.example.com");
    CHECK(facts.endpoints[0].port == 465);
    CHECK(facts.endpoints[0].security == Security::implicit_tls);
    CHECK_FALSE(facts.endpoints[0].from_srv);
    CHECK(facts.endpoints[1].port == 587);
    CHECK(facts.endpoints[1].security == Security::starttls);
    CHECK(facts.endpoints[1].resolution.addresses == std::vector<std::string>{"192.0.2.30"});
    CHECK(facts.endpoints[1].resolution.v6_status == LookupStatus::nodata);
}

TEST_CASE("discovery: neither SRV nor smtp.<domain>: none") {
    FakeDns server;
    server.add(FakeRecord::mx(k_domain, 10, "mx.example.com"));
    auto facts = submission(server);
    CHECK(facts.source == DiscoverySource::none);
    CHECK(facts.endpoints.empty());
    CHECK(facts.srv.empty());
    CHECK(facts.lookup_failures.empty());
}

// smtp.<domain> without an address is "none" only when the DNS said so: a failed lookup may hide one.
TEST_CASE("discovery: no SRV and a failed lookup of smtp.<domain>: lookup-failed, not none") {
    FakeDns server;
    server.set_behaviour("smtp.example.com", test::k_type_a, DnsBehaviour::servfail);
    auto facts = submission(server);
    CHECK(facts.source == DiscoverySource::lookup_failed);
    CHECK(facts.endpoints.empty());
    CHECK(has_failure(facts.lookup_failures, "smtp.example.com", RecordType::a, LookupStatus::servfail));
}

TEST_CASE("discovery: every SRV target '.' means disabled, with no endpoint") {
    FakeDns server;
    server.add(FakeRecord::srv(k_implicit, 0, 0, 0, "."));
    server.add(FakeRecord::srv(k_starttls, 0, 0, 0, "."));
    server.add(FakeRecord::a("smtp.example.com", "192.0.2.30"));  // never a fallback
    auto facts = submission(server);
    CHECK(facts.source == DiscoverySource::disabled);
    CHECK(facts.endpoints.empty());
    REQUIRE(facts.srv.size() == 2);
    CHECK(facts.srv[0].target == ".");
    CHECK(facts.srv[1].target == ".");
}

TEST_CASE("discovery: one service by SRV, the other absent: no fallback for it") {
    FakeDns server;
    server.add(FakeRecord::srv(k_starttls, 0, 1, 587, "mail.example.com"));
    server.add(FakeRecord::a("mail.example.com", "192.0.2.25"));
    server.add(FakeRecord::a("smtp.example.com", "192.0.2.30"));
    auto facts = submission(server);
    CHECK(facts.source == DiscoverySource::srv);
    REQUIRE(facts.endpoints.size() == 1);
    CHECK(facts.endpoints[0].port == 587);
    CHECK(facts.endpoints[0].security == Security::starttls);
}

TEST_CASE("discovery: one service disabled, the other offered") {
    FakeDns server;
    server.add(FakeRecord::srv(k_implicit, 0, 1, 465, "mail.example.com"));
    server.add(FakeRecord::srv(k_starttls, 0, 0, 0, "."));
    server.add(FakeRecord::a("mail.example.com", "192.0.2.25"));
    auto facts = submission(server);
    CHECK(facts.source == DiscoverySource::srv);
    CHECK(facts.srv.size() == 2);
    REQUIRE(facts.endpoints.size() == 1);
    CHECK(facts.endpoints[0].security == Security::implicit_tls);
}

TEST_CASE("discovery: an SRV target without addresses stays an endpoint") {
    FakeDns server;
    server.add(FakeRecord::srv(k_implicit, 0, 1, 465, "gone.example.com"));
    auto facts = submission(server);
    CHECK(facts.source == DiscoverySource::srv);
    REQUIRE(facts.endpoints.size() == 1);
    CHECK(facts.endpoints[0].host == "gone.example.com");
    CHECK(facts.endpoints[0].resolution.addresses.empty());
    CHECK(facts.endpoints[0].resolution.v4_status == LookupStatus::nxdomain);
    CHECK(facts.lookup_failures.empty());  // absent, not failed: the rules report it as unresolvable
}

TEST_CASE("discovery: a failed address lookup of an SRV target is listed") {
    FakeDns server;
    server.add(FakeRecord::srv(k_implicit, 0, 1, 465, "mail.example.com"));
    server.add(FakeRecord::a("mail.example.com", "192.0.2.25"));
    server.set_behaviour("mail.example.com", test::k_type_aaaa, DnsBehaviour::servfail);
    auto facts = submission(server);
    REQUIRE(facts.endpoints.size() == 1);
    CHECK(facts.endpoints[0].resolution.addresses == std::vector<std::string>{"192.0.2.25"});
    CHECK(facts.endpoints[0].resolution.v6_status == LookupStatus::servfail);
    REQUIRE(facts.lookup_failures.size() == 1);
    CHECK(has_failure(facts.lookup_failures, "mail.example.com", RecordType::aaaa, LookupStatus::servfail));
}

TEST_CASE("discovery: SERVFAIL on an SRV lookup: listed, source lookup-failed, no fallback") {
    FakeDns server;
    server.set_behaviour(k_implicit, DnsBehaviour::servfail);
    server.add(FakeRecord::a("smtp.example.com", "192.0.2.30"));
    auto facts = submission(server);
    CHECK(facts.source == DiscoverySource::lookup_failed);
    CHECK(facts.endpoints.empty());
    REQUIRE(facts.lookup_failures.size() == 1);
    CHECK(has_failure(facts.lookup_failures, k_implicit, RecordType::srv, LookupStatus::servfail));
}

TEST_CASE("discovery: a timed-out SRV lookup next to a working one") {
    FakeDns server;
    server.set_behaviour(k_implicit, DnsBehaviour::drop);
    server.add(FakeRecord::srv(k_starttls, 0, 1, 587, "mail.example.com"));
    server.add(FakeRecord::a("mail.example.com", "192.0.2.25"));
    auto facts = submission(server);
    CHECK(facts.source == DiscoverySource::srv);
    CHECK(facts.endpoints.size() == 1);
    CHECK(has_failure(facts.lookup_failures, k_implicit, RecordType::srv, LookupStatus::timeout));
}

TEST_CASE("discovery: MX records sorted by preference, hosts resolved") {
    FakeDns server;
    server.add(FakeRecord::mx(k_domain, 20, "mx2.example.com"));
    server.add(FakeRecord::mx(k_domain, 10, "mx1.example.com"));
    server.add(FakeRecord::mx(k_domain, 30, "mx1.example.com"));
    server.add(FakeRecord::a("mx1.example.com", "192.0.2.1"));
    server.add(FakeRecord::aaaa("mx1.example.com", "2001:db8::1"));
    server.add(FakeRecord::aaaa("mx2.example.com", "2001:db8::2"));
    auto facts = mx(server);
    CHECK(facts.status == LookupStatus::answer);
    CHECK_FALSE(facts.null_mx);
    REQUIRE(facts.records.size() == 3);
    CHECK(facts.records[0].preference == 10);
    CHECK(facts.records[0].host == "mx1.example.com");
    CHECK(facts.records[1].preference == 20);
    CHECK(facts.records[2].preference == 30);
    REQUIRE(facts.hosts.size() == 2);  // mx1 once
    CHECK(facts.hosts[0].host == "mx1.example.com");
    CHECK(facts.hosts[0].addresses == std::vector<std::string>{"192.0.2.1", "2001:db8::1"});
    CHECK(facts.hosts[1].host == "mx2.example.com");
    CHECK(facts.hosts[1].addresses == std::vector<std::string>{"2001:db8::2"});
    CHECK(facts.hosts[1].v4_status == LookupStatus::nodata);
    CHECK(facts.lookup_failures.empty());
}

TEST_CASE("discovery: null MX is recognised and not resolved") {
    FakeDns server;
    server.add(FakeRecord::mx(k_domain, 0, "."));
    auto facts = mx(server);
    CHECK(facts.status == LookupStatus::answer);
    CHECK(facts.null_mx);
    REQUIRE(facts.records.size() == 1);
    CHECK(facts.records[0].host == ".");
    CHECK(facts.hosts.empty());
    CHECK(server.query_count(".", test::k_type_a) == 0);
}

TEST_CASE("discovery: '.' next to a real MX is not a null MX") {
    FakeDns server;
    server.add(FakeRecord::mx(k_domain, 0, "."));
    server.add(FakeRecord::mx(k_domain, 10, "mx1.example.com"));
    server.add(FakeRecord::a("mx1.example.com", "192.0.2.1"));
    auto facts = mx(server);
    CHECK_FALSE(facts.null_mx);
    REQUIRE(facts.hosts.size() == 1);
    CHECK(facts.hosts[0].host == "mx1.example.com");
}

TEST_CASE("discovery: no MX") {
    FakeDns server;
    server.add(FakeRecord::a(k_domain, "192.0.2.1"));
    auto facts = mx(server);
    CHECK(facts.status == LookupStatus::nodata);
    CHECK(facts.records.empty());
    CHECK_FALSE(facts.null_mx);
    CHECK(facts.lookup_failures.empty());
}

TEST_CASE("discovery: a failed MX lookup and a failed MX host lookup are listed") {
    FakeDns server;
    server.set_behaviour(k_domain, test::k_type_mx, DnsBehaviour::refused);
    auto facts = mx(server);
    CHECK(facts.status == LookupStatus::refused);
    CHECK(has_failure(facts.lookup_failures, k_domain, RecordType::mx, LookupStatus::refused));

    FakeDns other;
    other.add(FakeRecord::mx(k_domain, 10, "mx1.example.com"));
    other.set_behaviour("mx1.example.com", test::k_type_a, DnsBehaviour::servfail);
    facts = mx(other);
    CHECK(facts.status == LookupStatus::answer);
    REQUIRE(facts.hosts.size() == 1);
    CHECK(facts.hosts[0].v4_status == LookupStatus::servfail);
    CHECK(has_failure(facts.lookup_failures, "mx1.example.com", RecordType::a, LookupStatus::servfail));
}

TEST_CASE("discovery: resolve_host lists IPv4 first, capped per family") {
    FakeDns server;
    for (int i = 1; i <= 10; ++i) {
        server.add(FakeRecord::aaaa("many.example.com", "2001:db8::" + std::to_string(i)));
        server.add(FakeRecord::a("many.example.com", "192.0.2." + std::to_string(i)));
    }
    asio::io_context io;
    auto resolver = resolver_for(io, server);
    const auto resolution = run_to_completion(io, dns::resolve_host(*resolver, "many.example.com"));
    CHECK(resolution.failures.empty());
    const auto& host = resolution.host;
    CHECK(host.host == "many.example.com");
    REQUIRE(host.addresses.size() == 2 * relaymetry::k_max_addresses_per_family);
    CHECK(host.addresses.front() == "192.0.2.1");
    CHECK(host.addresses[relaymetry::k_max_addresses_per_family] == "2001:db8::1");
}

TEST_CASE("discovery: lookup_txt gives one string per record") {
    FakeDns server;
    server.add(FakeRecord::txt("_smtp._tls.example.com", {"v=TLSRPTv1; ", "rua=mailto:r@example.com"}));
    server.add(FakeRecord::txt("_smtp._tls.example.com", {"unrelated"}));
    asio::io_context io;
    auto resolver = resolver_for(io, server);
    auto result = run_to_completion(io, dns::lookup_txt(*resolver, "_smtp._tls.example.com"));
    CHECK(result.status == LookupStatus::answer);
    CHECK(result.txt == std::vector<std::string>{"v=TLSRPTv1; rua=mailto:r@example.com", "unrelated"});
}
