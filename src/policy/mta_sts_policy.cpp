// RFC 8461 §3.2, the policy file at https://mta-sts.<domain>/.well-known/mta-sts.txt:
//
//   sts-policy-record        = sts-policy-field *WSP
//                              *(sts-policy-term sts-policy-field *WSP)
//                              [sts-policy-term]
//   sts-policy-field         = sts-policy-version /      ; required once
//                              sts-policy-mode    /      ; required once
//                              sts-policy-max-age /      ; required once
//                              sts-policy-mx /           ; required at least once, except when
//                                                        ; mode is "none"
//                              sts-policy-extension      ; other fields
//   sts-policy-field-delim   = ":" *WSP
//   sts-policy-version       = %s"version" sts-policy-field-delim %s"STSv1"
//   sts-policy-mode          = %s"mode" sts-policy-field-delim (%s"testing" / %s"enforce" / %s"none")
//   sts-policy-mx            = %s"mx" sts-policy-field-delim ["*."] Domain   ; Domain: RFC 5321
//   sts-policy-max-age       = %s"max_age" sts-policy-field-delim 1*10(DIGIT)
//   sts-policy-extension     = sts-policy-ext-name sts-policy-field-delim sts-policy-ext-value
//   sts-policy-ext-name      = (sts-policy-alphanum) *31(sts-policy-alphanum / "_" / "-" / ".")
//   sts-policy-term          = LF / CRLF
//   sts-policy-ext-value     = sts-policy-vchar [*(%x20 / sts-policy-vchar) sts-policy-vchar]
//   sts-policy-vchar         = %x21-7E / UTF8-2 / UTF8-3 / UTF8-4
//
// So: names and the version/mode values are case-sensitive; a field starts at the beginning of a line;
// whitespace may follow the ':' and end a line; there are no blank lines (a single line break may end
// the file); LF and CRLF are both line ends (erratum 6253 asks the prose to say so too). The order of
// fields is free. "If any non-repeated field -- i.e., all fields except the mx field -- is duplicated,
// all entries except for the first SHALL be ignored. If any field is not specified, the policy SHALL
// be treated as invalid." max_age is at most 31557600 (the prose; erratum 7282 notes the ABNF's ten
// digits allow more).
#include "relaymetry/policy/mta_sts_policy.hpp"

#include <algorithm>
#include <array>

#include "relaymetry/policy/host_name.hpp"
#include "text.hpp"

