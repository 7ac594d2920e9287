// The MTA-STS policy fetch (RFC 8461 §3.3) with Beast: one HTTPS GET per address until one answers.
//
// Every step (connect, handshake, write, header, body) runs against the one absolute deadline of the
// caller, so a server that drips bytes, stalls after its header or never ends a chunked body is cut
// off at the deadline and reported as timeout with a "timed out ..." error: a sender fetching the
// policy would give up the same way, and for it the policy is not available.

#include "relaymetry/probe/policy_fetch.hpp"

#include <cassert>
#include <exception>
#include <optional>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>

#include "relaymetry/io/net_error.hpp"
#include "relaymetry/probe/certificate.hpp"

namespace relaymetry::probe {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
using boost::system::error_code;
using Clock = std::chrono::steady_clock;

constexpr std::size_t k_max_header_bytes = 16 * 1024;
// The read buffer holds at most the header plus what the parser has not consumed yet.
constexpr std::size_t k_read_buffer_bytes = k_max_header_bytes + k_max_policy_bytes;

bool is_timeout(const error_code& error) {
    return io::classify(error).kind == NetErrorKind::timeout;
}

// A failure to get an answer from this address: timeout, internal, or unreachable (try the next).
PolicyFetchStatus failure_status(const error_code& error) {
    switch (io::classify(error).kind) {
        case NetErrorKind::timeout: return PolicyFetchStatus::timeout;
        case NetErrorKind::internal: return PolicyFetchStatus::internal_error;
        default: return PolicyFetchStatus::unreachable;
    }
}

// The parser's own complaints (bad status line, bad field...), not the connection ending early.
bool is_malformed_http(const error_code& error) {
    return error.category() == http::make_error_code(http::error::bad_version).category() &&
           error != http::error::end_of_stream && error != http::error::partial_message;
}

std::string describe(const error_code& error) {
    const auto net = io::classify(error);
    return net.kind == NetErrorKind::timeout ? std::string("timed out") : relaymetry::describe(net);
}

std::string endpoint_text(const Destination& destination) {
    const bool v6 = destination.address.find(':') != std::string::npos;
    return (v6 ? "[" + destination.address + "]" : destination.address) + ":" + std::to_string(destination.port);
}

using TlsStream = asio::ssl::stream<beast::tcp_stream>;

// Reads the response after the request went out; fills the HTTP facts and the status.
asio::awaitable<void> read_response(TlsStream& stream, Clock::time_point deadline, const std::string& where,
                                    MtaStsPolicyFacts& facts) {
    beast::flat_buffer buffer(k_read_buffer_bytes);
    http::response_parser<http::string_body> parser;
    parser.header_limit(k_max_header_bytes);
    // The body limit is applied once the status is known: Beast rejects an oversized Content-Length
    // while parsing the header, which would hide a 3xx or 404 behind a size error.
    parser.body_limit(boost::none);
    error_code error;

    beast::get_lowest_layer(stream).expires_at(deadline);
    co_await http::async_read_header(stream, buffer, parser, asio::redirect_error(asio::use_awaitable, error));
    if (error) {
        if (error == http::error::header_limit) {
            facts.status = PolicyFetchStatus::http_error;
            facts.error = where + ": the HTTP response header is larger than 16 KiB";
        } else if (is_malformed_http(error)) {
            facts.status = PolicyFetchStatus::http_error;
            facts.error = where + ": malformed HTTP response: " + error.message();
        } else {
            facts.status = failure_status(error);
            facts.error = where + ": " +
                          (is_timeout(error) ? std::string("timed out waiting for the HTTP response")
                                             : "no HTTP response: " + describe(error));
        }
        co_return;
    }

    const auto& response = parser.get();
    facts.http_status = static_cast<int>(response.result_int());
    if (const auto found = response.find(http::field::content_type); found != response.end()) {
        facts.content_type = std::string(found->value());
    }
    if (response.result_int() >= 300 && response.result_int() < 400) {
        // RFC 8461 §3.3: "HTTP 3xx redirects MUST NOT be followed".
        facts.status = PolicyFetchStatus::redirect;
        if (const auto found = response.find(http::field::location); found != response.end()) {
            facts.location = std::string(found->value());
        }
        co_return;
    }
    if (response.result_int() != 200) {
        facts.status = PolicyFetchStatus::http_error;  // RFC 8461 §3.3: only 200 is a policy
        co_return;
    }
    if (const auto length = parser.content_length(); length && *length > k_max_policy_bytes) {
        facts.status = PolicyFetchStatus::too_large;
        facts.error = where + ": Content-Length " + std::to_string(*length) + " is over the 64 KiB limit";
        co_return;
    }

    parser.body_limit(k_max_policy_bytes);
    beast::get_lowest_layer(stream).expires_at(deadline);
    co_await http::async_read(stream, buffer, parser, asio::redirect_error(asio::use_awaitable, error));
    // A body delimited by the end of the connection may end without TLS close_notify.
    if (error == asio::ssl::error::stream_truncated && !parser.chunked() && !parser.content_length()) {
        error = {};
    }
    if (error == http::error::body_limit) {
        facts.status = PolicyFetchStatus::too_large;
        facts.error = where + ": the policy body is over the 64 KiB limit";
        co_return;
    }
    if (error) {
        const std::string received = std::to_string(parser.get().body().size()) + " bytes received";
        facts.status = failure_status(error);
        facts.error = where + ": " +
                      (is_timeout(error) ? "timed out reading the policy body (" + received + ")"
                                         : "the policy body is incomplete (" + received + "): " + describe(error));
        co_return;
    }
    facts.status = PolicyFetchStatus::fetched;
    facts.body = std::move(parser.get().body());
    facts.body_sha256 = sha256_hex(*facts.body);
}

// One address: connect, handshake, GET, read. Status unreachable or timeout means "try the next
// address".
asio::awaitable<MtaStsPolicyFacts> fetch_from(std::string host, Destination destination, asio::ssl::context* tls,
                                              ConnectionLimiter* limiter, Clock::time_point deadline,
                                              std::chrono::system_clock::time_point now) {
    MtaStsPolicyFacts facts;
    facts.status = PolicyFetchStatus::unreachable;
    const std::string where = endpoint_text(destination);
    try {
        std::optional<ConnectionLimiter::Slot> slot;
        if (limiter != nullptr) {
            auto admitted = co_await limiter->acquire(destination.address, destination.port, deadline);
            if (!admitted) {
                // The run's own limit, not the policy host's fault (docs/cli.md "Politeness").
                facts.status = PolicyFetchStatus::not_fetched;
                facts.error = where +
                              ": not fetched before the check's deadline: the run's connections to this "
                              "address (at most " +
                              std::to_string(k_policy_connections_per_address) + " at once) were busy";
                co_return facts;
            }
            slot.emplace(std::move(*admitted));
        }
        error_code error;
        const auto address = asio::ip::make_address(destination.address, error);
        if (error) {
            facts.error = where + ": not an IP address";
            co_return facts;
        }
        beast::tcp_stream tcp(co_await asio::this_coro::executor);
        tcp.expires_at(deadline);
        co_await tcp.async_connect(asio::ip::tcp::endpoint(address, destination.port),
                                   asio::redirect_error(asio::use_awaitable, error));
        if (error) {
            facts.status = failure_status(error);
            facts.error = where + ": " + (is_timeout(error) ? std::string("connection timed out") : describe(error));
            co_return facts;
        }

        TlsStream stream(std::move(tcp), *tls);
        prepare_client(stream.native_handle(), host);
        beast::get_lowest_layer(stream).expires_at(deadline);
        co_await stream.async_handshake(asio::ssl::stream_base::client,
                                        asio::redirect_error(asio::use_awaitable, error));
        if (is_timeout(error)) {
            // A silent server does not answer on 443: that is no verdict on its TLS.
            facts.status = PolicyFetchStatus::timeout;
            facts.error = where + ": TLS handshake timed out";
            co_return facts;
        }
        if (error && io::classify(error).kind == NetErrorKind::internal) {
            facts.status = PolicyFetchStatus::internal_error;
            facts.error = where + ": " + describe(error);
            co_return facts;
        }
        if (error) {
            facts.status = PolicyFetchStatus::tls_failed;
            facts.error = where + ": TLS handshake failed: " + describe(error);
            co_return facts;
        }
        facts.tls = inspect_session(stream.native_handle(), host, now);

        http::request<http::empty_body> request{http::verb::get, k_policy_path, 11};
        request.set(http::field::host, host);
        request.set(http::field::user_agent, "relaymetry/" RELAYMETRY_VERSION);
        request.set(http::field::connection, "close");
        beast::get_lowest_layer(stream).expires_at(deadline);
        co_await http::async_write(stream, request, asio::redirect_error(asio::use_awaitable, error));
        if (error) {
            facts.status = failure_status(error);
            facts.error = where + ": " +
                          (is_timeout(error) ? std::string("timed out sending the request")
                                             : "cannot send the request: " + describe(error));
            co_return facts;
        }
        co_await read_response(stream, deadline, where, facts);
        // Connection: close was asked for; no TLS shutdown, which a stalled server could drag out.
    } catch (const std::exception& exception) {
        // Every network error above is a value; an exception is a bug of ours.
        facts.status = PolicyFetchStatus::internal_error;
        facts.error = where + ": internal error: " + exception.what();
    }
    co_return facts;
}

std::string no_address_error(const HostAddresses& resolution, const std::string& host) {
    return host + " has no address (A: " + std::string(to_string(resolution.v4_status)) +
           ", AAAA: " + std::string(to_string(resolution.v6_status)) + ")";
}

// Whether an attempt ended without an answer from the address, so the next one is worth trying.
bool no_answer(PolicyFetchStatus status) {
    return status == PolicyFetchStatus::unreachable || status == PolicyFetchStatus::timeout;
}

}  // namespace

