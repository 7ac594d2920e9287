#include <catch2/catch.hpp>

#include "relaymetry/probe/connect_to.hpp"

using relaymetry::probe::parse_connect_to;
using relaymetry::probe::redirect;

TEST_CASE("connect-to parses curl's HOST:PORT:ADDR:PORT") {
    auto rule = parse_connect_to("Mail.Example.com.:465:127.0.0.1:2465");
    REQUIRE(rule);
    CHECK(rule->host == "mail.example.com");
    CHECK(rule->port == 465);
    CHECK(rule->address == "127.0.0.1");
    CHECK(rule->address_port == 2465);
}

TEST_CASE("connect-to takes bracketed IPv6 and empty fields") {
    auto rule = parse_connect_to("::[::1]:");
    REQUIRE(rule);
    CHECK(rule->host.empty());
    CHECK(rule->port == 0);
    CHECK(rule->address == "::1");
    CHECK(rule->address_port == 0);
}

TEST_CASE("connect-to rejects malformed values with a reason") {
    CHECK(parse_connect_to("mail.example.com:465:127.0.0.1").error().find("four fields") != std::string::npos);
    CHECK(parse_connect_to("a:99999:127.0.0.1:1").error().find("99999") != std::string::npos);
    CHECK(parse_connect_to("a:465:localhost:1").error().find("not an IP address") != std::string::npos);
    CHECK(parse_connect_to("a:465:[::1:1").error().find("']'") != std::string::npos);
    CHECK(parse_connect_to("a:465::1").error().find("ADDR is empty") != std::string::npos);
    CHECK(!parse_connect_to("a:x:127.0.0.1:1"));
    // A HOST no probe could match (found by tests/fuzz/connect_to) is an error, not a dead rule.
    CHECK(parse_connect_to("ma\x1cil.example.com:25:127.0.0.1:").error().find("not a host name") != std::string::npos);
    CHECK(parse_connect_to("mail..example.com:25:127.0.0.1:").error().find("not a host name") != std::string::npos);
    CHECK(parse_connect_to("mail.example.com..:25:127.0.0.1:").error().find("not a host name") != std::string::npos);
    CHECK(parse_connect_to("_submissions._tcp.example.com.:25:127.0.0.1:"));
}

TEST_CASE("redirect applies the first matching rule") {
    std::vector<relaymetry::probe::ConnectToRule> rules{
        *parse_connect_to("mail.example.com:465:127.0.0.1:2465"),
        *parse_connect_to("mail.example.com::127.0.0.2:"),
    };
    auto implicit = redirect(rules, "MAIL.example.com", 465);
    REQUIRE(implicit);
    CHECK(implicit->address == "127.0.0.1");
    CHECK(implicit->port == 2465);
    auto starttls = redirect(rules, "mail.example.com", 587);
    REQUIRE(starttls);
    CHECK(starttls->address == "127.0.0.2");
    CHECK(starttls->port == 587);
    CHECK(!redirect(rules, "other.example.com", 465));
}