namespace relaymetry::policy {

namespace {

using namespace detail;

constexpr std::size_t k_max_errors = 20;
constexpr std::size_t k_max_age_digits = 10;

std::string at_line(std::size_t line) {
    return "line " + std::to_string(line) + ": ";
}

// sts-policy-ext-value after the surrounding *WSP is removed: no control characters, no tabs, valid
// UTF-8; non-empty.
std::string ext_policy_value_problem(std::string_view value) {
    if (value.empty()) {
        return "is empty";
    }
    std::size_t i = 0;
    while (i < value.size()) {
        const auto byte = static_cast<unsigned char>(value[i]);
        if (byte >= 0x20 && byte < 0x7F) {
            ++i;
        } else if (byte >= 0x80) {
            const auto length = utf8_sequence_length(value.substr(i));
            if (length == 0) {
                return "is not valid UTF-8";
            }
            i += length;
        } else {
            return byte == '\t' ? "contains a tab" : "contains a control character";
        }
    }
    return {};
}

bool all_digits(std::string_view text) {
    for (char c : text) {
        if (!is_digit(c)) {
            return false;
        }
    }
    return !text.empty();
}

// ["*."] Domain (RFC 5321 §4.1.2), in A-label form (§3.2), as it can match an MX host name (§4.1).
std::string mx_pattern_problem(std::string_view pattern) {
    if (pattern.empty()) {
        return "mx has no value";
    }
    const auto shown = "mx " + quote(pattern);
    for (char c : pattern) {
        if (static_cast<unsigned char>(c) >= 0x80) {
            return shown + " is not ASCII; write internationalized names in A-label (xn--) form (RFC 8461 §3.2)";
        }
    }
    if (pattern == "*") {
        return shown +
               " is a bare '*'; list the MX host names, or use *.example.com to allow one label "
               "in front of example.com";
    }
    auto name = pattern;
    if (name.starts_with("*.")) {
        name.remove_prefix(2);
    }
    if (name.find('*') != std::string_view::npos) {
        return shown + ": '*' may only be the whole leftmost label, as in *.example.com (RFC 8461 §4.1)";
    }
    if (pattern.front() == '[' || pattern.find(':') != std::string_view::npos) {
        return shown + " is an IP address; mx patterns name hosts, as the MX records do";
    }
    if (name.size() > 1 && name.back() == '.') {
        return shown + " ends with a dot; write the name without the trailing dot";
    }
    bool address = true;
    std::size_t labels = 1;
    for (char c : name) {
        if (c == '.') {
            ++labels;
        } else if (!is_digit(c)) {
            address = false;
        }
    }
    if (address && labels == 4) {
        return shown + " is an IP address; mx patterns name hosts, as the MX records do";
    }
    if (const auto problem = host_name_problem(name)) {
        return shown + " is not a valid host name: " + *problem;
    }
    return {};
}

std::string max_age_problem(std::string_view value, std::uint32_t& max_age) {
    const auto shown = "max_age " + quote(value);
    if (value.empty()) {
        return "max_age has no value";
    }
    if (!all_digits(value)) {
        if (value.front() == '+' || value.front() == '-') {
            return shown + " has a sign; write only digits, e.g. 604800";
        }
        return shown + " is not a whole number of seconds; write only digits, e.g. 604800";
    }
    if (value.size() > k_max_age_digits) {
        return "max_age has " + std::to_string(value.size()) + " digits; at most " + std::to_string(k_max_age_digits) +
               " are allowed, and the value may be at most " + std::to_string(k_max_policy_max_age) + " (one year)";
    }
    std::uint64_t number = 0;
    for (char c : value) {
        number = number * 10 + static_cast<std::uint64_t>(c - '0');
    }
    if (number > k_max_policy_max_age) {
        return "max_age " + std::to_string(number) + " is more than " + std::to_string(k_max_policy_max_age) +
               " seconds (one year), the maximum (RFC 8461 §3.2)";
    }
    max_age = static_cast<std::uint32_t>(number);
    return {};
}

// The fields that may appear once; a later entry is ignored (§3.2) and recorded as a duplicate.
enum class Known { version, mode, max_age };
constexpr std::array<std::string_view, 3> k_known_names = {"version", "mode", "max_age"};

class PolicyParser {
public:
    explicit PolicyParser(MtaStsPolicyParse& parse) : m_parse(parse) {}

    void line(std::size_t number, std::string_view text) {
        if (text.empty()) {
            error(at_line(number) + "the line is empty; the policy syntax allows no blank lines");
            return;
        }
        if (text.find('\r') != std::string_view::npos) {
            error(at_line(number) + "contains a carriage return that does not end the line (CRLF or LF end lines)");
            return;
        }
        if (is_wsp(text.front())) {
            error(at_line(number) + "begins with whitespace; each line must begin with a field name");
            return;
        }
        const auto colon = text.find(':');
        if (colon == std::string_view::npos) {
            error(at_line(number) + quote(text) + " has no ':'; each line is 'name: value'");
            return;
        }
        const auto name = text.substr(0, colon);
        const auto value = trim_wsp(text.substr(colon + 1));
        if (name == "mx") {
            field_mx(number, value);
            return;
        }
        for (std::size_t i = 0; i < k_known_names.size(); ++i) {
            if (name == k_known_names[i]) {
                field_once(number, static_cast<Known>(i), value);
                return;
            }
        }
        field_extension(number, name, value);
    }

