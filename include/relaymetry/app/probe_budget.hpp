#pragma once
// The address probes one domain may make (docs/cli.md "Limits"): however many addresses its servers
// publish, a check stays bounded in connections, handshakes and memory.

#include <cstddef>
#include <vector>

#include "relaymetry/core/facts.hpp"

namespace relaymetry::app {

// The endpoints as they are to be probed: `budget` addresses shared out over them in turn (each
// endpoint's first address, then each one's second, ...), so that every endpoint is probed on some
// address before any is probed on all. Each returned endpoint keeps only the addresses to probe;
// the addresses left out are counted in `cap` ("192.0.2.9 of mail.example.com:465").
std::vector<Endpoint> within_budget(const std::vector<Endpoint>& endpoints, std::size_t budget, CapReached& cap);

}  // namespace relaymetry::app
