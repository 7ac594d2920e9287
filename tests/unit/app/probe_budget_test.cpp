#include <catch2/catch.hpp>

#include "relaymetry/app/probe_budget.hpp"

using namespace relaymetry;

namespace {

Endpoint endpoint(const std::string& host, std::uint16_t port, std::size_t addresses) {
    Endpoint result;
    result.host = host;
    result.port = port;
    for (std::size_t i = 0; i < addresses; ++i) {
        result.resolution.addresses.push_back("192.0.2." + std::to_string(i + 1));
    }
    return result;
}

std::vector<std::size_t> sizes(const std::vector<Endpoint>& endpoints) {
    std::vector<std::size_t> result;
    for (const auto& e : endpoints) {
        result.push_back(e.resolution.addresses.size());
    }
    return result;
}

}  // namespace

TEST_CASE("within_budget: under the budget, everything is probed and nothing reported") {
    CapReached cap;
    const auto probed = app::within_budget({endpoint("a", 465, 2), endpoint("b", 587, 3)}, 32, cap);
    CHECK(sizes(probed) == std::vector<std::size_t>{2, 3});
    CHECK(cap.left_out == 0);
    CHECK(cap.examples.empty());
}

TEST_CASE("within_budget: shared out in turn, so every endpoint gets its first addresses") {
    CapReached cap;
    const auto probed =
        app::within_budget({endpoint("a", 465, 8), endpoint("b", 465, 1), endpoint("c", 587, 8)}, 6, cap);
    CHECK(sizes(probed) == std::vector<std::size_t>{3, 1, 2});
    CHECK(probed[0].resolution.addresses == std::vector<std::string>{"192.0.2.1", "192.0.2.2", "192.0.2.3"});
    CHECK(cap.left_out == 17 - 6);
    REQUIRE(cap.examples.size() == k_cap_examples);
    CHECK(cap.examples[0] == "192.0.2.4 of a:465");
    CHECK(cap.examples[4] == "192.0.2.8 of a:465");
}

TEST_CASE("within_budget: a budget smaller than the endpoints leaves the last ones unprobed, and says so") {
    CapReached cap;
    const auto probed =
        app::within_budget({endpoint("a", 465, 1), endpoint("b", 465, 1), endpoint("c", 465, 1)}, 2, cap);
    CHECK(sizes(probed) == std::vector<std::size_t>{1, 1, 0});
    CHECK(cap.left_out == 1);
    CHECK(cap.examples == std::vector<std::string>{"192.0.2.1 of c:465"});
}