    void finish() {
        const auto missing = [&](std::string_view field, std::string_view example) {
            error("the " + std::string(field) + " field is missing; add a line " + std::string(example) +
                  near_miss(field));
        };
        if (!m_seen[static_cast<std::size_t>(Known::version)]) {
            missing("version", "'version: STSv1'");
        }
        if (!m_seen[static_cast<std::size_t>(Known::mode)]) {
            missing("mode", "'mode: enforce' (or testing, or none)");
        }
        if (!m_seen[static_cast<std::size_t>(Known::max_age)]) {
            missing("max_age", "such as 'max_age: 604800' (seconds, at most 31557600)");
        }
        // §3.2 ABNF: mx is "required at least once, except when mode is none".
        if (m_mx_lines == 0 && m_parse.mode && *m_parse.mode != StsMode::none) {
            error("there is no mx field; mode " + std::string(to_string(*m_parse.mode)) +
                  " needs one 'mx: host' line for each MX host (or *.domain pattern)" + near_miss("mx"));
        }
    }

private:
    void error(std::string message) { m_parse.errors.push_back(std::move(message)); }

    void field_once(std::size_t number, Known field, std::string_view value) {
        const auto index = static_cast<std::size_t>(field);
        const auto name = k_known_names[index];
        if (m_seen[index]) {
            // §3.2: every entry but the first is ignored.
            if (!m_duplicate_recorded[index]) {
                m_duplicate_recorded[index] = true;
                m_parse.duplicate_fields.emplace_back(name);
            }
            return;
        }
        m_seen[index] = true;
        switch (field) {
            case Known::version:
                m_parse.version = std::string(value);
                if (value != "STSv1") {
                    error(at_line(number) + "version is " + quote(value) +
                          "; the only version is STSv1 (exactly so, case matters)");
                }
                break;
            case Known::mode: {
                for (auto mode : {StsMode::enforce, StsMode::testing, StsMode::none}) {
                    if (value == to_string(mode)) {
                        m_parse.mode = mode;
                        return;
                    }
                }
                const auto lower = to_lower(value);
                if (lower == "enforce" || lower == "testing" || lower == "none") {
                    error(at_line(number) + "mode is " + quote(value) + "; write it in lower case: " + lower);
                } else {
                    error(at_line(number) + "mode is " + quote(value) + "; it must be enforce, testing or none");
                }
                break;
            }
            case Known::max_age: {
                std::uint32_t max_age = 0;
                if (const auto problem = max_age_problem(value, max_age); !problem.empty()) {
                    error(at_line(number) + problem);
                } else {
                    m_parse.max_age = max_age;
                }
                break;
            }
        }
    }

    void field_mx(std::size_t number, std::string_view value) {
        ++m_mx_lines;
        if (const auto problem = mx_pattern_problem(value); !problem.empty()) {
            error(at_line(number) + problem);
        }
        if (!value.empty()) {
            m_parse.mx.emplace_back(value);
        }
    }

    void field_extension(std::size_t number, std::string_view name, std::string_view value) {
        if (!is_ext_name(name)) {
            const auto trimmed = trim_wsp_right(name);
            if (trimmed.size() != name.size() && is_ext_name(trimmed)) {
                error(at_line(number) + "remove the space between " + quote(trimmed) + " and ':'");
            } else {
                error(at_line(number) + quote(name) +
                      " is not a valid field name (1 to 32 letters, digits, '_', '-' or '.', "
                      "starting with a letter or digit)");
            }
            return;
        }
        if (const auto problem = ext_policy_value_problem(value); !problem.empty()) {
            error(at_line(number) + "the value of " + quote(name) + " " + problem);
            return;
        }
        // Unknown fields are ignored (§3.2), but a misspelt known field is worth naming.
        for (const auto& known : m_parse.extension_fields) {
            if (known == name) {
                return;
            }
        }
        m_parse.extension_fields.emplace_back(name);
    }

