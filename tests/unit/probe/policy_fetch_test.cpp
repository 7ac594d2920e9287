// fetch_policy against the fake HTTPS server: --connect-to sends mta-sts.example.test:443 to it.

#include <catch2/catch.hpp>

#include <chrono>
#include <optional>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "relaymetry/probe/policy_fetch.hpp"
#include "support/fake_https.hpp"
#include "support/test_pki.hpp"

namespace {

namespace asio = boost::asio;
using relaymetry::HostAddresses;
using relaymetry::k_max_policy_bytes;
using relaymetry::LookupStatus;
using relaymetry::MtaStsPolicyFacts;
using relaymetry::PolicyFetchStatus;
using namespace relaymetry::probe;
using namespace relaymetry::test;
using namespace std::chrono_literals;

const std::string k_host = "mta-sts.example.test";
const std::string k_policy = "version: STSv1\r\nmode: enforce\r\nmx: mx1.example.test\r\nmax_age: 86400\r\n";
const std::string k_path = "/.well-known/mta-sts.txt";

void store(std::optional<MtaStsPolicyFacts>* out, std::exception_ptr error, MtaStsPolicyFacts facts) {
    if (!error) {
        *out = std::move(facts);
    }
}

MtaStsPolicyFacts run_fetch(TlsContexts& contexts, std::uint16_t port, std::chrono::milliseconds budget,
                            HostAddresses resolution) {
    FetchOptions options;
    options.tls = &contexts;
    options.connect_to.push_back(ConnectToRule{"", 443, "127.0.0.1", port});
    options.deadline = std::chrono::steady_clock::now() + budget;
    asio::io_context io;
    std::optional<MtaStsPolicyFacts> out;
    asio::co_spawn(io, fetch_policy(k_host, std::move(resolution), std::move(options)),
                   [&out](std::exception_ptr error, MtaStsPolicyFacts facts) { store(&out, error, std::move(facts)); });
    io.run();
    REQUIRE(out.has_value());
    return *out;
}

HostAddresses loopback() {
    HostAddresses resolution;
    resolution.host = k_host;
    resolution.v4_status = LookupStatus::answer;
    resolution.v6_status = LookupStatus::nodata;
    resolution.addresses = {"127.0.0.1"};
    return resolution;
}

// One PKI, one server, one fetch.
struct Fixture {
    TestPki pki;
    TlsContexts contexts{TlsClientOptions{pki.root_file().string()}};

    FakeHttpsOptions serving(const LeafSpec& spec) {
        const IssuedCertificate issued = pki.issue(spec);
        FakeHttpsOptions options;
        options.chain_file = issued.chain_file;
        options.key_file = issued.key_file;
        return options;
    }
    FakeHttpsOptions serving(const HttpsResponse& response) {
        FakeHttpsOptions options = serving(valid_leaf());
        options.responses[k_path] = response;
        return options;
    }
    static LeafSpec valid_leaf() {
        LeafSpec spec;
        spec.common_name = k_host;
        spec.dns_names = {k_host};
        return spec;
    }
    MtaStsPolicyFacts fetch(const FakeHttps& server, std::chrono::milliseconds budget = 10s) {
        return run_fetch(contexts, server.port(), budget, loopback());
    }
};

HttpsResponse ok(std::string body) {
    HttpsResponse response;
    response.body = std::move(body);
    return response;
}

}  // namespace

