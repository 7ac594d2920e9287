#pragma once
// --mx-probe's egress self-test. Many networks (every large cloud, many ISPs) block outbound port 25,
// and then every MX probe fails, whatever the MX hosts do. When every port-25 connection of the run
// has failed the same way (all timed out, or all were refused, or all unreachable) at two MX hosts or
// more, and none reached a server, the failures are this machine's, not the domains': the probes are
// marked inconclusive and the run says so once (docs/cli.md "--mx-probe").

#include <cstddef>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "relaymetry/core/facts.hpp"

namespace relaymetry::app {

class Port25Egress {
public:
    // Records the port-25 probes of one MX host; a (host, address) the run has seen counts once.
    void record(const std::string& host, const std::vector<AddressProbe>& probes);
    // Why port 25 looks blocked from here (plain English), or nothing while the run's port-25
    // connections say otherwise: one reached a server, they failed in different ways, or all at one host.
    std::optional<std::string> blocked() const;
    // True once: the first caller after blocked() says it on stderr.
    bool take_announcement();

private:
    std::set<std::pair<std::string, std::string>> m_seen;  // (host, address)
    std::set<std::string> m_failed_hosts;
    std::set<ProbeStatus> m_failure_kinds;
    std::size_t m_failures = 0;
    bool m_reached = false;
    bool m_announced = false;
};

// The probes of a domain whose port-25 connections are all blocked: inconclusive, with the reason.
void mark_egress_blocked(std::vector<AddressProbe>& probes, const std::string& why);

}  // namespace relaymetry::app
