#pragma once
// The two clocks of one domain's check: the deadline every network step runs against (monotonic), and
// the check's "now" (DomainFacts::started_at) at which certificates are judged.

#include <chrono>

namespace relaymetry {

struct CheckTime {
    std::chrono::steady_clock::time_point deadline;
    std::chrono::system_clock::time_point now;
};

}  // namespace relaymetry
