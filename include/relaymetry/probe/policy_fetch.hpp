#pragma once
// The MTA-STS policy fetch (RFC 8461 §3.3): HTTPS GET of https://<host>/.well-known/mta-sts.txt.

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "relaymetry/core/check_time.hpp"
#include "relaymetry/core/constants.hpp"
#include "relaymetry/core/facts.hpp"
#include "relaymetry/probe/connect_to.hpp"
#include "relaymetry/probe/connection_limiter.hpp"
#include "relaymetry/probe/tls.hpp"

namespace relaymetry::probe {

struct FetchOptions {
    TlsContexts* tls = nullptr;
    std::vector<ConnectToRule> connect_to;
    std::chrono::steady_clock::time_point deadline;
    // The check's "now": the certificate is judged at it (collect() passes DomainFacts::started_at).
    std::chrono::system_clock::time_point now = std::chrono::system_clock::now();
    // At most k_policy_connections_per_address at once to one address, across the run's domains
    // (hosters serve thousands of policy hosts from one address). Empty: no limit.
    std::shared_ptr<ConnectionLimiter> limiter;
};

// Fetches the policy from the addresses of `host` (tried in order until one answers; redirects are
// never followed). Fills url, status, error, http_status, content_type, location, body, tls and
// resolution; `parse` is left for the policy parser. Status not_fetched when the addresses of `host`
// could not be looked up (and no --connect-to rule applies). Never throws for network trouble.
boost::asio::awaitable<MtaStsPolicyFacts> fetch_policy(std::string host, HostAddresses resolution,
                                                       FetchOptions options);

// The seam collect() fetches policies through (tests give it scripted results).
class PolicyFetcher {
public:
    virtual ~PolicyFetcher() = default;
    virtual boost::asio::awaitable<MtaStsPolicyFacts> fetch(std::string host, HostAddresses resolution,
                                                            CheckTime time) = 0;
};

// fetch_policy() with `tls` (owned by the caller for the whole run), `connect_to` and one connection
// limiter for the whole run.
std::shared_ptr<PolicyFetcher> make_policy_fetcher(TlsContexts* tls, std::vector<ConnectToRule> connect_to);

}  // namespace relaymetry::probe
