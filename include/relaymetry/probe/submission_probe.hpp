#pragma once
// The submission probe: the SMTP/TLS dialogue with every address of one endpoint (RFC 8314, RFC 3207).

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "relaymetry/core/check_time.hpp"
#include "relaymetry/core/facts.hpp"
#include "relaymetry/probe/connect_to.hpp"
#include "relaymetry/probe/tls.hpp"

namespace relaymetry::probe {

// Mail servers rate-limit scanners: at most N connections at once to one service (address and port:
// servers count connections per service, e.g. Postfix's anvil per smtpd service), across every
// endpoint and domain of the run. One limiter serves the whole run.
class ConnectionLimiter;
std::shared_ptr<ConnectionLimiter> make_connection_limiter(std::size_t per_service = 2);

struct ProbeOptions {
    TlsContexts* tls = nullptr;
    std::shared_ptr<ConnectionLimiter> limiter;
    std::optional<std::string> ehlo_name;  // default: the address literal of the local socket
    std::vector<ConnectToRule> connect_to;
    std::chrono::steady_clock::time_point deadline;
    // The check's "now": certificates are judged at it (collect() passes DomainFacts::started_at).
    std::chrono::system_clock::time_point now = std::chrono::system_clock::now();
};

// Probes every address in endpoint.resolution concurrently and returns one AddressProbe per
// address (or one for the --connect-to destination). Never throws for network trouble.
boost::asio::awaitable<std::vector<AddressProbe>> probe_endpoint(Endpoint endpoint, ProbeOptions options);

// The seam collect() probes submission endpoints through (tests give it scripted results; a run-wide
// cache can wrap it).
class SubmissionProber {
public:
    virtual ~SubmissionProber() = default;
    virtual boost::asio::awaitable<std::vector<AddressProbe>> probe(Endpoint endpoint, CheckTime time) = 0;
};

// What every probe of one run shares.
struct ProberSettings {
    TlsContexts* tls = nullptr;  // owned by the caller for the whole run
    std::shared_ptr<ConnectionLimiter> limiter;
    std::optional<std::string> ehlo_name;
    std::vector<ConnectToRule> connect_to;
};

// probe_endpoint() with `settings`.
std::shared_ptr<SubmissionProber> make_submission_prober(ProberSettings settings);

}  // namespace relaymetry::probe
