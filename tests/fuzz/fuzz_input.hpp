#pragma once
// Turning libFuzzer's bytes into what a parser takes: one string, or several separated by NUL (the
// RRset of a TXT lookup, the lines of a session).

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace relaymetry::fuzz {

inline std::string_view as_text(const std::uint8_t* data, std::size_t size) {
    return {reinterpret_cast<const char*>(data), size};
}

// At most `max_parts` parts; the last keeps any further separators.
inline std::vector<std::string> split(std::string_view text, char separator, std::size_t max_parts) {
    std::vector<std::string> parts;
    while (parts.size() + 1 < max_parts) {
        const auto end = text.find(separator);
        if (end == std::string_view::npos) {
            break;
        }
        parts.emplace_back(text.substr(0, end));
        text.remove_prefix(end + 1);
    }
    parts.emplace_back(text);
    return parts;
}

}  // namespace relaymetry::fuzz
