// SMTP replies and the pre-TLS dialogue, against a scripted in-memory peer (beast::test::stream):
// no sockets, every step can be made to fail.
#include <exception>
#include <optional>
#include <string>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/beast/_experimental/test/stream.hpp>
#include <boost/beast/core/error.hpp>
#include <catch2/catch.hpp>

#include "relaymetry/probe/smtp_dialogue.hpp"
#include "relaymetry/probe/smtp_reply.hpp"

namespace asio = boost::asio;
namespace beast = boost::beast;
using namespace relaymetry;
using namespace relaymetry::probe;

namespace {

using TestStream = beast::test::stream;

// What a coroutine under test ended with: a value, a ProbeFailure, or a network error.
template <typename T>
struct Outcome {
    std::optional<T> value;
    std::optional<ProbeStatus> failure_status;
    std::string failure;
    boost::system::error_code network_error;
};

template <typename T>
Outcome<T> run(asio::io_context& io, asio::awaitable<T> task) {
    Outcome<T> outcome;
    std::exception_ptr error;
    asio::co_spawn(io, std::move(task), [&](std::exception_ptr e, T value) {
        error = e;
        if (!e) {
            outcome.value = std::move(value);
        }
    });
    io.run();
    io.restart();
    try {
        if (error) {
            std::rethrow_exception(error);
        }
    } catch (const ProbeFailure& failure) {
        outcome.failure_status = failure.status();
        outcome.failure = failure.what();
    } catch (const boost::system::system_error& failure) {
        outcome.network_error = failure.code();
    }
    return outcome;
}

asio::awaitable<std::vector<SmtpReply>> read_replies(TestStream* stream, int count) {
    SmtpChannel<TestStream> channel(*stream);
    std::vector<SmtpReply> replies;
    for (int i = 0; i < count; ++i) {
        replies.push_back(co_await channel.read_reply());
    }
    co_return replies;
}

struct PreludeResult {
    SmtpFacts facts;
    StepTimings timings;
    Step step = Step::connect;
    std::optional<ProbeStatus> failure_status;
    std::string failure;
    boost::system::error_code network_error;
};

// Runs the 587 prelude; every outcome is returned as data, with the step it stopped at.
asio::awaitable<PreludeResult> run_prelude(TestStream* stream) {
    PreludeResult result;
    SmtpChannel<TestStream> channel(*stream);
    auto arm = [] {};
    try {
        co_await starttls_prelude(channel, arm, "[127.0.0.1]", result.facts, result.timings, result.step);
    } catch (const ProbeFailure& failure) {
        result.failure_status = failure.status();
        result.failure = failure.what();
    } catch (const boost::system::system_error& failure) {
        result.network_error = failure.code();
    }
    co_return result;
}

// A connected pair: the probe's end, with the server's script already waiting in it.
struct Peer {
    explicit Peer(asio::io_context& io, const std::string& script, bool close_after = true) : client(io), server(io) {
        client.connect(server);
        client.append(script);
        if (close_after) {
            server.close();
        }
    }
    Peer(asio::io_context& io, beast::test::fail_count& fails, const std::string& script)
        : client(io, fails), server(io) {
        client.connect(server);
        client.append(script);
        server.close();
    }
    TestStream client;
    TestStream server;
};

const std::string k_good_script =
    "220 mail.example.test ESMTP\r\n"
    "250-mail.example.test greets [127.0.0.1]\r\n"
    "250-PIPELINING\r\n"
    "250-AUTH PLAIN LOGIN\r\n"
    "250 STARTTLS\r\n"
    "220 2.0.0 Ready to start TLS\r\n";

}  // namespace

TEST_CASE("reply lines follow RFC 5321 section 4.2", "[smtp]") {
    auto line = parse_reply_line("250 OK");
    REQUIRE(line);
    CHECK(line->code == 250);
    CHECK(line->last);
    CHECK(line->text == "OK");

    line = parse_reply_line("250-PIPELINING");
    REQUIRE(line);
    CHECK_FALSE(line->last);
    CHECK(line->text == "PIPELINING");

    line = parse_reply_line("221");
    REQUIRE(line);
    CHECK(line->last);
    CHECK(line->text.empty());

    CHECK_FALSE(parse_reply_line("25"));
    CHECK_FALSE(parse_reply_line("abc def"));
    CHECK_FALSE(parse_reply_line("650 out of range"));
    CHECK_FALSE(parse_reply_line("170 out of range"));
    CHECK_FALSE(parse_reply_line("260 second digit out of range"));
    CHECK(parse_reply_line("250xOK").error() == "malformed reply line (reply code not followed by a space or '-')");
    CHECK(parse_reply_line("HTTP/1.1 400 Bad Request").error() == "malformed reply line (no three-digit reply code)");
}

