// Shared formatting, and escape_untrusted: what a hostile peer sent must never reach the terminal raw.
#include "format.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>

#include "relaymetry/report/report.hpp"

namespace relaymetry::report {

namespace {

void append_escape(std::string& out, std::uint32_t code_point) {
    char buffer[8];
    std::snprintf(buffer, sizeof buffer, "\\u%04x", static_cast<unsigned>(code_point));
    out += buffer;
}

// Code points that move the cursor, switch terminal modes or reorder text on screen: C0, DEL, C1
// (U+0080-U+009F, e.g. U+009B = CSI on some terminals), line/paragraph separators, and the bidi
// controls of "Trojan Source" (U+202A-U+202E, U+2066-U+2069, U+200E/U+200F, U+061C).
bool must_escape(std::uint32_t code_point) {
    return code_point < 0x20 || code_point == 0x7f || (code_point >= 0x80 && code_point <= 0x9f) ||
           code_point == 0x061c || code_point == 0x200e || code_point == 0x200f || code_point == 0x2028 ||
           code_point == 0x2029 || (code_point >= 0x202a && code_point <= 0x202e) ||
           (code_point >= 0x2066 && code_point <= 0x2069);
}

// Length of the valid UTF-8 sequence at `text[i]` (RFC 3629 §4: no overlongs, no surrogates, at most
// U+10FFFF) and its code point; 0 when the bytes there are not valid UTF-8.
std::size_t decode(std::string_view text, std::size_t i, std::uint32_t& code_point) {
    const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[i + k]); };
    const unsigned char lead = byte(0);
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
        if ((byte(k) & 0xc0) != 0x80) {
            return 0;
        }
        code_point = (code_point << 6) | (byte(k) & 0x3f);
    }
    if (code_point < minimum || code_point > 0x10ffff || (code_point >= 0xd800 && code_point <= 0xdfff)) {
        return 0;
    }
    return length;
}

}  // namespace

std::string escape_untrusted(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size();) {
        std::uint32_t code_point = 0;
        const std::size_t length = decode(text, i, code_point);
        if (length == 0) {
            // Not UTF-8: show the byte itself, so the user sees what was sent.
            char buffer[8];
            std::snprintf(buffer, sizeof buffer, "\\x%02x", static_cast<unsigned char>(text[i]));
            out += buffer;
            ++i;
            continue;
        }
        switch (code_point) {
            case '\n': out += "\\n"; break;
            case '\r': out += "\\r"; break;
            case '\t': out += "\\t"; break;
            case '\b': out += "\\b"; break;
            case '\f': out += "\\f"; break;
            case '\\': out += "\\\\"; break;  // so that an escape shown is always one we wrote
            default:
                if (must_escape(code_point)) {
                    append_escape(out, code_point);
                } else {
                    out.append(text.substr(i, length));
                }
        }
        i += length;
    }
    return out;
}

std::string escape_untrusted_lines(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t start = 0; start < text.size();) {
        const auto end = std::min(text.find('\n', start), text.size());
        out += escape_untrusted(text.substr(start, end - start));
        if (end < text.size()) {
            out += '\n';
        }
        start = end + 1;
    }
    return out;
}

namespace detail {

std::string iso8601(std::int64_t unix_seconds) {
    using namespace std::chrono;
    const sys_seconds instant{seconds{unix_seconds}};
    const auto day = floor<days>(instant);
    const year_month_day date{day};
    const hh_mm_ss time{instant - day};
    char buffer[40];
    std::snprintf(buffer, sizeof buffer, "%04d-%02u-%02uT%02d:%02d:%02dZ", static_cast<int>(date.year()),
                  static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()),
                  static_cast<int>(time.hours().count()), static_cast<int>(time.minutes().count()),
                  static_cast<int>(time.seconds().count()));
    return buffer;
}

std::string date_only(std::int64_t unix_seconds) {
    return iso8601(unix_seconds).substr(0, 10);
}

std::int64_t unix_seconds(std::chrono::system_clock::time_point time) {
    return std::chrono::duration_cast<std::chrono::seconds>(time.time_since_epoch()).count();
}

std::string decimal_seconds(std::chrono::milliseconds duration) {
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%.3f", std::chrono::duration<double>(duration).count());
    return buffer;
}

std::string_view result_of(const Summary& summary) {
    return summary.errors > 0 ? "fail" : "pass";
}

std::string counts(const Summary& summary) {
    const auto plural = [](int n, const char* word) { return std::to_string(n) + " " + word + (n == 1 ? "" : "s"); };
    return plural(summary.errors, "error") + ", " + plural(summary.warnings, "warning") + ", " +
           plural(summary.notices, "notice");
}

std::vector<TlsEndpoint> tls_endpoints(const DomainFacts& facts) {
    std::vector<TlsEndpoint> endpoints;
    const auto add = [&](const std::vector<Endpoint>& probed) {
        for (const auto& endpoint : probed) {
            for (const auto& probe : endpoint.addresses) {
                if (probe.tls) {
                    endpoints.push_back(
                        {facts.domain, endpoint.host, endpoint.port, probe.address, &*probe.tls, &probe.timings_ms});
                }
            }
        }
    };
    if (facts.submission) {
        add(facts.submission->endpoints);
    }
    if (facts.mx) {
        add(facts.mx->probes);  // --mx-probe: port 25
    }
    if (facts.mta_sts && facts.mta_sts->policy && facts.mta_sts->policy->tls) {
        const auto& policy = *facts.mta_sts->policy;
        const auto& addresses = policy.resolution.addresses;
        endpoints.push_back({facts.domain, policy.resolution.host, k_https_port,
                             addresses.empty() ? std::string() : addresses.front(), &*policy.tls, nullptr});
    }
    return endpoints;
}

std::string_view area_of(std::string_view rule_id) {
    return rule_id.substr(0, rule_id.find('.'));
}

}  // namespace detail

}  // namespace relaymetry::report