TEST_CASE("200: the policy body, its content type and the TLS facts") {
    Fixture fixture;
    FakeHttps server(fixture.serving(ok(k_policy)));
    const auto facts = fixture.fetch(server);
    CHECK(facts.status == PolicyFetchStatus::fetched);
    CHECK(facts.url == "https://mta-sts.example.test/.well-known/mta-sts.txt");
    CHECK(facts.http_status == 200);
    CHECK(facts.content_type == "text/plain");
    CHECK(facts.body == k_policy);
    CHECK_FALSE(facts.error.has_value());
    CHECK_FALSE(facts.parse.has_value());
    CHECK(facts.resolution.addresses == std::vector<std::string>{"127.0.0.1"});
    REQUIRE(facts.tls.has_value());
    CHECK(facts.tls->version == relaymetry::TlsVersion::tls1_3);
    REQUIRE(facts.tls->certificate.has_value());
    CHECK(facts.tls->certificate->chain_valid);
    CHECK(facts.tls->certificate->name_match);

    const auto requests = server.requests();
    REQUIRE(requests.size() == 1);
    CHECK(requests[0].rfind("GET /.well-known/mta-sts.txt HTTP/1.1\r\n", 0) == 0);
    CHECK(requests[0].find("\r\nHost: mta-sts.example.test\r\n") != std::string::npos);
    CHECK(requests[0].find("\r\nUser-Agent: relaymetry/" RELAYMETRY_VERSION "\r\n") != std::string::npos);
    CHECK(requests[0].find("\r\nConnection: close\r\n") != std::string::npos);
}

TEST_CASE("a chunked body is reassembled") {
    Fixture fixture;
    std::string body = k_policy;
    while (body.size() < 10000) {
        body += "mx: *.pad.example.test\r\n";
    }
    HttpsResponse response = ok(body);
    response.chunked = true;
    FakeHttps server(fixture.serving(response));
    const auto facts = fixture.fetch(server);
    CHECK(facts.status == PolicyFetchStatus::fetched);
    CHECK(facts.body == body);
}

TEST_CASE("404 and 500 are HTTP errors, whatever their body size") {
    Fixture fixture;
    for (int status : {404, 500}) {
        HttpsResponse response = ok(std::string(100 * 1024, 'e'));
        response.status = status;
        response.content_type = "text/html";
        FakeHttps server(fixture.serving(response));
        const auto facts = fixture.fetch(server);
        CHECK(facts.status == PolicyFetchStatus::http_error);
        CHECK(facts.http_status == status);
        CHECK_FALSE(facts.body.has_value());
    }
}

TEST_CASE("3xx: redirect with its Location, never followed") {
    Fixture fixture;
    for (int status : {301, 302}) {
        HttpsResponse response = ok("");
        response.status = status;
        response.location = "https://www.example.test/mta-sts.txt";
        FakeHttps server(fixture.serving(response));
        const auto facts = fixture.fetch(server);
        CHECK(facts.status == PolicyFetchStatus::redirect);
        CHECK(facts.http_status == status);
        CHECK(facts.location == "https://www.example.test/mta-sts.txt");
        CHECK(server.requests().size() == 1);
    }
}

TEST_CASE("a policy served as text/html is fetched and its content type recorded") {
    Fixture fixture;
    HttpsResponse response = ok(k_policy);
    response.content_type = "text/html; charset=utf-8";
    FakeHttps server(fixture.serving(response));
    const auto facts = fixture.fetch(server);
    CHECK(facts.status == PolicyFetchStatus::fetched);
    CHECK(facts.content_type == "text/html; charset=utf-8");
}

TEST_CASE("no Content-Type header: fetched, content type absent") {
    Fixture fixture;
    HttpsResponse response = ok(k_policy);
    response.content_type.clear();
    FakeHttps server(fixture.serving(response));
    const auto facts = fixture.fetch(server);
    CHECK(facts.status == PolicyFetchStatus::fetched);
    CHECK_FALSE(facts.content_type.has_value());
}

TEST_CASE("the 64 KiB limit, with Content-Length and chunked") {
    Fixture fixture;
    const bool chunked = GENERATE(false, true);
    for (std::size_t size : {k_max_policy_bytes - 1, k_max_policy_bytes, k_max_policy_bytes + 1}) {
        HttpsResponse response = ok(std::string(size, 'x'));
        response.chunked = chunked;
        FakeHttps server(fixture.serving(response));
        const auto facts = fixture.fetch(server);
        INFO("size " << size << (chunked ? " chunked" : ""));
        if (size <= k_max_policy_bytes) {
            CHECK(facts.status == PolicyFetchStatus::fetched);
            REQUIRE(facts.body.has_value());
            CHECK(facts.body->size() == size);
        } else {
            CHECK(facts.status == PolicyFetchStatus::too_large);
            CHECK(facts.http_status == 200);
            CHECK_FALSE(facts.body.has_value());
            REQUIRE(facts.error.has_value());
            CHECK(facts.error->find("64 KiB") != std::string::npos);
        }
    }
}

