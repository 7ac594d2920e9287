// `check --shard K/N`: the stable hash, the parsing of K/N, and that the shards split a list exactly.
#include <catch2/catch.hpp>

#include <algorithm>
#include <iterator>
#include <map>

#include "relaymetry/app/shard.hpp"

using namespace relaymetry::app;

TEST_CASE("FNV-1a 64 matches the published test vectors", "[shard]") {
    // draft-eastlake-fnv (and the FNV reference suite, test_fnv.c).
    CHECK(fnv1a_64("") == 0xcbf29ce484222325);
    CHECK(fnv1a_64("a") == 0xaf63dc4c8601ec8c);
    CHECK(fnv1a_64("foobar") == 0x85944171f73967e8);
}

TEST_CASE("a domain's shard is its FNV-1a 64 modulo N", "[shard]") {
    // fnv1a_64("example.com") = 0x576846634e2714c6, which is 2 modulo 4 (docs/scale.md reproduces it).
    CHECK(fnv1a_64("example.com") == 0x576846634e2714c6);
    CHECK(in_shard("example.com", {2, 4}));
    CHECK_FALSE(in_shard("example.com", {0, 4}));
    CHECK(in_shard("example.com", {0, 1}));
}

TEST_CASE("the N shards together hold every domain exactly once, in input order", "[shard]") {
    std::vector<std::string> all;
    for (int i = 0; i < 200; ++i) {
        all.push_back("d" + std::to_string(i) + ".example");
    }
    all.push_back("d7.example");  // a duplicate stays with its twin
    std::map<std::string, int> seen;
    for (std::uint64_t k = 0; k < 4; ++k) {
        auto part = all;
        keep_shard(part, {k, 4});
        CHECK(part.size() > 20);  // FNV spreads even such similar names
        std::vector<std::string> in_order;
        std::copy_if(all.begin(), all.end(), std::back_inserter(in_order), [&](const std::string& domain) {
            return in_shard(domain, {k, 4});
        });
        CHECK(part == in_order);
        for (const auto& domain : part) {
            ++seen[domain];
        }
    }
    CHECK(seen.size() == 200);
    for (const auto& [domain, count] : seen) {
        CHECK(count == (domain == "d7.example" ? 2 : 1));
    }
}

TEST_CASE("K/N is parsed strictly", "[shard]") {
    CHECK(parse_shard("0/4").value().index == 0);
    CHECK(parse_shard("3/4").value().count == 4);
    CHECK(parse_shard("0/1").has_value());
    CHECK(parse_shard("4/4").error() == "K must be less than N: the shards of 4 are 0 to 3");
    CHECK(parse_shard("1/0").error() == "N must be at least 1");
    CHECK(parse_shard("0/0").error() == "N must be at least 1");
    CHECK(parse_shard("4").error() == "expected K/N (shard K of N, counted from 0), e.g. 0/4");
    for (const auto* bad :
         {"x/3", "-1/3", "1/+3", " 1/3", "1/3 ", "1//3", "/3", "1/", "1.0/3", "1/99999999999999999999999"}) {
        INFO(bad);
        CHECK(parse_shard(bad).error() == "K and N must be whole numbers (shard K of N, counted from 0), e.g. 0/4");
    }
}