asio::awaitable<MtaStsPolicyFacts> fetch_policy(std::string host, HostAddresses resolution, FetchOptions options) {
    assert(options.tls != nullptr);
    MtaStsPolicyFacts facts;
    facts.url = policy_url(host);
    facts.status = PolicyFetchStatus::unreachable;

    std::vector<Destination> destinations;
    if (const auto forced = redirect(options.connect_to, host, k_https_port)) {
        destinations.push_back(*forced);
    } else {
        for (const auto& address : resolution.addresses) {
            destinations.push_back(Destination{address, k_https_port});
        }
    }
    if (destinations.empty()) {
        if (is_failure(resolution.v4_status) && is_failure(resolution.v6_status)) {
            // Not the policy host's fault: dns.lookup-failed reports the lookups.
            facts.status = PolicyFetchStatus::not_fetched;
            facts.error = "the addresses of " + host + " could not be looked up";
        } else {
            facts.error = no_address_error(resolution, host);
        }
        facts.resolution = std::move(resolution);
        co_return facts;
    }

    std::string errors;
    for (const auto& destination : destinations) {
        if (!errors.empty() && Clock::now() >= options.deadline) {
            errors += "; " + endpoint_text(destination) + ": not tried, the time limit was reached";
            continue;
        }
        MtaStsPolicyFacts attempt = co_await fetch_from(host, destination, &options.tls->get(HandshakeProfile::modern),
                                                        options.limiter.get(), options.deadline, options.now);
        if (attempt.error) {
            errors += (errors.empty() ? "" : "; ") + *attempt.error;
        }
        facts = std::move(attempt);
        if (!no_answer(facts.status)) {
            break;  // an answer, good or bad, is the answer (RFC 8461 §3.3 has no retry on errors)
        }
    }
    if (no_answer(facts.status)) {
        facts.error = errors;
    }
    facts.url = policy_url(host);
    facts.resolution = std::move(resolution);
    co_return facts;
}