// A line was accepted and the reply goes on.
bool continues(const tl::expected<std::optional<SmtpReply>, std::string>& added) {
    return added.has_value() && !added->has_value();
}

TEST_CASE("the assembler joins continuation lines and checks codes and length", "[smtp]") {
    ReplyAssembler assembler;
    CHECK(continues(assembler.add_line("250-first")));
    CHECK(continues(assembler.add_line("250-second")));
    const auto last = assembler.add_line("250 last");
    REQUIRE(last);
    const auto& reply = *last;
    REQUIRE(reply);
    CHECK(reply->code == 250);
    CHECK(reply->text() == "first\nsecond\nlast");
    CHECK(reply->positive());

    // The assembler starts afresh after a complete reply.
    const auto next = assembler.add_line("221 bye");
    REQUIRE(next);
    REQUIRE(*next);
    CHECK((*next)->lines.size() == 1);

    ReplyAssembler mixed;
    REQUIRE(mixed.add_line("250-first"));
    const auto changed = mixed.add_line("251 second");
    REQUIRE_FALSE(changed);
    CHECK(changed.error() == "multiline reply changes its code from 250 to 251");

    ReplyAssembler endless;
    for (std::size_t i = 0; i + 1 < k_max_reply_lines; ++i) {
        REQUIRE(continues(endless.add_line("250-line")));
    }
    const auto sixty_fourth = endless.add_line("250 the 64th line is still fine");
    REQUIRE(sixty_fourth);
    CHECK(*sixty_fourth);
    for (std::size_t i = 0; i < k_max_reply_lines; ++i) {
        REQUIRE(endless.add_line("250-line"));
    }
    const auto too_many = endless.add_line("250-one too many");
    REQUIRE_FALSE(too_many);
    CHECK(too_many.error() == "reply longer than 64 lines");
}

TEST_CASE("EHLO keywords: STARTTLS and AUTH mechanisms", "[smtp]") {
    SmtpReply reply{
        250, {"mail.example.test greets you", "PIPELINING", "auth plain LOGIN", "AUTH=LOGIN CRAM-MD5", "starttls"}};
    const auto keywords = ehlo_keywords(reply);
    REQUIRE(keywords.size() == 4);
    CHECK(keywords[0] == "PIPELINING");
    CHECK(offers_extension(keywords, "STARTTLS"));
    CHECK(auth_mechanisms(keywords) == std::vector<std::string>{"PLAIN", "LOGIN", "CRAM-MD5"});

    CHECK_FALSE(offers_extension({"PIPELINING", "STARTTLSX", "X-STARTTLS"}, "STARTTLS"));
    CHECK(offers_extension({"PIPELINING", "requiretls"}, "REQUIRETLS"));
    CHECK_FALSE(offers_extension({"X-REQUIRETLS"}, "REQUIRETLS"));
    CHECK(auth_mechanisms({"AUTHENTICATE PLAIN", "PIPELINING"}).empty());
    CHECK(ehlo_keywords(SmtpReply{250, {"greeting only"}}).empty());
}

TEST_CASE("the channel reads replies split across reads and leaves the rest buffered", "[smtp]") {
    asio::io_context io;
    Peer peer(io, "220-first\r\n220 second\n250 OK\r\nleft");
    peer.client.read_size(3);  // every reply arrives in pieces
    auto outcome = run(io, read_replies(&peer.client, 2));
    REQUIRE(outcome.value);
    CHECK((*outcome.value)[0].text() == "first\nsecond");
    CHECK((*outcome.value)[1].code == 250);
}