    // " (found 'Max-Age': names are case-sensitive ...)" when an extension field looks like `field`.
    std::string near_miss(std::string_view field) const {
        for (const auto& name : m_parse.extension_fields) {
            auto folded = to_lower(name);
            for (auto& c : folded) {
                c = c == '-' ? '_' : c;
            }
            if (folded == field) {
                return " (found " + quote(name) + ", but field names are spelt exactly: " + std::string(field) + ")";
            }
        }
        return {};
    }

    MtaStsPolicyParse& m_parse;
    std::array<bool, 3> m_seen{};
    std::array<bool, 3> m_duplicate_recorded{};
    std::size_t m_mx_lines = 0;
};

}  // namespace

MtaStsPolicyParse parse_mta_sts_policy(std::string_view body) {
    MtaStsPolicyParse parse;
    PolicyParser parser(parse);
    if (body.starts_with("\xEF\xBB\xBF")) {
        parse.errors.push_back("the file begins with a UTF-8 byte order mark; save it without one");
        body.remove_prefix(3);
    }
    if (body.empty()) {
        parse.errors.push_back("the policy is empty");
    }
    std::size_t number = 0;
    while (!body.empty()) {
        ++number;
        const auto newline = body.find('\n');
        auto text = body.substr(0, newline);
        if (newline == std::string_view::npos) {
            body = {};  // the last line needs no line break: [sts-policy-term]
        } else {
            body.remove_prefix(newline + 1);
            if (text.ends_with('\r')) {
                text.remove_suffix(1);
            } else {
                parse.lf_line_endings = true;
            }
        }
        parser.line(number, text);
    }
    parser.finish();
    if (parse.errors.size() > k_max_errors) {
        const auto more = parse.errors.size() - k_max_errors;
        parse.errors.resize(k_max_errors);
        parse.errors.push_back("... and " + count_noun(more, "more problem"));
    }
    parse.valid = parse.errors.empty();
    return parse;
}

bool mx_pattern_matches(std::string_view pattern, std::string_view host) {
    // §4.1: matching as RFC 6125 with the wildcard only as the entire leftmost label; DNS names
    // compare case-insensitively and the root's trailing dot is not part of the name.
    if (pattern.ends_with('.')) {
        pattern.remove_suffix(1);
    }
    if (host.ends_with('.')) {
        host.remove_suffix(1);
    }
    if (pattern.empty() || host.empty()) {
        return false;
    }
    const auto lower_pattern = to_lower(pattern);
    const auto lower_host = to_lower(host);
    if (lower_pattern.starts_with("*.")) {
        const std::string_view suffix = std::string_view(lower_pattern).substr(1);  // ".example.com"
        if (suffix.size() < 2 || suffix.find('*') != std::string_view::npos || !lower_host.ends_with(suffix)) {
            return false;
        }
        const auto label = std::string_view(lower_host).substr(0, lower_host.size() - suffix.size());
        return !label.empty() && label.find('.') == std::string_view::npos;
    }
    if (lower_pattern.find('*') != std::string::npos) {
        return false;
    }
    return lower_pattern == lower_host;
}

std::vector<MxCoverage> mx_coverage(const std::vector<std::string>& patterns,
                                    const std::vector<std::string>& mx_hosts) {
    std::vector<MxCoverage> coverage;
    coverage.reserve(mx_hosts.size());
    for (const auto& host : mx_hosts) {
        MxCoverage entry{host, false, {}};
        for (const auto& pattern : patterns) {
            if (mx_pattern_matches(pattern, host)) {
                entry.covered = true;
                entry.pattern = pattern;
                break;
            }
        }
        coverage.push_back(std::move(entry));
    }
    return coverage;
}

std::vector<std::string> unused_mx_patterns(const std::vector<std::string>& patterns,
                                            const std::vector<std::string>& mx_hosts) {
    std::vector<std::string> unused;
    for (const auto& pattern : patterns) {
        const bool used = std::any_of(mx_hosts.begin(), mx_hosts.end(),
                                      [&](const std::string& host) { return mx_pattern_matches(pattern, host); });
        if (!used) {
            unused.push_back(pattern);
        }
    }
    return unused;
}

}  // namespace relaymetry::policy
