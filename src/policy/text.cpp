#include "text.hpp"

#include <cstdio>

namespace relaymetry::policy::detail {

std::string to_lower(std::string_view text) {
    std::string out(text);
    for (auto& c : out) {
        c = to_lower(c);
    }
    return out;
}

std::string_view trim_wsp_left(std::string_view text) {
    while (!text.empty() && is_wsp(text.front())) {
        text.remove_prefix(1);
    }
    return text;
}

std::string_view trim_wsp_right(std::string_view text) {
    while (!text.empty() && is_wsp(text.back())) {
        text.remove_suffix(1);
    }
    return text;
}

std::string_view trim_wsp(std::string_view text) {
    return trim_wsp_right(trim_wsp_left(text));
}

bool is_ext_name(std::string_view name) {
    if (name.empty() || name.size() > 32 || !is_alnum(name.front())) {
        return false;
    }
    for (char c : name) {
        if (!is_alnum(c) && c != '_' && c != '-' && c != '.') {
            return false;
        }
    }
    return true;
}

std::size_t utf8_sequence_length(std::string_view text) {
    if (text.empty()) {
        return 0;
    }
    const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text[i]); };
    const unsigned char lead = byte(0);
    std::size_t length = 0;
    unsigned char min_second = 0x80;
    unsigned char max_second = 0xBF;
    if (lead >= 0xC2 && lead <= 0xDF) {
        length = 2;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
        length = 3;
        min_second = lead == 0xE0 ? 0xA0 : 0x80;  // no overlong forms
        max_second = lead == 0xED ? 0x9F : 0xBF;  // no UTF-16 surrogates
    } else if (lead >= 0xF0 && lead <= 0xF4) {
        length = 4;
        min_second = lead == 0xF0 ? 0x90 : 0x80;
        max_second = lead == 0xF4 ? 0x8F : 0xBF;  // nothing above U+10FFFF
    } else {
        return 0;
    }
    if (text.size() < length || byte(1) < min_second || byte(1) > max_second) {
        return 0;
    }
    for (std::size_t i = 2; i < length; ++i) {
        if (byte(i) < 0x80 || byte(i) > 0xBF) {
            return 0;
        }
    }
    return length;
}

std::string quote(std::string_view text, std::size_t max_chars) {
    std::string out = "'";
    std::size_t shown = 0;
    std::size_t i = 0;
    while (i < text.size()) {
        if (shown == max_chars) {
            out += "...";
            break;
        }
        const auto c = static_cast<unsigned char>(text[i]);
        if (c >= 0x20 && c < 0x7F) {
            out += static_cast<char>(c);
            ++i;
        } else if (const auto length = utf8_sequence_length(text.substr(i));
                   length > 0 && !(c == 0xC2 && static_cast<unsigned char>(text[i + 1]) < 0xA0)) {
            // Valid UTF-8 is kept, but not the C1 controls U+0080-U+009F (C2 80 - C2 9F): some
            // terminals act on them as on ESC.
            out.append(text.substr(i, length));
            i += length;
        } else {
            char escaped[5];
            std::snprintf(escaped, sizeof escaped, "\\x%02X", c);
            out += escaped;
            ++i;
        }
        ++shown;
    }
    out += "'";
    return out;
}

std::string count_noun(std::size_t count, std::string_view singular) {
    std::string out = std::to_string(count) + " ";
    out += singular;
    if (count != 1) {
        out += "s";
    }
    return out;
}

}  // namespace relaymetry::policy::detail

namespace relaymetry::policy::detail {

bool begins_with_version(std::string_view record, std::string_view version) {
    if (!record.starts_with(version)) {
        return false;
    }
    return record.size() == version.size() || record[version.size()] == ';' || is_wsp(record[version.size()]);
}

VersionedRecord select_versioned_record(LookupStatus status, const std::vector<std::string>& records,
                                        std::string_view version) {
    VersionedRecord selected;
    if (is_failure(status)) {
        selected.status = TxtStatus::lookup_failed;
        return selected;
    }
    std::size_t count = 0;
    if (status == LookupStatus::answer) {
        for (const auto& record : records) {
            if (begins_with_version(record, version)) {
                selected.record = &record;
                ++count;
            }
        }
    }
    if (count != 1) {
        selected.status = count == 0 ? TxtStatus::not_published : TxtStatus::multiple;
        selected.record = nullptr;
    }
    return selected;
}

std::vector<std::string_view> split_record(std::string_view record, std::string_view version,
                                           std::vector<std::string>& errors) {
    std::vector<std::string_view> fields;
    if (!record.starts_with(version)) {
        if (record.empty()) {
            errors.push_back("the record is empty; it must begin with " + std::string(version));
        } else if (is_wsp(record.front())) {
            errors.push_back("the record must begin with " + std::string(version) + " with no space before it");
        } else if (to_lower(record.substr(0, version.size())) == to_lower(version)) {
            errors.push_back("the record must begin with " + std::string(version) + " exactly (case matters); found " +
                             quote(record.substr(0, version.size())));
        } else {
            errors.push_back("the record must begin with " + std::string(version) + "; found " + quote(record, 24));
        }
        return fields;
    }
    auto rest = trim_wsp_left(record.substr(version.size()));
    if (rest.empty()) {
        return fields;  // no fields at all: the caller reports the missing required field
    }
    if (rest.front() != ';') {
        errors.push_back(std::string(version) + " must be followed by ';' before the next field; found " +
                         quote(record.substr(0, version.size() + 12)));
        return fields;
    }
    rest.remove_prefix(1);
    while (true) {
        const auto semicolon = rest.find(';');
        const bool last = semicolon == std::string_view::npos;
        const auto raw = rest.substr(0, semicolon);
        const auto field = trim_wsp(raw);
        if (field.empty()) {
            if (!last) {
                errors.push_back("there is an empty field (two ';' with nothing between them)");
            }
            // An empty last segment is the optional trailing delimiter.
        } else {
            if (last && trim_wsp_left(raw).size() != field.size()) {
                errors.push_back("there is whitespace after the last field " + quote(field) +
                                 "; remove it (the syntax allows spaces only next to a ';')");
            }
            fields.push_back(field);
        }
        if (last) {
            break;
        }
        rest.remove_prefix(semicolon + 1);
    }
    return fields;
}

std::string ext_value_problem(std::string_view value) {
    if (value.empty()) {
        return "is empty";
    }
    for (char c : value) {
        const auto byte = static_cast<unsigned char>(c);
        if (byte == ' ' || byte == '\t') {
            return "contains a space";
        }
        if (byte < 0x21 || byte > 0x7E) {
            return "contains a character that is not visible US-ASCII";
        }
        if (c == '=') {
            return "contains '='";
        }
    }
    return {};
}

std::string extension_field_problem(std::string_view name, std::string_view value) {
    if (!is_ext_name(name)) {
        return "field name " + quote(name) +
               " is not valid; names are 1 to 32 letters, digits, '_', '-' or '.', starting with a letter or "
               "digit, directly followed by '='";
    }
    if (const auto problem = ext_value_problem(value); !problem.empty()) {
        return "the value of field " + quote(name) + " " + problem +
               "; values are visible US-ASCII without ';', '=' or spaces";
    }
    return {};
}

}  // namespace relaymetry::policy::detail
