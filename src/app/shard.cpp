#include "relaymetry/app/shard.hpp"

#include <algorithm>
#include <charconv>
#include <optional>

namespace relaymetry::app {

namespace {

constexpr std::uint64_t k_fnv64_offset_basis = 0xcbf29ce484222325;
constexpr std::uint64_t k_fnv64_prime = 0x100000001b3;

// Digits only: from_chars alone would take a leading '-' and stop at trailing junk.
std::optional<std::uint64_t> parse_number(std::string_view text) {
    if (text.empty() || !std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        return std::nullopt;
    }
    std::uint64_t value = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc() || end != text.data() + text.size()) {
        return std::nullopt;
    }
    return value;
}

}  // namespace

tl::expected<Shard, std::string> parse_shard(std::string_view text) {
    const auto slash = text.find('/');
    if (slash == std::string_view::npos) {
        return tl::unexpected(std::string("expected K/N (shard K of N, counted from 0), e.g. 0/4"));
    }
    const auto index = parse_number(text.substr(0, slash));
    const auto count = parse_number(text.substr(slash + 1));
    if (!index || !count) {
        return tl::unexpected(std::string("K and N must be whole numbers (shard K of N, counted from 0), e.g. 0/4"));
    }
    if (*count == 0) {
        return tl::unexpected(std::string("N must be at least 1"));
    }
    if (*index >= *count) {
        return tl::unexpected("K must be less than N: the shards of " + std::to_string(*count) + " are 0 to " +
                              std::to_string(*count - 1));
    }
    return Shard{*index, *count};
}

std::uint64_t fnv1a_64(std::string_view bytes) {
    std::uint64_t hash = k_fnv64_offset_basis;
    for (const char c : bytes) {
        hash ^= static_cast<unsigned char>(c);
        hash *= k_fnv64_prime;  // unsigned: wraps modulo 2^64, as the algorithm wants
    }
    return hash;
}

bool in_shard(std::string_view domain, Shard shard) {
    return fnv1a_64(domain) % shard.count == shard.index;
}

void keep_shard(std::vector<std::string>& domains, Shard shard) {
    std::erase_if(domains, [&](const std::string& domain) { return !in_shard(domain, shard); });
}

}  // namespace relaymetry::app
