#pragma once
// A finding: one thing wrong (or worth knowing) about a domain, as the rules report it.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace relaymetry {

// Ordered: a higher value is more severe.
enum class Severity { notice = 1, warning = 2, error = 3 };

std::string_view to_string(Severity severity);
std::optional<Severity> parse_severity(std::string_view text);

// What a finding is about, as values; the renderers format it (to_string: "host:port [address]").
enum class TargetKind { domain, record, host, endpoint, address };
std::string_view to_string(TargetKind kind);

struct Target {
    TargetKind kind = TargetKind::domain;
    std::string name;        // the domain, the DNS record's name, or the host name
    std::uint16_t port = 0;  // endpoint and address
    std::string address;     // address

    static Target domain(std::string name) { return {TargetKind::domain, std::move(name), 0, {}}; }
    static Target record(std::string name) { return {TargetKind::record, std::move(name), 0, {}}; }
    static Target host(std::string name) { return {TargetKind::host, std::move(name), 0, {}}; }
    static Target endpoint(std::string host, std::uint16_t port) {
        return {TargetKind::endpoint, std::move(host), port, {}};
    }
    static Target at_address(std::string host, std::uint16_t port, std::string address) {
        return {TargetKind::address, std::move(host), port, std::move(address)};
    }
    // The endpoint an address belongs to (itself for every other kind).
    Target endpoint_of() const { return kind == TargetKind::address ? endpoint(name, port) : *this; }
    bool operator==(const Target&) const = default;
};
// "mail.example.com:465 [192.0.2.10]", "mail.example.com:465", or the name.
std::string to_string(const Target& target);

struct Finding {
    std::string id;  // rule ID, e.g. "cert.expired"
    Severity severity = Severity::error;
    Target target;
    std::string message;    // plain English: what is wrong
    std::string fix;        // plain English: what to do
    std::string reference;  // e.g. "RFC 8461 §3.3"
};

using Findings = std::vector<Finding>;

struct Summary {
    int errors = 0;
    int warnings = 0;
    int notices = 0;
};

Summary summarize(const Findings& findings);

}  // namespace relaymetry
