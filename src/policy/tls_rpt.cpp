// RFC 8460 §3, the TXT record at _smtp._tls.<domain>:
//
//   tlsrpt-record    = tlsrpt-version 1*(field-delim tlsrpt-field) [field-delim]
//   field-delim      = *WSP ";" *WSP
//   tlsrpt-field     = tlsrpt-rua / tlsrpt-extension   ; tlsrpt-rua is required
//   tlsrpt-version   = %s"v=TLSRPTv1"
//   tlsrpt-rua       = %s"rua=" tlsrpt-uri *(*WSP "," *WSP tlsrpt-uri)
//   tlsrpt-uri       = URI   ; RFC 3986; commas and semicolons MUST be percent-encoded
//   tlsrpt-extension = tlsrpt-ext-name "=" tlsrpt-ext-value
//   tlsrpt-ext-name  = (ALPHA / DIGIT) *31(ALPHA / DIGIT / "_" / "-" / ".")
//   tlsrpt-ext-value = 1*(%x21-3A / %x3C / %x3E-7E)
//
// "Two URI schemes are supported: mailto and https" (§3): anything else cannot receive reports.
#include "relaymetry/policy/tls_rpt.hpp"

#include <boost/url/parse.hpp>

#include "relaymetry/policy/host_name.hpp"
#include "text.hpp"

