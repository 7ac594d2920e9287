#include "relaymetry/app/port25_egress.hpp"

namespace relaymetry::app {

namespace {

// The run's own trouble says nothing about the network either way.
bool says_nothing(const AddressProbe& probe) {
    return probe.status == ProbeStatus::not_probed || probe.status == ProbeStatus::internal_error;
}

std::string failure_text(ProbeStatus kind) {
    switch (kind) {
        case ProbeStatus::refused: return "was refused";
        case ProbeStatus::unreachable: return "found no route";
        default: return "timed out";
    }
}

}  // namespace

void Port25Egress::record(const std::string& host, const std::vector<AddressProbe>& probes) {
    for (const auto& probe : probes) {
        if (says_nothing(probe) || !m_seen.emplace(host, probe.address).second) {
            continue;
        }
        if (never_connected(probe)) {
            ++m_failures;
            m_failed_hosts.insert(host);
            m_failure_kinds.insert(probe.status);
        } else {
            m_reached = true;
        }
    }
}

std::optional<std::string> Port25Egress::blocked() const {
    // "No route" comes with the others where one address family has no route at all (IPv6 on many
    // cloud machines), so it agrees with either.
    auto kinds = m_failure_kinds;
    if (kinds.size() > 1) {
        kinds.erase(ProbeStatus::unreachable);
    }
    if (m_reached || kinds.size() != 1 || m_failed_hosts.size() < 2) {
        return std::nullopt;
    }
    return "outbound port 25 seems blocked from this machine: every port-25 connection of the run (" +
           std::to_string(m_failures) + " to " + std::to_string(m_failed_hosts.size()) + " MX hosts) " +
           failure_text(*kinds.begin()) + ", and none reached a server";
}

bool Port25Egress::take_announcement() {
    if (m_announced || !blocked()) {
        return false;
    }
    m_announced = true;
    return true;
}

void mark_egress_blocked(std::vector<AddressProbe>& probes, const std::string& why) {
    for (auto& probe : probes) {
        if (never_connected(probe)) {
            probe.status = ProbeStatus::inconclusive;
            probe.error = why + " (this connection: " + probe.error.value_or("no answer") + ")";
        }
    }
}

}  // namespace relaymetry::app