TEST_CASE("the channel enforces the line and session caps", "[smtp]") {
    asio::io_context io;
    SECTION("a line of exactly 4096 bytes is accepted") {
        Peer peer(io, "220 " + std::string(k_max_reply_line - 4, 'x') + "\r\n");
        auto outcome = run(io, read_replies(&peer.client, 1));
        REQUIRE(outcome.value);
    }
    SECTION("one byte more is not") {
        Peer peer(io, "220 " + std::string(k_max_reply_line - 3, 'x') + "\r\n");
        auto outcome = run(io, read_replies(&peer.client, 1));
        CHECK(outcome.failure_status == ProbeStatus::protocol_error);
        CHECK(outcome.failure == "reply line longer than 4096 bytes");
    }
    SECTION("a line without an end is cut off at the cap, not read to the end") {
        Peer peer(io, std::string(1024 * 1024, 'x'));
        auto outcome = run(io, read_replies(&peer.client, 1));
        CHECK(outcome.failure == "reply line longer than 4096 bytes");
        CHECK(peer.client.nread_bytes() < 3 * k_max_reply_line);
    }
    SECTION("a session may not read more than 256 KiB") {
        std::string script;
        const std::string line = "250 " + std::string(4000, 'y') + "\r\n";
        while (script.size() < k_max_session_bytes + line.size()) {
            script += line;
        }
        Peer peer(io, script);
        auto outcome = run(io, read_replies(&peer.client, 1000));
        CHECK(outcome.failure_status == ProbeStatus::protocol_error);
        CHECK(outcome.failure == "the server sent more than 262144 bytes in one session");
    }
    SECTION("a close in the middle of a reply is a network error") {
        Peer peer(io, "250-first\r\n");
        auto outcome = run(io, read_replies(&peer.client, 1));
        CHECK(outcome.network_error == asio::error::eof);
    }
}

TEST_CASE("the STARTTLS prelude records what the server offered and writes only EHLO and STARTTLS", "[smtp]") {
    asio::io_context io;
    Peer peer(io, k_good_script, false);
    auto outcome = run(io, run_prelude(&peer.client));
    REQUIRE(outcome.value);
    const auto& result = *outcome.value;
    CHECK_FALSE(result.failure_status);
    CHECK_FALSE(result.network_error);
    CHECK(result.facts.banner == "mail.example.test ESMTP");
    CHECK(result.facts.ehlo == std::vector<std::string>{"PIPELINING", "AUTH PLAIN LOGIN", "STARTTLS"});
    CHECK(result.facts.starttls_offered);
    CHECK(result.facts.auth_before_tls == std::vector<std::string>{"PLAIN", "LOGIN"});
    CHECK_FALSE(result.facts.data_after_starttls_reply);
    CHECK(result.timings.banner);
    CHECK(result.timings.ehlo);
    CHECK(result.timings.starttls);
    CHECK(peer.server.str() == "EHLO [127.0.0.1]\r\nSTARTTLS\r\n");
}

TEST_CASE("the STARTTLS prelude's failures", "[smtp]") {
    asio::io_context io;
    SECTION("bytes after the 220 to STARTTLS are flagged and kept from TLS") {
        Peer peer(io, k_good_script + "250 injected\r\n");
        auto outcome = run(io, run_prelude(&peer.client));
        REQUIRE(outcome.value);
        CHECK(outcome.value->facts.data_after_starttls_reply);
        CHECK_FALSE(outcome.value->failure_status);
    }
    SECTION("no STARTTLS: no_starttls after a QUIT") {
        Peer peer(io, "220 hi\r\n250-hi\r\n250 PIPELINING\r\n");
        auto outcome = run(io, run_prelude(&peer.client));
        REQUIRE(outcome.value);
        CHECK(outcome.value->failure_status == ProbeStatus::no_starttls);
        CHECK_FALSE(outcome.value->facts.starttls_offered);
        CHECK(peer.server.str() == "EHLO [127.0.0.1]\r\nQUIT\r\n");
    }
    SECTION("454 to STARTTLS: starttls_rejected") {
        Peer peer(io, "220 hi\r\n250-hi\r\n250 STARTTLS\r\n454 4.7.0 TLS not available\r\n");
        auto outcome = run(io, run_prelude(&peer.client));
        REQUIRE(outcome.value);
        CHECK(outcome.value->failure_status == ProbeStatus::starttls_rejected);
        CHECK(outcome.value->failure == "STARTTLS was answered with 454 4.7.0 TLS not available");
    }
    SECTION("a 421 greeting is inconclusive and nothing is sent") {
        Peer peer(io, "421 4.7.0 busy, try later\r\n");
        auto outcome = run(io, run_prelude(&peer.client));
        REQUIRE(outcome.value);
        CHECK(outcome.value->failure_status == ProbeStatus::inconclusive);
        CHECK(peer.server.str().empty());
    }
    SECTION("a 220 greeting saying \"too many connections\" is inconclusive") {
        Peer peer(io, "220 Too many connections from your IP\r\n");
        auto outcome = run(io, run_prelude(&peer.client));
        REQUIRE(outcome.value);
        CHECK(outcome.value->failure_status == ProbeStatus::inconclusive);
    }
    SECTION("a close right after the banner is inconclusive") {
        Peer peer(io, "220 hi\r\n");
        auto outcome = run(io, run_prelude(&peer.client));
        REQUIRE(outcome.value);
        CHECK(outcome.value->step == Step::ehlo);
        CHECK(classify(outcome.value->network_error, outcome.value->step) == ProbeStatus::inconclusive);
    }
    SECTION("a close before any banner turns the probe away: inconclusive") {
        Peer peer(io, "");
        auto outcome = run(io, run_prelude(&peer.client));
        REQUIRE(outcome.value);
        CHECK(outcome.value->step == Step::banner);
        CHECK(classify(outcome.value->network_error, outcome.value->step) == ProbeStatus::inconclusive);
    }
    SECTION("a greylisting 4xx to EHLO is inconclusive, not a protocol error") {
        Peer peer(io, "220 hi\r\n450 4.7.1 greylisted, try again later\r\n");
        auto outcome = run(io, run_prelude(&peer.client));
        REQUIRE(outcome.value);
        CHECK(outcome.value->failure_status == ProbeStatus::inconclusive);
        CHECK(outcome.value->failure == "the server turned the probe away with 450 4.7.1 greylisted, try again later");
    }
    SECTION("EHLO refused") {
        Peer peer(io, "220 hi\r\n502 5.5.1 no ESMTP here\r\n");
        auto outcome = run(io, run_prelude(&peer.client));
        REQUIRE(outcome.value);
        CHECK(outcome.value->failure_status == ProbeStatus::protocol_error);
        CHECK(outcome.value->failure == "EHLO was answered with 502 5.5.1 no ESMTP here");
    }
}