namespace relaymetry::policy {

namespace {

using namespace detail;

constexpr std::string_view k_version = "v=TLSRPTv1";

// RFC 5322 §3.2.3 atext, the characters of a dot-atom local part.
bool is_atext(char c) {
    return is_alnum(c) || std::string_view("!#$%&'*+-/=?^_`{|}~").find(c) != std::string_view::npos;
}

// RFC 5322 §3.4.1 addr-spec = local-part "@" domain, restricted to what can receive mail: a dot-atom
// or quoted-string local part and a dotted host name (RFC 5321 §4.1.2 Domain).
std::string address_problem(std::string_view address) {
    const auto at = address.rfind('@');
    if (at == std::string_view::npos) {
        return "the address " + quote(address) + " has no '@'";
    }
    const auto local = address.substr(0, at);
    const auto domain = address.substr(at + 1);
    if (local.empty()) {
        return "the address " + quote(address) + " has nothing before the '@'";
    }
    const bool quoted = local.size() >= 2 && local.front() == '"' && local.back() == '"';
    if (!quoted) {
        if (local.front() == '.' || local.back() == '.' || local.find("..") != std::string_view::npos) {
            return "the local part " + quote(local) + " has a misplaced dot";
        }
        for (char c : local) {
            if (c != '.' && !is_atext(c)) {
                return "the local part " + quote(local) + " contains " + quote(std::string_view(&c, 1)) +
                       ", which is not allowed unquoted in an address";
            }
        }
    }
    if (domain.empty()) {
        return "the address " + quote(address) + " has nothing after the '@'";
    }
    if (domain.front() == '[') {
        return "the address " + quote(address) + " names an IP address; use a domain name after the '@'";
    }
    if (const auto problem = host_name_problem(domain)) {
        return "the domain of " + quote(address) + " is not a valid host name: " + *problem;
    }
    if (domain.find('.') == std::string_view::npos) {
        return "the domain of " + quote(address) + " has no dot; give a full domain name";
    }
    return {};
}

RuaUri check_rua_uri(std::string_view text) {
    RuaUri rua{std::string(text), false, {}};
    for (char c : text) {
        if (is_wsp(c)) {
            rua.error = "it contains whitespace; separate several URIs with ',' (RFC 8460 §3)";
            return rua;
        }
    }
    const auto parsed = boost::urls::parse_uri(boost::urls::string_view(text.data(), text.size()));
    if (!parsed) {
        rua.error = "it is not a valid absolute URI (RFC 3986); a rua is mailto:address or https://host/path";
        return rua;
    }
    const auto& uri = *parsed;
    const auto scheme = to_lower(std::string_view(uri.scheme().data(), uri.scheme().size()));
    if (scheme == "mailto") {
        // RFC 6068: the path is a comma-separated list of addresses, percent-decoded.
        const std::string addresses = uri.path();
        if (addresses.empty()) {
            rua.error = "the mailto: URI has no address";
            return rua;
        }
        std::string_view rest = addresses;
        while (true) {
            const auto comma = rest.find(',');
            if (const auto problem = address_problem(rest.substr(0, comma)); !problem.empty()) {
                rua.error = problem;
                return rua;
            }
            if (comma == std::string_view::npos) {
                break;
            }
            rest.remove_prefix(comma + 1);
        }
    } else if (scheme == "https") {
        if (!uri.has_authority() || uri.encoded_host().empty()) {
            rua.error = "the https: URI has no host; write https://host/path";
            return rua;
        }
    } else {
        rua.error =
            "the scheme " + quote(scheme + ":") + " cannot receive reports; only mailto: and https: can (RFC 8460 §3)";
        return rua;
    }
    rua.valid = true;
    return rua;
}

void parse_rua_list(std::string_view value, TlsRptParse& parse) {
    if (value.empty()) {
        parse.errors.push_back("rua is empty; give at least one mailto: or https: URI");
        return;
    }
    while (true) {
        const auto comma = value.find(',');
        const auto uri = trim_wsp(value.substr(0, comma));
        if (uri.empty()) {
            parse.errors.push_back("rua has an empty entry (a stray ','); separate URIs with one ','");
        } else {
            parse.rua.push_back(check_rua_uri(uri));
        }
        if (comma == std::string_view::npos) {
            break;
        }
        value.remove_prefix(comma + 1);
    }
}

}  // namespace

TlsRptParse parse_tls_rpt(std::string_view record) {
    TlsRptParse parse;
    const auto fields = split_record(record, k_version, parse.errors);
    std::string rua_case_hint;
    for (const auto field : fields) {
        const auto equals = field.find('=');
        if (equals == std::string_view::npos) {
            parse.errors.push_back("field " + quote(field) + " has no '='; fields are name=value");
            continue;
        }
        const auto name = field.substr(0, equals);
        const auto value = field.substr(equals + 1);
        if (name == "rua") {
            // §3: 1*(field-delim tlsrpt-field) lets rua appear more than once; every URI of every
            // field is kept, in order ("the reporter MAY attempt to deliver to each", §3).
            const auto before = parse.rua.size();
            parse_rua_list(value, parse);
            parse.rua_field_sizes.push_back(parse.rua.size() - before);
            continue;
        }
        if (auto problem = extension_field_problem(name, value); !problem.empty()) {
            parse.errors.push_back(std::move(problem));
            continue;
        }
        if (to_lower(name) == "rua" && rua_case_hint.empty()) {
            rua_case_hint = " (found " + quote(name) + ", but field names are case-sensitive: write rua=)";
        }
        parse.extensions.push_back(std::string(field));
    }
    if (record.starts_with(k_version) && parse.rua_field_sizes.empty()) {
        parse.errors.push_back("the rua field is missing; add rua=mailto:address or rua=https://host/path" +
                               rua_case_hint);
    }
    parse.valid = parse.errors.empty();
    return parse;
}

TlsRptFacts tls_rpt_facts(LookupStatus status, const std::vector<std::string>& records) {
    TlsRptFacts facts;
    facts.records = records;
    // §3: not exactly one v=TLSRPTv1 record means the domain does not implement TLS-RPT.
    const auto selected = select_versioned_record(status, facts.records, k_version);
    facts.status = selected.status;
    if (selected.record) {
        facts.parse = parse_tls_rpt(*selected.record);
        facts.status = facts.parse.valid ? TxtStatus::published : TxtStatus::invalid;
    }
    return facts;
}

}  // namespace relaymetry::policy