namespace {

class RealPolicyFetcher : public PolicyFetcher {
public:
    RealPolicyFetcher(TlsContexts* tls, std::vector<ConnectToRule> connect_to)
        : m_tls(tls),
          m_connect_to(std::move(connect_to)),
          m_limiter(make_connection_limiter({k_policy_connections_per_address, 0, 1})) {}

    asio::awaitable<MtaStsPolicyFacts> fetch(std::string host, HostAddresses resolution, CheckTime time) override {
        // A named local, not a temporary inside the co_await expression: GCC 12 destroys such a
        // temporary twice (docs/STYLE: coroutine pitfalls).
        FetchOptions options{m_tls, m_connect_to, time.deadline, time.now, m_limiter};
        auto facts = co_await fetch_policy(std::move(host), std::move(resolution), std::move(options));
        co_return facts;
    }

private:
    TlsContexts* m_tls;
    std::vector<ConnectToRule> m_connect_to;
    std::shared_ptr<ConnectionLimiter> m_limiter;  // one for the run: policy hosts share addresses
};

}  // namespace

std::shared_ptr<PolicyFetcher> make_policy_fetcher(TlsContexts* tls, std::vector<ConnectToRule> connect_to) {
    return std::make_shared<RealPolicyFetcher>(tls, std::move(connect_to));
}

}  // namespace relaymetry::probe
