#pragma once
// Parsed forms of the DNS records and the policy file that MTA-STS (RFC 8461) and TLS-RPT (RFC 8460)
// publish. The parsers in policy/ produce them; the rules and renderers read them.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace relaymetry {

// RFC 8461 §3.1: "v=STSv1; id=...;" at _mta-sts.<domain>.
struct MtaStsTxtParse {
    bool valid = false;
    std::string id;                       // set when valid
    std::vector<std::string> extensions;  // "name=value" extension fields, tolerated
    std::vector<std::string> errors;      // plain English, every problem found
};

// One rua URI of a TLS-RPT record and whether it is usable (RFC 8460 §3).
struct RuaUri {
    std::string uri;
    bool valid = false;
    std::string error;  // plain English when not valid
};

// RFC 8460 §3: "v=TLSRPTv1; rua=..." at _smtp._tls.<domain>.
struct TlsRptParse {
    bool valid = false;       // syntax valid (rua URIs may still be unusable)
    std::vector<RuaUri> rua;  // the URIs of every rua field, in record order
    // How many of `rua` each rua= field holds, in record order: more than one entry means rua was
    // repeated (the ABNF allows it, §3).
    std::vector<std::size_t> rua_field_sizes;
    std::vector<std::string> extensions;
    std::vector<std::string> errors;
};

enum class StsMode { enforce, testing, none };
std::string_view to_string(StsMode mode);

// RFC 8461 §3.2: the policy file.
struct MtaStsPolicyParse {
    bool valid = false;  // what a conforming sender concludes: a usable policy
    std::optional<std::string> version;
    std::optional<StsMode> mode;
    std::optional<std::uint32_t> max_age;
    std::vector<std::string> mx;                // patterns in file order
    std::vector<std::string> errors;            // plain English; non-empty means not valid
    std::vector<std::string> duplicate_fields;  // non-mx field names seen more than once
    std::vector<std::string> extension_fields;  // unknown field names (tolerated)
    bool lf_line_endings = false;               // at least one line ends in a bare LF
};

// RFC 8461 §4.1: whether one MX host is matched by a policy's mx patterns.
struct MxCoverage {
    std::string mx;
    bool covered = false;
    std::string pattern;  // the first pattern that matched, empty when not covered
};

}  // namespace relaymetry
