#pragma once
// Small character-level helpers shared by the policy parsers (private to src/policy).

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "relaymetry/core/facts.hpp"

namespace relaymetry::policy::detail {

// RFC 5234 core rules.
inline bool is_wsp(char c) {
    return c == ' ' || c == '\t';
}
inline bool is_alpha(char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}
inline bool is_digit(char c) {
    return c >= '0' && c <= '9';
}
inline bool is_alnum(char c) {
    return is_alpha(c) || is_digit(c);
}
inline char to_lower(char c) {
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}
std::string to_lower(std::string_view text);

std::string_view trim_wsp_left(std::string_view text);
std::string_view trim_wsp_right(std::string_view text);
std::string_view trim_wsp(std::string_view text);

// Extension field names in RFC 8461 §3.1/§3.2 and RFC 8460 §3 share one shape:
// (ALPHA / DIGIT) *31(ALPHA / DIGIT / "_" / "-" / ".").
bool is_ext_name(std::string_view name);

// A short, display-safe excerpt of untrusted text for an error message: valid UTF-8 is kept, control
// characters (C0, DEL, C1) and invalid bytes become \xNN, and long text is cut at max_chars with "...". Messages
// then stay valid UTF-8 (JSON-safe) and one line long, whatever bytes the record held.
std::string quote(std::string_view text, std::size_t max_chars = 48);

// The length of the valid UTF-8 sequence starting at text[0] (2-4 bytes, non-ASCII), or 0.
std::size_t utf8_sequence_length(std::string_view text);

// "1 problem", "3 problems": the count and the noun, plural unless the count is 1.
std::string count_noun(std::size_t count, std::string_view singular);

// ---- TXT records of the shape `version 1*(field-delim field) [field-delim]` ---------------------
// RFC 8461 §3.1 (sts-text-record) and RFC 8460 §3 (tlsrpt-record) share it, with
// field-delim = *WSP ";" *WSP.

// The discard rule of RFC 8461 §3.1 and RFC 8460 §3 for an RRset: does the record begin with the
// version field? The RFCs write the prefix as "v=STSv1;" but their own ABNF lets whitespace precede
// the ';' (RFC 8461 erratum 6285), so the version followed by ';', whitespace or the end counts:
// "v=STSv1 ;id=1" is kept (and parsed), "v=STSv10;..." and "v=stsv1;..." are discarded.
bool begins_with_version(std::string_view record, std::string_view version);

// The RRset as a sender sees it (RFC 8461 §3.1, RFC 8460 §3): records not beginning with the
// version are discarded; none left = not published, more than one = multiple, a failed lookup =
// lookup failed. `record` is the one record left to parse (its status then comes from the parse).
struct VersionedRecord {
    TxtStatus status = TxtStatus::not_published;
    const std::string* record = nullptr;
};
VersionedRecord select_versioned_record(LookupStatus status, const std::vector<std::string>& records,
                                        std::string_view version);

// Splits a record into its fields after the version, each without the delimiter's whitespace.
// Appends a plain-English error for each break of the delimiter grammar (the record does not begin
// with `version`, a missing ';' after it, an empty field between two ';', whitespace after the last
// field that no ';' follows). Fields that could be split are returned even when there are errors, so
// that their own problems are reported too.
std::vector<std::string_view> split_record(std::string_view record, std::string_view version,
                                           std::vector<std::string>& errors);

// Extension values of both records: 1*(%x21-3A / %x3C / %x3E-7E), i.e. visible ASCII except ";" and
// "=". Returns the first offending character's description, or an empty string.
std::string ext_value_problem(std::string_view value);

// An extension field name=value of either record: the plain-English problem, or an empty string.
std::string extension_field_problem(std::string_view name, std::string_view value);

}  // namespace relaymetry::policy::detail
