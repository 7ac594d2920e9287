#pragma once
// collect(): the only asynchronous pass. Runs every lookup, probe and fetch of one domain on the
// caller's event loop, each independent chain started at once, and returns the facts. It stores
// facts only: every verdict is the rules' (rules::settle, rules::evaluate).

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include <boost/asio/awaitable.hpp>

#include "relaymetry/app/port25_egress.hpp"
#include "relaymetry/core/constants.hpp"
#include "relaymetry/core/facts.hpp"
#include "relaymetry/dns/resolver.hpp"
#include "relaymetry/probe/policy_fetch.hpp"
#include "relaymetry/probe/submission_probe.hpp"

namespace relaymetry::app {

struct Areas {
    bool submission = true;
    bool mx = true;
    bool mta_sts = true;
    bool tls_rpt = true;
};

using Clock = std::function<std::chrono::system_clock::time_point()>;

// What every domain of one run shares, owned by the caller for the whole run. The three seams are
// interfaces (ninja's CommandRunner): the real ones by default, fakes in tests, caches around them.
struct CollectSettings {
    std::shared_ptr<dns::ResolverFactory> resolvers;
    std::shared_ptr<probe::SubmissionProber> prober;
    std::shared_ptr<probe::PolicyFetcher> fetcher;
    std::chrono::milliseconds timeout = k_default_timeout;  // the whole check of one domain
    Areas areas;
    // --mx-probe: each MX host's port 25 is probed (through `prober`, with its cache and limits) and
    // the run's port-25 failures are watched by `egress`. Off: nothing connects to port 25.
    bool mx_probe = false;
    std::shared_ptr<Port25Egress> egress = std::make_shared<Port25Egress>();
    Clock clock = [] { return std::chrono::system_clock::now(); };
};

// Never throws for network trouble; an exception escaping it is a bug (exit code 3). `previous`: what
// the previous run saw of the domain (--state), kept in the facts for the drift.* rules.
boost::asio::awaitable<DomainFacts> collect(std::string domain, std::shared_ptr<const CollectSettings> settings,
                                            std::optional<DomainSnapshot> previous = std::nullopt);

}  // namespace relaymetry::app
