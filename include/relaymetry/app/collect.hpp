#pragma once
// collect(): the only asynchronous pass. Runs every lookup, probe and fetch of one domain on the
// caller's event loop, each independent chain started at once, and returns the facts.

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "relaymetry/core/facts.hpp"
#include "relaymetry/dns/resolver.hpp"
#include "relaymetry/probe/connect_to.hpp"
#include "relaymetry/probe/submission_probe.hpp"
#include "relaymetry/probe/tls.hpp"

namespace relaymetry::app {

struct Areas {
    bool submission = true;
    bool mx = true;
    bool mta_sts = true;
    bool tls_rpt = true;
};

using Clock = std::function<std::chrono::system_clock::time_point()>;

// What every domain of one run shares. Owned by the caller for the whole run.
struct CollectSettings {
    dns::ResolverConfig dns;
    std::vector<probe::ConnectToRule> connect_to;
    std::optional<std::string> ehlo_name;
    std::chrono::milliseconds timeout{15000};  // the whole check of one domain
    Areas areas;
    probe::TlsContexts* tls = nullptr;
    std::shared_ptr<probe::ConnectionLimiter> limiter;
    Clock clock;
};

// Never throws for network trouble; an exception escaping it is a bug (exit code 3).
boost::asio::awaitable<DomainFacts> collect(std::string domain, std::shared_ptr<const CollectSettings> settings);

}  // namespace relaymetry::app
