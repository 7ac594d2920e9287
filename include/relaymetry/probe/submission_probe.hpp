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
#include "relaymetry/probe/connection_limiter.hpp"
#include "relaymetry/probe/tls.hpp"

namespace relaymetry::probe {

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
// address (or one for the --connect-to destination), each probe on its own (nothing shared with
// other calls). Never throws for network trouble.
boost::asio::awaitable<std::vector<AddressProbe>> probe_endpoint(Endpoint endpoint, ProbeOptions options);

// The seam collect() probes submission endpoints through (tests give it scripted results; a run-wide
// cache can wrap it).
class SubmissionProber {
public:
    virtual ~SubmissionProber() = default;
    virtual boost::asio::awaitable<std::vector<AddressProbe>> probe(Endpoint endpoint, CheckTime time) = 0;
    // Connections waiting for the run's limits at the busiest address (0 when there are no limits).
    virtual std::size_t backlog() const { return 0; }
};

// What every probe of one run shares.
struct ProberSettings {
    TlsContexts* tls = nullptr;  // owned by the caller for the whole run
    std::shared_ptr<ConnectionLimiter> limiter;
    std::optional<std::string> ehlo_name;
    std::vector<ConnectToRule> connect_to;
    // Probe each service identity (address, port, TLS mode, SNI name, EHLO name) once per run and give
    // every domain naming it the same result; TLS versions once per (address, port). false (--no-share):
    // every domain's probes are its own, as if no other domain shared its servers.
    bool share = true;
};

// At most this many probe results are kept for reuse (the least recently used go first).
inline constexpr std::size_t k_max_shared_probes = 1024;

// probe_endpoint() with `settings`, through the run's probe cache.
std::shared_ptr<SubmissionProber> make_submission_prober(ProberSettings settings);

}  // namespace relaymetry::probe