TEST_CASE("a response header over 16 KiB is an HTTP error") {
    Fixture fixture;
    HttpsResponse response = ok("");
    response.status = 301;
    response.location = "https://www.example.test/" + std::string(20 * 1024, 'a');
    FakeHttps server(fixture.serving(response));
    const auto facts = fixture.fetch(server);
    CHECK(facts.status == PolicyFetchStatus::http_error);
    REQUIRE(facts.error.has_value());
    CHECK(facts.error->find("16 KiB") != std::string::npos);
}

TEST_CASE("a server that drips, stalls or never ends the body is cut off at the deadline") {
    Fixture fixture;
    HttpsResponse response = ok(k_policy);
    std::string expected;
    SECTION("one byte every 100 ms") {
        response.drip = 100ms;
        expected = "timed out waiting for the HTTP response";
    }
    SECTION("stall after the header") {
        response.stall_after_headers = true;
        expected = "timed out reading the policy body (0 bytes received)";
    }
    SECTION("a chunked body without its last chunk") {
        response.chunked = true;
        response.end_chunked = false;
        expected = "timed out reading the policy body (" + std::to_string(k_policy.size()) + " bytes received)";
    }
    FakeHttps server(fixture.serving(response));
    const auto facts = fixture.fetch(server, 700ms);
    CHECK(facts.status == PolicyFetchStatus::timeout);
    REQUIRE(facts.error.has_value());
    CHECK(*facts.error == "127.0.0.1:" + std::to_string(server.port()) + ": " + expected);
    CHECK_FALSE(facts.body.has_value());
    CHECK(facts.tls.has_value());
}

TEST_CASE("a server that never answers the TLS handshake is a timeout at the deadline") {
    Fixture fixture;
    FakeHttpsOptions options;
    options.silent = true;
    FakeHttps server(options);
    const auto facts = fixture.fetch(server, 300ms);
    CHECK(facts.status == PolicyFetchStatus::timeout);
    REQUIRE(facts.error.has_value());
    CHECK(facts.error->find("TLS handshake timed out") != std::string::npos);
    CHECK_FALSE(facts.tls.has_value());
}

TEST_CASE("certificate defects do not stop the fetch: the TLS facts record them") {
    Fixture fixture;
    LeafSpec spec = Fixture::valid_leaf();
    SECTION("wrong name") {
        spec.common_name = "www.example.test";
        spec.dns_names = {"www.example.test"};
    }
    SECTION("expired") {
        spec.not_before_days = -100;
        spec.not_after_days = -10;
    }
    FakeHttpsOptions options = fixture.serving(spec);
    options.responses[k_path] = ok(k_policy);
    FakeHttps server(options);
    const auto facts = fixture.fetch(server);
    CHECK(facts.status == PolicyFetchStatus::fetched);
    CHECK(facts.body == k_policy);
    REQUIRE(facts.tls.has_value());
    REQUIRE(facts.tls->certificate.has_value());
    CHECK_FALSE(facts.tls->certificate->chain_valid);
    CHECK(facts.tls->certificate->verify_error.has_value());
}

TEST_CASE("a certificate from an unknown CA is recorded as untrusted") {
    Fixture fixture;
    TestPki stranger;
    const IssuedCertificate issued = stranger.issue(Fixture::valid_leaf());
    FakeHttpsOptions options;
    options.chain_file = issued.chain_file;
    options.key_file = issued.key_file;
    options.responses[k_path] = ok(k_policy);
    FakeHttps server(options);
    const auto facts = fixture.fetch(server);
    CHECK(facts.status == PolicyFetchStatus::fetched);
    REQUIRE(facts.tls.has_value());
    REQUIRE(facts.tls->certificate.has_value());
    CHECK(facts.tls->certificate->trust_error.has_value());
}

