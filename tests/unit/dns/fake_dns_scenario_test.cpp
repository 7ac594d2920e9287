// The JSON scenario of the fake_dns program (format: tests/support/fake_dns_main.cpp), checked through
// the real resolver so that the CLI tests can rely on it.
#include <stdexcept>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "dns_test_util.hpp"

namespace asio = boost::asio;
using relaymetry::LookupResult;
using relaymetry::LookupStatus;
using relaymetry::RecordType;
using relaymetry::test::FakeDns;
using relaymetry::test::load_dns_scenario;
using relaymetry::test::resolver_for;
using relaymetry::test::run_to_completion;

namespace {

LookupResult lookup(FakeDns& server, std::string name, RecordType type) {
    asio::io_context io;
    auto resolver = resolver_for(io, server, {.try_timeout = std::chrono::milliseconds(200), .tries = 1});
    return run_to_completion(io, resolver->lookup(std::move(name), type));
}

}  // namespace

TEST_CASE("a scenario scripts records, behaviours and delays") {
    FakeDns server;
    load_dns_scenario(server, R"({
      "records": [
        {"name": "example.com", "type": "MX", "preference": 10, "host": "mx1.example.com"},
        {"name": "mx1.example.com.", "type": "a", "address": "192.0.2.1"},
        {"name": "mx1.example.com", "type": "AAAA", "address": "2001:db8::1"},
        {"name": "_mta-sts.example.com", "type": "TXT", "strings": ["v=STSv1; ", "id=1"]},
        {"name": "_smtp._tls.example.com", "type": "TXT", "text": "v=TLSRPTv1; rua=mailto:r@example.com"},
        {"name": "_submissions._tcp.example.com", "type": "SRV", "priority": 1, "weight": 2, "port": 465,
         "target": "."},
        {"name": "www.example.com", "type": "CNAME", "target": "mx1.example.com", "ttl": 60}
      ],
      "behaviours": [
        {"name": "broken.example.com", "behaviour": "servfail"},
        {"name": "example.com", "type": "TXT", "behaviour": "refused"},
        {"name": "slow.example.com", "behaviour": "answer", "delay_ms": 1}
      ],
      "delays": [{"name": "other.example.com", "delay_ms": 1}],
      "delay_ms": 0
    })");
    auto mx = lookup(server, "example.com", RecordType::mx);
    REQUIRE(mx.mx.size() == 1);
    CHECK(mx.mx[0].host == "mx1.example.com");
    CHECK(lookup(server, "mx1.example.com", RecordType::a).addresses == std::vector<std::string>{"192.0.2.1"});
    CHECK(lookup(server, "mx1.example.com", RecordType::aaaa).addresses == std::vector<std::string>{"2001:db8::1"});
    CHECK(lookup(server, "_mta-sts.example.com", RecordType::txt).txt == std::vector<std::string>{"v=STSv1; id=1"});
    CHECK(lookup(server, "_smtp._tls.example.com", RecordType::txt).txt ==
          std::vector<std::string>{"v=TLSRPTv1; rua=mailto:r@example.com"});
    auto srv = lookup(server, "_submissions._tcp.example.com", RecordType::srv);
    REQUIRE(srv.srv.size() == 1);
    CHECK(srv.srv[0].target == ".");
    CHECK(srv.srv[0].priority == 1);
    CHECK(lookup(server, "www.example.com", RecordType::a).addresses == std::vector<std::string>{"192.0.2.1"});
    CHECK(lookup(server, "broken.example.com", RecordType::a).status == LookupStatus::servfail);
    CHECK(lookup(server, "example.com", RecordType::txt).status == LookupStatus::refused);
    CHECK(lookup(server, "slow.example.com", RecordType::a).status == LookupStatus::nxdomain);
}

TEST_CASE("an invalid scenario is refused with the reason") {
    FakeDns server;
    auto message_of = [&](const std::string& text) {
        try {
            load_dns_scenario(server, text);
        } catch (const std::runtime_error& error) {
            return std::string{error.what()};
        }
        return std::string{"accepted"};
    };
    CHECK(message_of("{").find("not valid JSON") != std::string::npos);
    CHECK(message_of("[]").find("JSON object") != std::string::npos);
    CHECK(message_of(R"({"records": [{"name": "a.example", "type": "HINFO"}]})").find("HINFO") != std::string::npos);
    CHECK(message_of(R"({"records": [{"name": "a.example", "type": "A"}]})").find("bad record") != std::string::npos);
    CHECK(message_of(R"({"behaviours": [{"name": "a.example", "behaviour": "explode"}]})").find("explode") !=
          std::string::npos);
    CHECK(message_of(R"({"records": []})") == "accepted");
}
