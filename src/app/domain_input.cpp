#include "relaymetry/app/domain_input.hpp"

#include <idn2.h>

#include <cstdlib>
#include <memory>
#include <optional>

#include "relaymetry/policy/host_name.hpp"

namespace relaymetry::app {

namespace {

bool is_space(char c) {
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

std::string_view trim(std::string_view text) {
    while (!text.empty() && is_space(text.front())) {
        text.remove_prefix(1);
    }
    while (!text.empty() && is_space(text.back())) {
        text.remove_suffix(1);
    }
    return text;
}

bool is_ascii(std::string_view text) {
    for (char c : text) {
        if (static_cast<unsigned char>(c) >= 0x80) {
            return false;
        }
    }
    return true;
}

bool is_hex(char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

// Dotted digits only ("192.0.2.1", also the incomplete "10.1"): an address, not a name.
bool looks_like_ipv4(std::string_view text) {
    bool digit_seen = false;
    for (char c : text) {
        if (c >= '0' && c <= '9') {
            digit_seen = true;
        } else if (c != '.') {
            return false;
        }
    }
    return digit_seen && text.find('.') != std::string_view::npos;
}

// Hex digits, ':' and '.' with at least two ':' ("2001:db8::1", "::ffff:192.0.2.1").
bool looks_like_ipv6(std::string_view text) {
    std::size_t colons = 0;
    for (char c : text) {
        if (c == ':') {
            ++colons;
        } else if (!is_hex(c) && c != '.') {
            return false;
        }
    }
    return colons >= 2;
}

// The mistakes of pasting something other than a domain, named before the character-level checks.
std::optional<std::string> pasted_problem(std::string_view text) {
    if (text.find("://") != std::string_view::npos) {
        return "is a URL; give only the domain, e.g. example.com";
    }
    if (text.front() == '[' || looks_like_ipv6(text)) {
        return "is an IP address; give a domain name";
    }
    if (looks_like_ipv4(text)) {
        return "is an IP address; give a domain name";
    }
    if (text.find('@') != std::string_view::npos) {
        return "contains '@'; give only the domain of an address, e.g. example.com for postmaster@example.com";
    }
    if (text.find('/') != std::string_view::npos) {
        return "contains '/'; give only the domain, without a path";
    }
    if (text.find(':') != std::string_view::npos) {
        return "contains ':'; give only the domain, without a port";
    }
    for (char c : text) {
        if (is_space(c)) {
            return "contains whitespace; give one domain at a time";
        }
    }
    return std::nullopt;
}

struct Idn2Free {
    void operator()(char* p) const { idn2_free(p); }
};

}  // namespace

tl::expected<std::string, std::string> normalize_domain(std::string_view input) {
    auto text = trim(input);
    if (text.empty()) {
        return tl::unexpected(std::string("is empty; give a domain name such as example.com"));
    }
    if (auto problem = pasted_problem(text)) {
        return tl::unexpected(std::move(*problem));
    }
    if (text.back() == '.') {
        text.remove_suffix(1);  // the root: "example.com." names example.com
    }
    std::string name(text);
    if (!is_ascii(name)) {
        // UTS #46 processing (IDNA 2008 with the compatibility mapping): case folding, NFC, and the
        // conversion of each label to its A-label.
        char* raw = nullptr;
        const int rc = idn2_to_ascii_8z(name.c_str(), &raw, IDN2_NONTRANSITIONAL | IDN2_NFC_INPUT);
        const std::unique_ptr<char, Idn2Free> converted(raw);
        if (rc != IDN2_OK || !converted) {
            return tl::unexpected("is not a valid internationalized domain name: " + std::string(idn2_strerror(rc)));
        }
        name = converted.get();
    }
    for (auto& c : name) {
        if (c >= 'A' && c <= 'Z') {
            c = static_cast<char>(c - 'A' + 'a');
        }
    }
    if (auto problem = policy::host_name_problem(name)) {
        return tl::unexpected(std::move(*problem));
    }
    if (name.find('.') == std::string::npos) {
        return tl::unexpected(
            std::string("is a single label; give a full domain name with a dot, such as example.com"));
    }
    return name;
}

std::vector<DomainLine> parse_domain_list(std::string_view content) {
    std::vector<DomainLine> lines;
    std::size_t number = 0;
    while (!content.empty()) {
        ++number;
        const auto newline = content.find('\n');
        auto text = content.substr(0, newline);
        content.remove_prefix(newline == std::string_view::npos ? content.size() : newline + 1);
        if (text.ends_with('\r')) {
            text.remove_suffix(1);
        }
        // A comment starts at a '#' at the beginning of the line or after whitespace; a '#' inside a
        // word ("example.com#x") is not a comment, so the typo is reported rather than hidden.
        auto domain = text;
        for (std::size_t i = 0; i < domain.size(); ++i) {
            if (domain[i] == '#' && (i == 0 || is_space(domain[i - 1]))) {
                domain = domain.substr(0, i);
                break;
            }
        }
        domain = trim(domain);
        if (domain.empty()) {
            continue;
        }
        lines.push_back(DomainLine{number, std::string(text), normalize_domain(domain)});
    }
    return lines;
}

}  // namespace relaymetry::app
