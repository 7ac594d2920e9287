#include "relaymetry/probe/connect_to.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>

#include <arpa/inet.h>

namespace relaymetry::probe {

namespace {

// One field of HOST:PORT:ADDR:PORT; IPv6 literals are bracketed and may contain ':'.
struct Fields {
    std::vector<std::string_view> parts;
    std::string error;
};

Fields split_fields(std::string_view text) {
    Fields fields;
    std::size_t start = 0;
    bool in_brackets = false;
    for (std::size_t i = 0; i <= text.size(); ++i) {
        if (i == text.size() || (text[i] == ':' && !in_brackets)) {
            fields.parts.push_back(text.substr(start, i - start));
            start = i + 1;
        } else if (text[i] == '[') {
            in_brackets = true;
        } else if (text[i] == ']') {
            in_brackets = false;
        }
    }
    if (in_brackets) {
        fields.error = "an IPv6 address has no closing ']'";
    }
    return fields;
}

// Empty = 0 (any / keep); otherwise 1..65535.
tl::expected<std::uint16_t, std::string> parse_port(std::string_view text, std::string_view which) {
    if (text.empty()) {
        return std::uint16_t{0};
    }
    unsigned value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc{} || end != text.data() + text.size() || value == 0 || value > 65535) {
        return tl::unexpected(std::string(which) + " '" + std::string(text) + "' is not a port number (1-65535)");
    }
    return static_cast<std::uint16_t>(value);
}

std::string lower(std::string_view text) {
    std::string out(text);
    std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
    return out;
}

std::string_view strip_dot(std::string_view host) {
    if (!host.empty() && host.back() == '.') {
        host.remove_suffix(1);
    }
    return host;
}

// Labels of letters, digits, '-' and '_' (SRV-style names as well), separated by single dots: what can
// match a host relaymetry probes. Anything else would be a rule that silently never applies.
bool is_host_name(std::string_view host) {
    if (host.empty() || host.front() == '.' || host.back() == '.' || host.find("..") != std::string_view::npos) {
        return false;
    }
    return std::all_of(host.begin(), host.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
    });
}

}  // namespace

tl::expected<ConnectToRule, std::string> parse_connect_to(std::string_view text) {
    auto fields = split_fields(text);
    if (!fields.error.empty()) {
        return tl::unexpected(fields.error);
    }
    if (fields.parts.size() != 4) {
        return tl::unexpected(std::string("expected HOST:PORT:ADDR:PORT (four fields), got ") +
                              std::to_string(fields.parts.size()));
    }
    ConnectToRule rule;
    rule.host = lower(strip_dot(fields.parts[0]));
    if (!fields.parts[0].empty() && !is_host_name(rule.host)) {
        return tl::unexpected("HOST '" + std::string(fields.parts[0]) +
                              "' is not a host name (letters, digits, '-', '_' and dots between labels)");
    }
    auto port = parse_port(fields.parts[1], "PORT");
    if (!port) {
        return tl::unexpected(port.error());
    }
    rule.port = *port;
    std::string_view address = fields.parts[2];
    if (address.size() >= 2 && address.front() == '[' && address.back() == ']') {
        address = address.substr(1, address.size() - 2);
    }
    rule.address = std::string(address);
    if (rule.address.empty()) {
        return tl::unexpected(std::string("ADDR is empty; give an IP address such as 127.0.0.1 or [::1]"));
    }
    if (!is_ip_literal(rule.address)) {
        return tl::unexpected("ADDR '" + rule.address + "' is not an IP address (host names are not resolved here)");
    }
    auto address_port = parse_port(fields.parts[3], "the second PORT");
    if (!address_port) {
        return tl::unexpected(address_port.error());
    }
    rule.address_port = *address_port;
    return rule;
}

std::optional<Destination> redirect(const std::vector<ConnectToRule>& rules, std::string_view host,
                                    std::uint16_t port) {
    const std::string wanted = lower(strip_dot(host));
    for (const auto& rule : rules) {
        if ((rule.host.empty() || rule.host == wanted) && (rule.port == 0 || rule.port == port)) {
            return Destination{rule.address, rule.address_port == 0 ? port : rule.address_port};
        }
    }
    return std::nullopt;
}

bool is_ip_literal(const std::string& text) {
    unsigned char buffer[16];
    return inet_pton(AF_INET, text.c_str(), buffer) == 1 || inet_pton(AF_INET6, text.c_str(), buffer) == 1;
}

}  // namespace relaymetry::probe
