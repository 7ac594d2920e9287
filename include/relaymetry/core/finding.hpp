#pragma once
// A finding: one thing wrong (or worth knowing) about a domain, as the rules report it.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace relaymetry {

// Ordered: a higher value is more severe.
enum class Severity { notice = 1, warning = 2, error = 3 };

std::string_view to_string(Severity severity);
std::optional<Severity> parse_severity(std::string_view text);

struct Finding {
    std::string id;  // rule ID, e.g. "cert.expired"
    Severity severity = Severity::error;
    std::string target;     // "host:port [address]", "mta-sts.<domain>", a record name, or the domain
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
