#pragma once
// --connect-to HOST:PORT:ADDR:PORT, with curl's semantics: a connection meant for HOST:PORT goes to
// ADDR:PORT instead, while SNI, EHLO, Host and certificate checks still use HOST. An empty HOST or
// PORT on the left matches any; ADDR must be an IP literal (IPv6 in brackets), so no name is ever
// resolved outside c-ares.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <tl/expected.hpp>

namespace relaymetry::probe {

struct ConnectToRule {
    std::string host;                // lower-case; empty = any host
    std::uint16_t port = 0;          // 0 = any port
    std::string address;             // IP literal without brackets
    std::uint16_t address_port = 0;  // 0 = keep the original port
};

struct Destination {
    std::string address;
    std::uint16_t port = 0;
};

// Parses one --connect-to value; the error is plain English naming what is wrong.
tl::expected<ConnectToRule, std::string> parse_connect_to(std::string_view text);

// The first rule matching host:port, as curl applies them.
std::optional<Destination> redirect(const std::vector<ConnectToRule>& rules, std::string_view host, std::uint16_t port);

// Whether `text` is an IPv4 or IPv6 address literal (not a host name).
bool is_ip_literal(const std::string& text);

}  // namespace relaymetry::probe
