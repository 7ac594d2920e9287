// The domains users give to `check`.
#include <catch2/catch.hpp>

#include "relaymetry/app/domain_input.hpp"

using relaymetry::app::normalize_domain;
using relaymetry::app::parse_domain_list;

namespace {

// The error text for an input that must be rejected ("" when it was accepted).
std::string rejection(std::string_view input) {
    const auto result = normalize_domain(input);
    return result ? std::string() : result.error();
}

}  // namespace

TEST_CASE("domains are trimmed, lower-cased and lose one trailing dot", "[domain-input]") {
    CHECK(normalize_domain("example.com").value() == "example.com");
    CHECK(normalize_domain("  Example.COM\t").value() == "example.com");
    CHECK(normalize_domain("example.com.").value() == "example.com");
    CHECK(normalize_domain("mail-1.sub.example.co.uk").value() == "mail-1.sub.example.co.uk");
    CHECK(normalize_domain("1password.com").value() == "1password.com");
    CHECK(normalize_domain("xn--bcher-kva.example").value() == "xn--bcher-kva.example");
}

TEST_CASE("internationalized names become A-labels", "[domain-input]") {
    CHECK(normalize_domain("b\xC3\xBC"
                           "cher.example")
              .value() == "xn--bcher-kva.example");
    CHECK(normalize_domain("B\xC3\x9C"
                           "CHER.example")
              .value() == "xn--bcher-kva.example");
    // Non-transitional (IDNA 2008): sharp s stays, it is not mapped to "ss".
    CHECK(normalize_domain("fa\xC3\x9F.de").value() == "xn--fa-hia.de");
    // NFC input: u + combining diaeresis is the same name as the precomposed form.
    CHECK(normalize_domain("bu\xCC\x88"
                           "cher.example")
              .value() == "xn--bcher-kva.example");
    CHECK(rejection("\xFF\xFE.example").find("not a valid internationalized domain name") != std::string::npos);
}

TEST_CASE("pasted URLs, addresses, ports and IPs are refused with a reason", "[domain-input]") {
    CHECK(rejection("") == "is empty; give a domain name such as example.com");
    CHECK(rejection("   ") == "is empty; give a domain name such as example.com");
    CHECK(rejection("https://example.com/").find("is a URL") != std::string::npos);
    CHECK(rejection("example.com/path").find("without a path") != std::string::npos);
    CHECK(rejection("postmaster@example.com").find("contains '@'") != std::string::npos);
    CHECK(rejection("example.com:25").find("without a port") != std::string::npos);
    CHECK(rejection("192.0.2.1").find("is an IP address") != std::string::npos);
    CHECK(rejection("2001:db8::1").find("is an IP address") != std::string::npos);
    CHECK(rejection("[2001:db8::1]").find("is an IP address") != std::string::npos);
    CHECK(rejection("[192.0.2.1]").find("is an IP address") != std::string::npos);
    CHECK(rejection("example.com other.org").find("whitespace") != std::string::npos);
}

TEST_CASE("host-name syntax is enforced", "[domain-input]") {
    CHECK(rejection("a..b.com").find("empty label") != std::string::npos);
    CHECK(rejection(".example.com").find("empty label") != std::string::npos);
    CHECK(rejection("example.com..").find("empty label") != std::string::npos);
    CHECK(rejection(std::string(64, 'x') + ".com") ==
          "label 'xxxxxxxxxxxxxxxxxxxx...' is 64 characters; at most 63 are allowed");
    CHECK(rejection(std::string(63, 'x') + ".com").empty());
    std::string long_name;
    for (int i = 0; i < 50; ++i) {
        long_name += "abcd.";
    }
    CHECK(rejection(long_name + "com").empty());  // 253 characters
    CHECK(rejection(long_name + "coms") == "the name is 254 characters long; at most 253 are allowed");
    CHECK(rejection("_dmarc.example.com").find("contains '_'") != std::string::npos);
    CHECK(rejection("exa mple.com").find("whitespace") != std::string::npos);
    CHECK(rejection("-example.com") == "label '-example' starts with a hyphen");
    CHECK(rejection("example-.com") == "label 'example-' ends with a hyphen");
    CHECK(rejection("localhost").find("is a single label") != std::string::npos);
    CHECK(rejection("localhost.").find("is a single label") != std::string::npos);
    CHECK(rejection("example.123").find("is all digits") != std::string::npos);
    CHECK(rejection("example.com#frag").find("contains '#'") != std::string::npos);
}

TEST_CASE("domain lists: one a line, comments and blank lines skipped", "[domain-input]") {
    const auto lines = parse_domain_list(
        "# my domains\r\n"
        "example.com\r\n"
        "\r\n"
        "   \n"
        "  Example.ORG   # the other one\n"
        "bad..name\n"
        "\t# indented comment\n"
        "tail.example#notacomment\n"
        "last.example");
    REQUIRE(lines.size() == 5);
    CHECK(lines[0].line == 2);
    CHECK(lines[0].text == "example.com");
    CHECK(lines[0].domain.value() == "example.com");
    CHECK(lines[1].line == 5);
    CHECK(lines[1].text == "  Example.ORG   # the other one");
    CHECK(lines[1].domain.value() == "example.org");
    CHECK(lines[2].line == 6);
    CHECK_FALSE(lines[2].domain.has_value());
    CHECK(lines[3].line == 8);
    CHECK_FALSE(lines[3].domain.has_value());
    CHECK(lines[4].line == 9);
    CHECK(lines[4].domain.value() == "last.example");
}

TEST_CASE("an empty or comment-only list has no domains", "[domain-input]") {
    CHECK(parse_domain_list("").empty());
    CHECK(parse_domain_list("\n\n# nothing\n").empty());
}
