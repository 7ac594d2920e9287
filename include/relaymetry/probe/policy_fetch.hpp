#pragma once
// The MTA-STS policy fetch (RFC 8461 §3.3): HTTPS GET of https://<host>/.well-known/mta-sts.txt.

#include <chrono>
#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "relaymetry/core/facts.hpp"
#include "relaymetry/probe/connect_to.hpp"
#include "relaymetry/probe/tls.hpp"

namespace relaymetry::probe {

inline constexpr std::size_t k_max_policy_bytes = 64 * 1024;

struct FetchOptions {
    TlsContexts* tls = nullptr;
    std::vector<ConnectToRule> connect_to;
    std::chrono::steady_clock::time_point deadline;
};

// Fetches the policy from the addresses of `host` (tried in order until one answers; redirects are
// never followed). Fills url, status, error, http_status, content_type, location, body, tls and
// resolution; `parse` is left for the policy parser. Never throws for network trouble.
boost::asio::awaitable<MtaStsPolicyFacts> fetch_policy(std::string host, HostAddresses resolution,
                                                       FetchOptions options);

}  // namespace relaymetry::probe
