// probe_endpoint against the scripted submission server on loopback: every mode the fake has,
// with the status and facts the contract promises for it.
#include <algorithm>
#include <chrono>
#include <exception>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <openssl/ssl.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <catch2/catch.hpp>

#include "relaymetry/io/gather.hpp"
#include "relaymetry/probe/submission_probe.hpp"
#include "support/fake_smtp.hpp"
#include "support/test_pki.hpp"

namespace asio = boost::asio;
using namespace relaymetry;
using namespace relaymetry::probe;
using relaymetry::test::FakeSmtp;
using relaymetry::test::FakeSmtpConfig;
using relaymetry::test::SmtpBehaviour;
using relaymetry::test::SmtpMode;

namespace {

constexpr auto k_host = "mail.example.test";

// One PKI and one set of client contexts for the whole test binary.
struct Environment {
    test::TestPki pki;
    test::IssuedCertificate certificate = pki.issue(test::LeafSpec{k_host, {k_host}});
    TlsContexts contexts{TlsClientOptions{pki.root_file().string()}};
};

Environment& environment() {
    static Environment instance;
    return instance;
}

FakeSmtpConfig config(SmtpMode mode, SmtpBehaviour behaviour = SmtpBehaviour::normal) {
    FakeSmtpConfig result;
    result.mode = mode;
    result.behaviour = behaviour;
    result.cert_file = environment().certificate.chain_file;
    result.key_file = environment().certificate.key_file;
    return result;
}

ProbeOptions options(std::chrono::milliseconds budget = std::chrono::seconds(10)) {
    ProbeOptions result;
    result.tls = &environment().contexts;
    result.limiter = make_connection_limiter();
    result.deadline = std::chrono::steady_clock::now() + budget;
    return result;
}

Endpoint endpoint(std::uint16_t port, Security security, std::vector<std::string> addresses = {"127.0.0.1"}) {
    Endpoint result;
    result.host = k_host;
    result.port = port;
    result.security = security;
    result.resolution.host = k_host;
    result.resolution.addresses = std::move(addresses);
    return result;
}

std::vector<AddressProbe> run(std::vector<Endpoint> endpoints, ProbeOptions probe_options) {
    asio::io_context io;
    std::vector<std::vector<AddressProbe>> results(endpoints.size());
    std::exception_ptr failure;
    for (std::size_t i = 0; i < endpoints.size(); ++i) {
        asio::co_spawn(io, probe_endpoint(endpoints[i], probe_options),
                       [&results, &failure, i](std::exception_ptr error, std::vector<AddressProbe> value) {
                           if (error) {
                               failure = error;
                           }
                           results[i] = std::move(value);
                       });
    }
    io.run();
    if (failure) {
        std::rethrow_exception(failure);
    }
    std::vector<AddressProbe> flat;
    for (auto& result : results) {
        flat.insert(flat.end(), result.begin(), result.end());
    }
    return flat;
}

AddressProbe run_one(const FakeSmtp& fake, Security security, ProbeOptions probe_options = options()) {
    auto probes = run({endpoint(fake.port(), security)}, std::move(probe_options));
    REQUIRE(probes.size() == 1);
    return probes.front();
}

// The probe never offers credentials or starts a transaction.
// The probe sends QUIT and leaves without waiting for the 221, so the fake may still be reading the
// last lines when the probe returns: give it a moment (bounded) to record `count` of them.
std::vector<std::string> commands_when_settled(const FakeSmtp& fake, std::size_t count) {
    for (int i = 0; i < 200 && fake.commands().size() < count; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return fake.commands();
}

void check_commands_harmless(const FakeSmtp& fake) {
    for (const auto& command : fake.commands()) {
        INFO(command);
        CHECK(command.rfind("AUTH", 0) == std::string::npos);
        CHECK(command.rfind("MAIL", 0) == std::string::npos);
        CHECK(command.rfind("RCPT", 0) == std::string::npos);
    }
}

}  // namespace

TEST_CASE("587: a good STARTTLS server", "[submission]") {
    FakeSmtp fake(config(SmtpMode::starttls));
    const auto probe = run_one(fake, Security::starttls);
    CHECK(probe.status == ProbeStatus::ok);
    CHECK_FALSE(probe.error);
    CHECK(probe.address == "127.0.0.1");
    CHECK(probe.smtp.banner == "fake.test ESMTP ready");
    CHECK(probe.smtp.starttls_offered);
    CHECK(probe.smtp.auth_before_tls.empty());
    CHECK(probe.smtp.ehlo == std::vector<std::string>{"PIPELINING", "8BITMIME", "ENHANCEDSTATUSCODES", "STARTTLS"});
    CHECK(probe.smtp.ehlo_after_tls == std::vector<std::string>{"PIPELINING", "8BITMIME", "AUTH PLAIN LOGIN"});
    CHECK_FALSE(probe.smtp.data_after_starttls_reply);
    CHECK(probe.timings_ms.connect);
    CHECK(probe.timings_ms.banner);
    CHECK(probe.timings_ms.ehlo);
    CHECK(probe.timings_ms.starttls);
    CHECK(probe.timings_ms.handshake);
    REQUIRE(probe.tls);
    CHECK(probe.tls->version == TlsVersion::tls1_3);
    CHECK(probe.tls->tls13_supported);
    CHECK_FALSE(probe.tls->modern_client_failed);
    CHECK(probe.tls->legacy_versions_accepted.empty());
    REQUIRE(probe.tls->certificate);
    CHECK(probe.tls->certificate->chain_valid);
    CHECK(probe.tls->certificate->name_match);

    // Two sessions ran side by side, their lines interleaved in the fake's record: the main one
    // (EHLO, STARTTLS, EHLO, QUIT) and the legacy-version one (EHLO, STARTTLS, then a refused handshake).
    const auto commands = commands_when_settled(fake, 6);
    const auto times = [&](const std::string& line) { return std::count(commands.begin(), commands.end(), line); };
    CHECK(commands.size() == 6);
    CHECK(times("EHLO [127.0.0.1]") == 3);
    CHECK(times("STARTTLS") == 2);
    CHECK(times("QUIT") == 1);
    CHECK(fake.connections() == 2);
    check_commands_harmless(fake);
}

TEST_CASE("465: a good implicit-TLS server", "[submission]") {
    FakeSmtp fake(config(SmtpMode::implicit_tls));
    auto probe_options = options();
    probe_options.ehlo_name = "probe.example.test";
    const auto probe = run_one(fake, Security::implicit_tls, probe_options);
    CHECK(probe.status == ProbeStatus::ok);
    CHECK(probe.smtp.banner == "fake.test ESMTP ready");
    CHECK(probe.smtp.ehlo == std::vector<std::string>{"PIPELINING", "8BITMIME", "AUTH PLAIN LOGIN"});
    CHECK(probe.smtp.ehlo_after_tls.empty());
    CHECK_FALSE(probe.smtp.plaintext_on_implicit_port);
    CHECK(probe.timings_ms.handshake);
    CHECK_FALSE(probe.timings_ms.starttls);
    REQUIRE(probe.tls);
    CHECK(probe.tls->version == TlsVersion::tls1_3);
    CHECK(fake.commands().front() == "EHLO probe.example.test");
    check_commands_harmless(fake);
}

TEST_CASE("587: what the server offers in cleartext", "[submission]") {
    SECTION("no STARTTLS") {
        auto setup = config(SmtpMode::starttls);
        setup.offer_starttls = false;
        setup.auth_before_tls = true;
        FakeSmtp fake(setup);
        const auto probe = run_one(fake, Security::starttls);
        CHECK(probe.status == ProbeStatus::no_starttls);
        CHECK(probe.error == "the server does not advertise STARTTLS");
        CHECK_FALSE(probe.smtp.starttls_offered);
        CHECK(probe.smtp.auth_before_tls == std::vector<std::string>{"PLAIN", "LOGIN"});
        CHECK_FALSE(probe.tls);
        // The main session and the legacy-version one each stop at the missing STARTTLS.
        auto commands = commands_when_settled(fake, 4);
        std::sort(commands.begin(), commands.end());
        CHECK(commands == std::vector<std::string>{"EHLO [127.0.0.1]", "EHLO [127.0.0.1]", "QUIT", "QUIT"});
    }
    SECTION("a slow banner, still within the deadline") {
        auto setup = config(SmtpMode::starttls);
        setup.banner_delay = std::chrono::milliseconds(300);
        FakeSmtp fake(setup);
        const auto probe = run_one(fake, Security::starttls);
        CHECK(probe.status == ProbeStatus::ok);
    }
    SECTION("AUTH before TLS") {
        auto setup = config(SmtpMode::starttls);
        setup.auth_before_tls = true;
        FakeSmtp fake(setup);
        const auto probe = run_one(fake, Security::starttls);
        CHECK(probe.status == ProbeStatus::ok);
        CHECK(probe.smtp.auth_before_tls == std::vector<std::string>{"PLAIN", "LOGIN"});
        check_commands_harmless(fake);
    }
    SECTION("STARTTLS refused with 454") {
        auto setup = config(SmtpMode::starttls);
        setup.refuse_starttls = true;
        FakeSmtp fake(setup);
        const auto probe = run_one(fake, Security::starttls);
        CHECK(probe.status == ProbeStatus::starttls_rejected);
        CHECK(probe.error == "STARTTLS was answered with 454 4.7.0 TLS not available due to temporary reason");
        CHECK_FALSE(probe.tls);
    }
    SECTION("bytes after the 220 to STARTTLS") {
        FakeSmtp fake(config(SmtpMode::starttls, SmtpBehaviour::data_after_starttls));
        const auto probe = run_one(fake, Security::starttls);
        CHECK(probe.smtp.data_after_starttls_reply);
        // The injected bytes never reached TLS, so the handshake still works.
        CHECK(probe.status == ProbeStatus::ok);
        CHECK(probe.tls);
    }
}

TEST_CASE("servers that turn the probe away are inconclusive", "[submission]") {
    SECTION("421 busy") {
        FakeSmtp fake(config(SmtpMode::starttls, SmtpBehaviour::busy));
        const auto probe = run_one(fake, Security::starttls);
        CHECK(probe.status == ProbeStatus::inconclusive);
        CHECK(probe.error ==
              "the server turned the probe away with 421 4.7.0 fake.test Too many connections, "
              "try again later");
        CHECK(fake.commands().empty());
    }
    SECTION("close right after the banner") {
        FakeSmtp fake(config(SmtpMode::starttls, SmtpBehaviour::close_after_banner));
        const auto probe = run_one(fake, Security::starttls);
        CHECK(probe.status == ProbeStatus::inconclusive);
        CHECK(probe.smtp.banner == "fake.test ESMTP ready");
    }
}

TEST_CASE("servers that break SMTP are protocol errors", "[submission]") {
    SECTION("a 10 MiB line") {
        FakeSmtp fake(config(SmtpMode::starttls, SmtpBehaviour::oversized_line));
        const auto probe = run_one(fake, Security::starttls);
        CHECK(probe.status == ProbeStatus::protocol_error);
        CHECK(probe.error == "reply line longer than 4096 bytes");
    }
    SECTION("an endless EHLO reply") {
        FakeSmtp fake(config(SmtpMode::starttls, SmtpBehaviour::endless_reply));
        const auto probe = run_one(fake, Security::starttls);
        CHECK(probe.status == ProbeStatus::protocol_error);
        CHECK(probe.error == "reply longer than 64 lines");
    }
}

TEST_CASE("silence is judged by where it happens", "[submission]") {
    SECTION("connected, never greeted: a protocol error, not unreachable") {
        FakeSmtp fake(config(SmtpMode::starttls, SmtpBehaviour::stall));
        const auto probe = run_one(fake, Security::starttls, options(std::chrono::milliseconds(500)));
        CHECK(probe.status == ProbeStatus::protocol_error);
        REQUIRE(probe.error);
        CHECK(probe.error->rfind("the server accepted the connection, but no 220 greeting arrived in 0 s", 0) == 0);
    }
    SECTION("the TLS handshake completed on 465, but no 220 followed") {
        FakeSmtp fake(config(SmtpMode::implicit_tls, SmtpBehaviour::silent_after_tls));
        const auto probe = run_one(fake, Security::implicit_tls, options(std::chrono::milliseconds(1500)));
        CHECK(probe.status == ProbeStatus::protocol_error);
        REQUIRE(probe.error);
        CHECK(probe.error->rfind("the TLS handshake completed, but no 220 greeting arrived in 1 s", 0) == 0);
        REQUIRE(probe.tls);  // TLS itself worked, and its facts are kept
        CHECK(probe.tls->certificate);
    }
    SECTION("silent on the implicit-TLS port: the handshake never completes") {
        FakeSmtp fake(config(SmtpMode::implicit_tls, SmtpBehaviour::stall));
        const auto probe = run_one(fake, Security::implicit_tls, options(std::chrono::milliseconds(500)));
        CHECK(probe.status == ProbeStatus::tls_failed);
        CHECK(probe.error == "the TLS handshake did not complete in 0 s");
    }
    SECTION("a greeting that never completes") {
        auto setup = config(SmtpMode::starttls, SmtpBehaviour::drip);
        setup.drip_interval = std::chrono::milliseconds(100);
        FakeSmtp fake(setup);
        const auto probe = run_one(fake, Security::starttls, options(std::chrono::milliseconds(500)));
        CHECK(probe.status == ProbeStatus::protocol_error);
    }
    SECTION("the greeting may take longer than a step: only the deadline bounds it") {
        auto setup = config(SmtpMode::starttls);
        setup.banner_delay = std::chrono::milliseconds(11000);  // longer than the 10 s step budget
        FakeSmtp fake(setup);
        const auto probe = run_one(fake, Security::starttls, options(std::chrono::seconds(14)));
        CHECK(probe.status == ProbeStatus::ok);
    }
}

TEST_CASE("handshake failures", "[submission]") {
    SECTION("reset in the middle of the implicit-TLS handshake") {
        FakeSmtp fake(config(SmtpMode::implicit_tls, SmtpBehaviour::reset_in_handshake));
        const auto probe = run_one(fake, Security::implicit_tls);
        CHECK(probe.status == ProbeStatus::tls_failed);
        REQUIRE(probe.error);
        CHECK(probe.error->rfind("TLS handshake failed: ", 0) == 0);
        CHECK_FALSE(probe.tls);
        CHECK_FALSE(probe.smtp.plaintext_on_implicit_port);
    }
    SECTION("reset in the middle of the handshake after STARTTLS") {
        FakeSmtp fake(config(SmtpMode::starttls, SmtpBehaviour::reset_in_handshake));
        const auto probe = run_one(fake, Security::starttls);
        CHECK(probe.status == ProbeStatus::tls_failed);
        CHECK(probe.smtp.starttls_offered);
        CHECK_FALSE(probe.tls);
    }
    SECTION("plaintext SMTP on the implicit-TLS port") {
        FakeSmtp fake(config(SmtpMode::implicit_tls, SmtpBehaviour::plaintext));
        const auto probe = run_one(fake, Security::implicit_tls);
        CHECK(probe.status == ProbeStatus::tls_failed);
        CHECK(probe.smtp.plaintext_on_implicit_port);
        CHECK(probe.error == "port " + std::to_string(fake.port()) + " answered in plaintext");
        CHECK(probe.smtp.banner == "fake.test ESMTP ready");
        check_commands_harmless(fake);
    }
}

TEST_CASE("TLS versions", "[submission]") {
    SECTION("a TLS 1.0-only server: modern clients fail, the diagnostic handshake says why") {
        auto setup = config(SmtpMode::implicit_tls);
        setup.tls_min_version = TLS1_VERSION;
        setup.tls_max_version = TLS1_VERSION;
        setup.tls_seclevel0 = true;
        FakeSmtp fake(setup);
        const auto probe = run_one(fake, Security::implicit_tls);
        CHECK(probe.status == ProbeStatus::tls_failed);
        REQUIRE(probe.tls);
        CHECK(probe.tls->version == TlsVersion::tls1_0);
        CHECK(probe.tls->modern_client_failed);
        CHECK_FALSE(probe.tls->tls13_supported);
        CHECK(probe.tls->legacy_versions_accepted == std::vector<TlsVersion>{TlsVersion::tls1_0});
        CHECK(probe.error == "the server only speaks TLSv1, which current clients refuse (RFC 8996)");
        CHECK_FALSE(probe.smtp.plaintext_on_implicit_port);
    }
    SECTION("a TLS 1.0-only server behind STARTTLS") {
        auto setup = config(SmtpMode::starttls);
        setup.tls_min_version = TLS1_VERSION;
        setup.tls_max_version = TLS1_VERSION;
        setup.tls_seclevel0 = true;
        FakeSmtp fake(setup);
        const auto probe = run_one(fake, Security::starttls);
        CHECK(probe.status == ProbeStatus::tls_failed);
        REQUIRE(probe.tls);
        CHECK(probe.tls->version == TlsVersion::tls1_0);
        CHECK(probe.tls->modern_client_failed);
        check_commands_harmless(fake);
    }
    SECTION("a modern server that still accepts TLS 1.0 and 1.1") {
        auto setup = config(SmtpMode::implicit_tls);
        setup.tls_min_version = TLS1_VERSION;
        setup.tls_seclevel0 = true;
        FakeSmtp fake(setup);
        const auto probe = run_one(fake, Security::implicit_tls);
        CHECK(probe.status == ProbeStatus::ok);
        REQUIRE(probe.tls);
        CHECK(probe.tls->version == TlsVersion::tls1_3);
        CHECK(probe.tls->legacy_versions_accepted == std::vector<TlsVersion>{TlsVersion::tls1_0, TlsVersion::tls1_1});
        REQUIRE(probe.tls->versions.size() == 3);
        CHECK(probe.tls->versions[0].outcome == VersionOutcome::accepted);
        CHECK(probe.tls->versions[1].outcome == VersionOutcome::accepted);
        CHECK(probe.tls->versions[2].version == TlsVersion::tls1_3);
        CHECK(probe.tls->versions[2].outcome == VersionOutcome::accepted);
        // The main session, the legacy one (1.0-1.1: the server picks 1.1) and the TLS 1.0-only one.
        // The fake counts a handshake on its own thread: give it a moment (bounded) to catch up.
        for (int i = 0; i < 200 && fake.handshakes() < 3; ++i) {
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
        CHECK(fake.handshakes() == 3);
    }
    SECTION("a TLS 1.2-only server: no TLS 1.3") {
        auto setup = config(SmtpMode::starttls);
        setup.tls_min_version = TLS1_2_VERSION;
        setup.tls_max_version = TLS1_2_VERSION;
        FakeSmtp fake(setup);
        const auto probe = run_one(fake, Security::starttls);
        CHECK(probe.status == ProbeStatus::ok);
        REQUIRE(probe.tls);
        CHECK(probe.tls->version == TlsVersion::tls1_2);
        CHECK_FALSE(probe.tls->tls13_supported);
        CHECK(probe.tls->legacy_versions_accepted.empty());
        REQUIRE(probe.tls->versions.size() == 4);
        CHECK(probe.tls->versions[0].version == TlsVersion::tls1_0);
        CHECK(probe.tls->versions[0].outcome == VersionOutcome::refused);
        CHECK(probe.tls->versions[1].outcome == VersionOutcome::refused);
        CHECK(probe.tls->versions[2].outcome == VersionOutcome::accepted);
        CHECK(probe.tls->versions[3].version == TlsVersion::tls1_3);
        CHECK(probe.tls->versions[3].outcome == VersionOutcome::refused);
    }
}

TEST_CASE("every address of an endpoint is probed", "[submission]") {
    auto setup = config(SmtpMode::implicit_tls);
    setup.listen_v6 = false;  // ::1 refuses on this port
    FakeSmtp fake(setup);
    const auto probes = run({endpoint(fake.port(), Security::implicit_tls, {"127.0.0.1", "::1"})}, options());
    REQUIRE(probes.size() == 2);
    CHECK(probes[0].address == "127.0.0.1");
    CHECK(probes[0].status == ProbeStatus::ok);
    CHECK(probes[1].address == "::1");
    CHECK(probes[1].status == ProbeStatus::refused);
    CHECK(probes[1].error == "connection refused while connecting");
    CHECK_FALSE(probes[1].tls);
}

TEST_CASE("IPv6: the EHLO name is the IPv6 address literal", "[submission]") {
    FakeSmtp fake(config(SmtpMode::starttls));
    REQUIRE(fake.listening_v6());
    const auto probes = run({endpoint(fake.port(), Security::starttls, {"::1"})}, options());
    REQUIRE(probes.size() == 1);
    CHECK(probes[0].status == ProbeStatus::ok);
    CHECK(fake.commands().front() == "EHLO [IPv6:::1]");
}

TEST_CASE("--connect-to: the destination is probed, the host name is still checked", "[submission]") {
    FakeSmtp fake(config(SmtpMode::implicit_tls));
    auto probe_options = options();
    probe_options.connect_to.push_back(ConnectToRule{k_host, 465, "127.0.0.1", fake.port()});
    auto target = endpoint(465, Security::implicit_tls, {"192.0.2.1", "2001:db8::1"});
    const auto probes = run({target}, probe_options);
    REQUIRE(probes.size() == 1);
    CHECK(probes[0].address == "127.0.0.1");
    CHECK(probes[0].status == ProbeStatus::ok);
    REQUIRE(probes[0].tls);
    REQUIRE(probes[0].tls->certificate);
    CHECK(probes[0].tls->certificate->name_match);
}

TEST_CASE("no more than two connections at once to one address, across endpoints", "[submission]") {
    auto setup = config(SmtpMode::implicit_tls);
    setup.step_delay = std::chrono::milliseconds(30);
    setup.tls_min_version = TLS1_VERSION;  // so that every probe also makes two legacy handshakes
    setup.tls_seclevel0 = true;
    FakeSmtp fake(setup);
    const std::vector<Endpoint> endpoints(4, endpoint(fake.port(), Security::implicit_tls));
    const auto probes = run(endpoints, options());
    REQUIRE(probes.size() == 4);
    for (const auto& probe : probes) {
        CHECK(probe.status == ProbeStatus::ok);
    }
    CHECK(fake.connections() == 12);
    CHECK(fake.peak_connections() <= 2);
}

namespace {

// Exim-like: one connection at a time from a client address, across both ports; both ports accept
// TLS 1.0 to 1.3.
struct PerClientLimitedServer {
    explicit PerClientLimitedServer(std::shared_ptr<test::ClientLimit> limit)
        : implicit(legacy_friendly(SmtpMode::implicit_tls, limit)),
          starttls(legacy_friendly(SmtpMode::starttls, limit)) {}

    static FakeSmtpConfig legacy_friendly(SmtpMode mode, std::shared_ptr<test::ClientLimit> limit) {
        auto setup = config(mode);
        setup.tls_min_version = TLS1_VERSION;
        setup.tls_seclevel0 = true;
        setup.client_limit = std::move(limit);
        return setup;
    }

    FakeSmtp implicit;
    FakeSmtp starttls;
};

}  // namespace

TEST_CASE("a server that takes one connection per client address: every version it accepts is found",
          "[submission][politeness]") {
    auto limit = std::make_shared<test::ClientLimit>(1);
    PerClientLimitedServer server(limit);
    const auto probes = run({endpoint(server.implicit.port(), Security::implicit_tls),
                             endpoint(server.starttls.port(), Security::starttls)},
                            options());
    REQUIRE(probes.size() == 2);
    for (const auto& probe : probes) {
        INFO(probe.error.value_or(""));
        CHECK(probe.status == ProbeStatus::ok);  // never inconclusive because of our own connections
        REQUIRE(probe.tls);
        CHECK(probe.tls->legacy_versions_accepted == std::vector<TlsVersion>{TlsVersion::tls1_0, TlsVersion::tls1_1});
        for (const auto& test : probe.tls->versions) {
            CHECK(test.outcome == VersionOutcome::accepted);
        }
    }
    CHECK(limit->turned_away() > 0);  // it did push back, and the probe adapted
    CHECK(limit->peak() == 1);
}

TEST_CASE("a server that still counts a connection a moment after it closed (Exim): no false verdict",
          "[submission][politeness]") {
    auto limit = std::make_shared<test::ClientLimit>(1, std::chrono::milliseconds(100));
    PerClientLimitedServer server(limit);
    const auto probes = run({endpoint(server.implicit.port(), Security::implicit_tls),
                             endpoint(server.starttls.port(), Security::starttls)},
                            options(std::chrono::seconds(15)));
    REQUIRE(probes.size() == 2);
    for (const auto& probe : probes) {
        INFO(probe.error.value_or(""));
        CHECK(probe.status == ProbeStatus::ok);
        REQUIRE(probe.tls);
        CHECK(probe.tls->legacy_versions_accepted == std::vector<TlsVersion>{TlsVersion::tls1_0, TlsVersion::tls1_1});
    }
    CHECK(limit->turned_away() > 0);
}

TEST_CASE("465 turned away in plaintext by a server busy with another client: inconclusive, never tls-failed",
          "[submission][politeness]") {
    auto limit = std::make_shared<test::ClientLimit>(1);
    auto setup = config(SmtpMode::implicit_tls);
    setup.client_limit = limit;
    FakeSmtp fake(setup);
    // Another client behind the same address (a NAT) holds the server's one place for 127.0.0.1.
    asio::io_context other;
    asio::ip::tcp::socket holder(other);
    holder.connect({asio::ip::make_address("127.0.0.1"), fake.port()});
    for (int i = 0; i < 200 && fake.connections() < 1; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    const auto probe = run_one(fake, Security::implicit_tls);
    CHECK(probe.status == ProbeStatus::inconclusive);
    REQUIRE(probe.error);
    CHECK(probe.error->find("in plaintext, where the TLS handshake was due") != std::string::npos);
    CHECK_FALSE(probe.smtp.plaintext_on_implicit_port);
}

TEST_CASE("a server that turns every connection away leaves the versions untested, not refused",
          "[submission][politeness]") {
    FakeSmtp fake(config(SmtpMode::starttls, SmtpBehaviour::busy));
    const auto probe = run_one(fake, Security::starttls);
    CHECK(probe.status == ProbeStatus::inconclusive);
    CHECK_FALSE(probe.tls);
}

namespace {

asio::awaitable<void> occupy(std::shared_ptr<ConnectionLimiter> limiter, std::uint16_t port,
                             std::chrono::milliseconds held_for) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    auto first = co_await limiter->acquire("127.0.0.1", port, deadline);
    auto second = co_await limiter->acquire("127.0.0.1", port, deadline);
    asio::steady_timer timer(co_await asio::this_coro::executor, held_for);
    co_await timer.async_wait(asio::use_awaitable);
}

// Probes `fake` with `budget` while both of the run's slots for its port are held for `held_for`.
std::vector<AddressProbe> probe_while_occupied(const FakeSmtp& fake, Security security,
                                               std::chrono::milliseconds budget, std::chrono::milliseconds held_for) {
    auto probe_options = options(budget);
    asio::io_context io;
    std::vector<AddressProbe> probes;
    asio::co_spawn(io, occupy(probe_options.limiter, fake.port(), held_for), [](std::exception_ptr error) {
        if (error) {
            std::rethrow_exception(error);
        }
    });
    asio::co_spawn(io, probe_endpoint(endpoint(fake.port(), security), probe_options),
                   [&](std::exception_ptr error, std::vector<AddressProbe> value) {
                       if (error) {
                           std::rethrow_exception(error);
                       }
                       probes = std::move(value);
                   });
    io.run();
    return probes;
}

}  // namespace

TEST_CASE("waiting for the run's own connection slots is not the server's fault: not probed",
          "[submission][politeness]") {
    FakeSmtp fake(config(SmtpMode::implicit_tls));
    const auto probes = probe_while_occupied(fake, Security::implicit_tls, std::chrono::milliseconds(200),
                                             std::chrono::milliseconds(600));
    REQUIRE(probes.size() == 1);
    CHECK(probes[0].status == ProbeStatus::not_probed);
    REQUIRE(probes[0].error);
    CHECK(probes[0].error->find("at most two at once") != std::string::npos);
    CHECK(fake.connections() == 0);
}

namespace {

asio::awaitable<std::vector<AddressProbe>> probe_twice(std::shared_ptr<SubmissionProber> prober, Endpoint first,
                                                       Endpoint second) {
    CheckTime time{std::chrono::steady_clock::now() + std::chrono::seconds(10), std::chrono::system_clock::now()};
    std::vector<asio::awaitable<std::vector<AddressProbe>>> both;
    both.push_back(prober->probe(first, time));
    both.push_back(prober->probe(second, time));
    auto results = co_await relaymetry::io::gather(std::move(both));
    // A third domain naming the same server after both are done: the kept result.
    auto later = co_await prober->probe(first, time);
    std::vector<AddressProbe> flat;
    for (auto* list : {&results[0], &results[1], &later}) {
        flat.insert(flat.end(), list->begin(), list->end());
    }
    co_return flat;
}

std::vector<AddressProbe> run_shared(ProberSettings settings, Endpoint first, Endpoint second) {
    asio::io_context io;
    std::vector<AddressProbe> probes;
    asio::co_spawn(io, probe_twice(make_submission_prober(std::move(settings)), std::move(first), std::move(second)),
                   [&](std::exception_ptr error, std::vector<AddressProbe> value) {
                       if (error) {
                           std::rethrow_exception(error);
                       }
                       probes = std::move(value);
                   });
    io.run();
    return probes;
}

ProberSettings prober_settings(bool share) {
    ProberSettings settings;
    settings.tls = &environment().contexts;
    settings.share = share;
    return settings;
}

}  // namespace

TEST_CASE("domains naming one server share one probe of it per run", "[submission][shared]") {
    FakeSmtp fake(config(SmtpMode::implicit_tls));
    const auto target = endpoint(fake.port(), Security::implicit_tls);
    const auto probes = run_shared(prober_settings(true), target, target);
    REQUIRE(probes.size() == 3);
    CHECK_FALSE(probes[0].shared);
    CHECK(probes[1].shared);
    CHECK(probes[2].shared);
    for (const auto& probe : probes) {
        CHECK(probe.status == ProbeStatus::ok);
        REQUIRE(probe.tls);
        CHECK(probe.tls->certificate->name_match);
    }
    CHECK(fake.connections() == 2);  // one main session and one TLS 1.0-1.1 test, for three domains

    SECTION("--no-share: every domain probes on its own") {
        FakeSmtp alone(config(SmtpMode::implicit_tls));
        const auto own = endpoint(alone.port(), Security::implicit_tls);
        const auto unshared = run_shared(prober_settings(false), own, own);
        REQUIRE(unshared.size() == 3);
        for (const auto& probe : unshared) {
            CHECK_FALSE(probe.shared);
            CHECK(probe.status == ProbeStatus::ok);
        }
        CHECK(alone.connections() == 6);
    }
}

TEST_CASE("another name on the same server is its own probe; its TLS versions are shared", "[submission][shared]") {
    FakeSmtp fake(config(SmtpMode::implicit_tls));
    const auto target = endpoint(fake.port(), Security::implicit_tls);
    auto other = target;
    other.host = "smtp.customer.test";  // SNI differs: the certificate (and its name check) may differ
    other.resolution.host = other.host;
    const auto probes = run_shared(prober_settings(true), target, other);
    REQUIRE(probes.size() == 3);
    CHECK_FALSE(probes[1].shared);
    REQUIRE(probes[1].tls);
    CHECK_FALSE(probes[1].tls->certificate->name_match);  // the fake's certificate names k_host only
    CHECK(probes[0].tls->certificate->name_match);
    CHECK(fake.connections() == 3);  // two main sessions, one shared version test
}

TEST_CASE("a session the run's limits started late and the deadline cut short is not-probed, not the server's fault",
          "[submission][politeness]") {
    FakeSmtp fake(config(SmtpMode::starttls, SmtpBehaviour::stall));  // would be protocol-error if judged
    const auto probes =
        probe_while_occupied(fake, Security::starttls, std::chrono::milliseconds(900), std::chrono::milliseconds(700));
    REQUIRE(probes.size() == 1);
    CHECK(probes[0].status == ProbeStatus::not_probed);
    REQUIRE(probes[0].error);
    CHECK(probes[0].error->rfind("not probed to the end: the run's connection limits delayed this connection by 0.7 s",
                                 0) == 0);
}
