#include "relaymetry/app/probe_budget.hpp"

#include <algorithm>
#include <string>

namespace relaymetry::app {

std::vector<Endpoint> within_budget(const std::vector<Endpoint>& endpoints, std::size_t budget, CapReached& cap) {
    std::vector<std::size_t> allowed(endpoints.size(), 0);
    bool gave = true;
    for (std::size_t round = 0; budget > 0 && gave; ++round) {
        gave = false;
        for (std::size_t i = 0; i < endpoints.size() && budget > 0; ++i) {
            if (round < endpoints[i].resolution.addresses.size()) {
                ++allowed[i];
                --budget;
                gave = true;
            }
        }
    }
    std::vector<Endpoint> probed = endpoints;
    for (std::size_t i = 0; i < probed.size(); ++i) {
        auto& addresses = probed[i].resolution.addresses;
        for (std::size_t a = allowed[i]; a < addresses.size(); ++a) {
            leave_out(cap, addresses[a] + " of " + probed[i].host + ":" + std::to_string(probed[i].port));
        }
        addresses.resize(std::min(addresses.size(), allowed[i]));
    }
    return probed;
}

}  // namespace relaymetry::app