TEST_CASE("a failure at every step of the prelude is reported, never lost", "[smtp]") {
    // fail_count(n) makes the n-th stream operation fail: walk n up until the dialogue gets through.
    std::size_t failing_steps = 0;
    for (std::size_t n = 0; n < 100; ++n) {
        asio::io_context io;
        beast::test::fail_count fails(n);
        Peer peer(io, fails, k_good_script);
        peer.client.read_size(16);
        auto outcome = run(io, run_prelude(&peer.client));
        REQUIRE(outcome.value);
        if (!outcome.value->network_error) {
            CHECK_FALSE(outcome.value->failure_status);
            CHECK(outcome.value->facts.starttls_offered);
            break;
        }
        ++failing_steps;
        CHECK(outcome.value->network_error == beast::test::error::test_failure);
        CHECK(classify(outcome.value->network_error, outcome.value->step) == ProbeStatus::protocol_error);
    }
    // Banner, EHLO and STARTTLS each take at least one write or read.
    CHECK(failing_steps >= 5);
}

TEST_CASE("classify maps errors per step", "[smtp]") {
    CHECK(classify(asio::error::connection_refused, Step::connect) == ProbeStatus::refused);
    // Silence: unreachable-like only before the connection exists; after it, a broken dialogue.
    CHECK(classify(beast::error::timeout, Step::connect) == ProbeStatus::timeout);
    CHECK(classify(beast::error::timeout, Step::banner) == ProbeStatus::protocol_error);
    CHECK(classify(beast::error::timeout, Step::after_tls) == ProbeStatus::protocol_error);
    CHECK(classify(beast::error::timeout, Step::handshake) == ProbeStatus::tls_failed);
    CHECK(classify(asio::error::network_unreachable, Step::connect) == ProbeStatus::unreachable);
    CHECK(classify(asio::error::host_unreachable, Step::connect) == ProbeStatus::unreachable);
    CHECK(classify(asio::error::connection_reset, Step::handshake) == ProbeStatus::tls_failed);
    CHECK(classify(asio::error::eof, Step::ehlo) == ProbeStatus::inconclusive);
    CHECK(classify(asio::error::eof, Step::starttls) == ProbeStatus::protocol_error);
    CHECK(classify(asio::error::connection_reset, Step::after_tls) == ProbeStatus::protocol_error);
    CHECK(describe(asio::error::eof, Step::banner) == "the server closed the connection while waiting for the banner");
    CHECK(describe(asio::error::connection_refused, Step::connect) == "connection refused while connecting");
    CHECK(describe(beast::error::timeout, Step::ehlo) == "no answer within the deadline after EHLO");
}
