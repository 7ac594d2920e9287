// The egress self-test of --mx-probe: port 25 looks blocked only when every port-25 connection of the
// run failed the same way, at two MX hosts or more, and none reached a server.
#include <catch2/catch.hpp>

#include "relaymetry/app/port25_egress.hpp"

using namespace relaymetry;
using app::Port25Egress;

namespace {

AddressProbe failed(std::string address, ProbeStatus status) {
    AddressProbe probe;
    probe.address = std::move(address);
    probe.status = status;
    probe.error = "connection " + std::string(to_string(status)) + " while connecting";
    return probe;
}

AddressProbe reached(std::string address) {
    AddressProbe probe;
    probe.address = std::move(address);
    probe.status = ProbeStatus::no_starttls;
    probe.timings_ms.connect = 3;
    return probe;
}

}  // namespace

TEST_CASE("port 25 egress: every connection timing out at two MX hosts is a blocked network") {
    Port25Egress egress;
    egress.record("mx1.example.com", {failed("192.0.2.1", ProbeStatus::timeout)});
    CHECK_FALSE(egress.blocked());  // one host: it may just be that host
    egress.record("mx2.example.com", {failed("192.0.2.2", ProbeStatus::timeout)});
    REQUIRE(egress.blocked());
    CHECK(egress.blocked()->find("2 to 2 MX hosts") != std::string::npos);
    CHECK(egress.blocked()->find("timed out") != std::string::npos);
    CHECK(egress.take_announcement());
    CHECK_FALSE(egress.take_announcement());  // said once per run
}

TEST_CASE("port 25 egress: one connection that reached a server, or mixed failures, mean port 25 works") {
    Port25Egress reached_one;
    reached_one.record("mx1.example.com", {failed("192.0.2.1", ProbeStatus::refused)});
    reached_one.record("mx2.example.com", {failed("192.0.2.2", ProbeStatus::refused)});
    REQUIRE(reached_one.blocked());
    reached_one.record("mx3.example.com", {reached("192.0.2.3")});
    CHECK_FALSE(reached_one.blocked());
    CHECK_FALSE(reached_one.take_announcement());

    Port25Egress mixed;
    mixed.record("mx1.example.com", {failed("192.0.2.1", ProbeStatus::refused)});
    mixed.record("mx2.example.com", {failed("192.0.2.2", ProbeStatus::timeout)});
    CHECK_FALSE(mixed.blocked());

    // IPv4 dropped and no IPv6 route at all: one blocked network.
    Port25Egress no_route;
    no_route.record("mx1.example.com",
                    {failed("192.0.2.1", ProbeStatus::timeout), failed("2001:db8::1", ProbeStatus::unreachable)});
    no_route.record("mx2.example.com", {failed("192.0.2.2", ProbeStatus::timeout)});
    REQUIRE(no_route.blocked());
    CHECK(no_route.blocked()->find("timed out") != std::string::npos);

    // A server that accepted and then fell silent was reached: that is the server, not the network.
    Port25Egress silent;
    auto tarpit = failed("192.0.2.1", ProbeStatus::timeout);
    tarpit.timings_ms.connect = 5;
    silent.record("mx1.example.com", {tarpit});
    silent.record("mx2.example.com", {failed("192.0.2.2", ProbeStatus::timeout)});
    CHECK_FALSE(silent.blocked());
}

TEST_CASE("port 25 egress: the run's own limits say nothing, and a shared probe counts once") {
    Port25Egress egress;
    egress.record("mx1.example.com", {failed("192.0.2.1", ProbeStatus::not_probed)});
    egress.record("mx1.example.com", {failed("192.0.2.9", ProbeStatus::timeout)});
    egress.record("mx1.example.com", {failed("192.0.2.9", ProbeStatus::timeout)});  // another domain, same probe
    CHECK_FALSE(egress.blocked());
    egress.record("mx2.example.com", {failed("192.0.2.2", ProbeStatus::timeout)});
    REQUIRE(egress.blocked());
    CHECK(egress.blocked()->find("2 to 2 MX hosts") != std::string::npos);
}

TEST_CASE("port 25 egress: blocked probes become inconclusive, with the reason and their own error") {
    std::vector<AddressProbe> probes{failed("192.0.2.1", ProbeStatus::timeout), reached("192.0.2.3")};
    app::mark_egress_blocked(probes, "outbound port 25 seems blocked");
    CHECK(probes[0].status == ProbeStatus::inconclusive);
    CHECK(probes[0].error == "outbound port 25 seems blocked (this connection: connection timeout while connecting)");
    CHECK(probes[1].status == ProbeStatus::no_starttls);
}