TEST_CASE("a TLS 1.0-only server fails the modern handshake: tls_failed") {
    Fixture fixture;
    FakeHttpsOptions options = fixture.serving(ok(k_policy));
    options.max_version = TlsVersion::tls1_0;
    FakeHttps server(options);
    const auto facts = fixture.fetch(server);
    CHECK(facts.status == PolicyFetchStatus::tls_failed);
    REQUIRE(facts.error.has_value());
    CHECK(facts.error->find("TLS handshake failed") != std::string::npos);
    CHECK_FALSE(facts.tls.has_value());
    CHECK(server.requests().empty());
}

TEST_CASE("connection refused is unreachable") {
    Fixture fixture;
    std::uint16_t closed_port = 0;
    {
        // A port that was just free: bound, then released, so nothing listens there.
        asio::io_context io;
        asio::ip::tcp::acceptor acceptor(io, asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
        closed_port = acceptor.local_endpoint().port();
    }
    const auto facts = run_fetch(fixture.contexts, closed_port, 5s, loopback());
    CHECK(facts.status == PolicyFetchStatus::unreachable);
    CHECK(facts.error == "127.0.0.1:" + std::to_string(closed_port) + ": connection refused");
    CHECK_FALSE(facts.tls.has_value());
}

TEST_CASE("a host without addresses is unreachable without a connection") {
    Fixture fixture;
    HostAddresses resolution;
    resolution.host = k_host;
    resolution.v4_status = LookupStatus::nxdomain;
    resolution.v6_status = LookupStatus::nxdomain;
    FetchOptions options;
    options.tls = &fixture.contexts;
    options.deadline = std::chrono::steady_clock::now() + 5s;
    asio::io_context io;
    std::optional<MtaStsPolicyFacts> out;
    asio::co_spawn(io, fetch_policy(k_host, resolution, options),
                   [&out](std::exception_ptr error, MtaStsPolicyFacts facts) { store(&out, error, std::move(facts)); });
    io.run();
    REQUIRE(out.has_value());
    CHECK(out->status == PolicyFetchStatus::unreachable);
    REQUIRE(out->error.has_value());
    CHECK(out->error->find("mta-sts.example.test has no address") == 0);
    CHECK(out->url == "https://mta-sts.example.test/.well-known/mta-sts.txt");
    CHECK(out->resolution.v4_status == LookupStatus::nxdomain);
}

namespace {

asio::awaitable<void> occupy(std::shared_ptr<ConnectionLimiter> limiter, std::uint16_t port) {
    auto slot = co_await limiter->acquire("127.0.0.1", port, std::chrono::steady_clock::now() + 5s);
    asio::steady_timer timer(co_await asio::this_coro::executor, 500ms);
    co_await timer.async_wait(asio::use_awaitable);
}

}  // namespace

TEST_CASE("the run's limit per policy-host address: waiting past the deadline is not-fetched, not the host's fault") {
    Fixture fixture;
    FakeHttps server(fixture.serving(ok(k_policy)));
    FetchOptions options;
    options.tls = &fixture.contexts;
    options.connect_to.push_back(ConnectToRule{"", 443, "127.0.0.1", server.port()});
    options.deadline = std::chrono::steady_clock::now() + 100ms;
    options.limiter = make_connection_limiter({1, 0, 1});
    asio::io_context io;
    std::optional<MtaStsPolicyFacts> out;
    asio::co_spawn(io, occupy(options.limiter, server.port()), [](std::exception_ptr error) {
        if (error) {
            std::rethrow_exception(error);
        }
    });
    asio::co_spawn(io, fetch_policy(k_host, loopback(), options),
                   [&out](std::exception_ptr error, MtaStsPolicyFacts facts) { store(&out, error, std::move(facts)); });
    io.run();
    REQUIRE(out.has_value());
    CHECK(out->status == PolicyFetchStatus::not_fetched);
    REQUIRE(out->error);
    CHECK(out->error->find("were busy") != std::string::npos);
    CHECK(server.requests().empty());
}
