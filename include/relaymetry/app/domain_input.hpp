#pragma once
// The domains users give to `check`, on the command line or in a file (`check -f FILE`). Pure.

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include <tl/expected.hpp>

namespace relaymetry::app {

// Turns what a user typed into the form every later stage uses: surrounding whitespace trimmed, one
// trailing dot (the DNS root) removed, an internationalized name converted to its A-label form
// (UTS #46 non-transitional, so "faß.de" is "xn--fa-hia.de" as in IDNA 2008), lower case.
// Rejects, with one plain-English sentence that names what is wrong (the caller prefixes the input):
// empty input; a URL, path, e-mail address or port pasted by mistake; IP addresses (IPv4, IPv6,
// bracketed); empty labels; labels over 63 and names over 253 characters; characters other than
// letters, digits and hyphens (after the IDN conversion); labels starting or ending with a hyphen;
// a single label (no dot); an all-numeric top-level label.
tl::expected<std::string, std::string> normalize_domain(std::string_view input);

// One non-blank, non-comment line of a domain list.
struct DomainLine {
    std::size_t line = 0;                           // 1-based
    std::string text;                               // the line as written, without its line break
    tl::expected<std::string, std::string> domain;  // normalize_domain of the line's domain
};

// Parses the content of `check -f FILE`: one domain a line; blank lines and '#' comments (whole-line,
// or trailing after whitespace: "example.com  # main") skipped; CRLF and LF line ends alike.
std::vector<DomainLine> parse_domain_list(std::string_view content);

}  // namespace relaymetry::app
