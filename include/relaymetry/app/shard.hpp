#pragma once
// `check --shard K/N`: one of N machines (or jobs) checks only its share of a big domain list, and
// the N shares together are the whole list, each domain in exactly one. Pure.
//
// A domain belongs to shard FNV-1a-64(name) mod N, where name is the normalised domain (lower case,
// A-labels, no trailing dot: what the JSON's "domain" says) as ASCII bytes, and FNV-1a-64 is the
// 64-bit FNV-1a hash (offset basis 0xcbf29ce484222325, prime 0x100000001b3; draft-eastlake-fnv).
// It is the same on every machine, run and build (unlike std::hash); docs/scale.md shows how other
// tools compute it.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <tl/expected.hpp>

namespace relaymetry::app {

struct Shard {
    std::uint64_t index = 0;  // K, 0 <= K < N
    std::uint64_t count = 1;  // N >= 1
};

// "K/N" in decimal digits; otherwise one plain-English sentence saying what is wrong.
tl::expected<Shard, std::string> parse_shard(std::string_view text);

std::uint64_t fnv1a_64(std::string_view bytes);

bool in_shard(std::string_view domain, Shard shard);

// Keeps the domains of `shard`, in their order (duplicates hash alike, so they stay together).
void keep_shard(std::vector<std::string>& domains, Shard shard);

}  // namespace relaymetry::app
