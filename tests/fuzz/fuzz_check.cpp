#include "fuzz_check.hpp"

#include <cstdint>
#include <cstdio>
#include <cstdlib>

#include <nlohmann/json.hpp>

namespace relaymetry::fuzz {

namespace {

// The length of the valid UTF-8 sequence at text[i] and its code point, or 0 when it is not one.
std::size_t decode(std::string_view text, std::size_t i, std::uint32_t& code_point) {
    const auto lead = static_cast<unsigned char>(text[i]);
    std::size_t length = 0;
    std::uint32_t minimum = 0;
    if (lead < 0x80) {
        code_point = lead;
        return 1;
    }
    if (lead >= 0xc2 && lead <= 0xdf) {
        length = 2, code_point = lead & 0x1f, minimum = 0x80;
    } else if (lead >= 0xe0 && lead <= 0xef) {
        length = 3, code_point = lead & 0x0f, minimum = 0x800;
    } else if (lead >= 0xf0 && lead <= 0xf4) {
        length = 4, code_point = lead & 0x07, minimum = 0x10000;
    } else {
        return 0;
    }
    if (i + length > text.size()) {
        return 0;
    }
    for (std::size_t k = 1; k < length; ++k) {
        const auto next = static_cast<unsigned char>(text[i + k]);
        if ((next & 0xc0) != 0x80) {
            return 0;
        }
        code_point = (code_point << 6) | (next & 0x3f);
    }
    const bool surrogate = code_point >= 0xd800 && code_point <= 0xdfff;
    if (code_point < minimum || code_point > 0x10ffff || surrogate) {
        return 0;
    }
    return length;
}

}  // namespace

void require(bool condition, std::string_view what, std::string_view text) {
    if (condition) {
        return;
    }
    std::fprintf(stderr, "fuzz contract broken: %.*s\n", static_cast<int>(what.size()), what.data());
    if (!text.empty()) {
        const auto shown = excerpt(text);
        std::fprintf(stderr, "in: %s\n", shown.c_str());
    }
    std::abort();
}

bool valid_utf8(std::string_view text) {
    for (std::size_t i = 0; i < text.size();) {
        std::uint32_t code_point = 0;
        const auto length = decode(text, i, code_point);
        if (length == 0) {
            return false;
        }
        i += length;
    }
    return true;
}

std::size_t first_raw_control(std::string_view text, std::string_view allowed) {
    for (std::size_t i = 0; i < text.size();) {
        std::uint32_t code_point = 0;
        const auto length = decode(text, i, code_point);
        if (length == 0) {
            ++i;  // invalid UTF-8 is valid_utf8's to report
            continue;
        }
        const bool control = code_point < 0x20 || code_point == 0x7f || (code_point >= 0x80 && code_point <= 0x9f);
        if (control && !(code_point < 0x80 && allowed.find(static_cast<char>(code_point)) != std::string_view::npos)) {
            return i;
        }
        i += length;
    }
    return std::string_view::npos;
}

void require_clean_text(std::string_view text, std::string_view allowed, std::string_view what) {
    require(valid_utf8(text), std::string(what) + ": output is not valid UTF-8", text);
    const auto at = first_raw_control(text, allowed);
    // The excerpt starts a little before the character, which may be far into a long report.
    require(at == std::string_view::npos, std::string(what) + ": output holds a raw control character",
            at == std::string_view::npos ? text : text.substr(at < 160 ? 0 : at - 160));
}

std::string without_colour(std::string_view text) {
    std::string out;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '\x1b' && i + 1 < text.size() && text[i + 1] == '[') {
            auto end = i + 2;
            while (end < text.size() && ((text[end] >= '0' && text[end] <= '9') || text[end] == ';')) {
                ++end;
            }
            if (end < text.size() && text[end] == 'm') {
                i = end;
                continue;
            }
        }
        out += text[i];
    }
    return out;
}

void require_json_lines(std::string_view text, std::string_view what) {
    require_clean_text(text, "\n", what);
    std::size_t start = 0;
    while (start < text.size()) {
        auto end = text.find('\n', start);
        if (end == std::string_view::npos) {
            end = text.size();
        }
        const auto line = text.substr(start, end - start);
        require(nlohmann::json::accept(line), std::string(what) + ": a line is not JSON", line);
        start = end + 1;
    }
}

std::string excerpt(std::string_view text) {
    constexpr std::size_t k_max_shown = 400;
    std::string shown;
    for (const char c : text.substr(0, k_max_shown)) {
        const auto byte = static_cast<unsigned char>(c);
        if (byte < 0x20 || byte >= 0x7f || c == '\\') {
            char buffer[8];
            std::snprintf(buffer, sizeof buffer, "\\x%02x", byte);
            shown += buffer;
        } else {
            shown += c;
        }
    }
    if (text.size() > k_max_shown) {
        shown += "...";
    }
    return shown;
}

}  // namespace relaymetry::fuzz
