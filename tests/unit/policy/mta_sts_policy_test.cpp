// RFC 8461 §3.2: the policy file.
#include <catch2/catch.hpp>

#include "relaymetry/policy/mta_sts_policy.hpp"

using relaymetry::MtaStsPolicyParse;
using relaymetry::StsMode;
using relaymetry::policy::parse_mta_sts_policy;

namespace {

bool has_error(const MtaStsPolicyParse& parse, std::string_view part) {
    for (const auto& error : parse.errors) {
        if (error.find(part) != std::string::npos) {
            return true;
        }
    }
    return false;
}

// A valid enforce policy with CRLF line ends, with `extra` lines (each ending in CRLF) appended.
std::string policy_with(std::string_view extra = {}) {
    return "version: STSv1\r\nmode: enforce\r\nmx: mail.example.com\r\nmax_age: 604800\r\n" + std::string(extra);
}

// A policy whose max_age line is `max_age: <value>`.
MtaStsPolicyParse with_max_age(std::string_view value) {
    return parse_mta_sts_policy(
        "version: STSv1\r\nmode: enforce\r\nmx: mx.example.com\r\nmax_age: " + std::string(value) + "\r\n");
}

// A policy whose only mx line is `mx: <pattern>`.
MtaStsPolicyParse with_mx(std::string_view pattern) {
    return parse_mta_sts_policy("version: STSv1\r\nmode: enforce\r\nmax_age: 86400\r\nmx: " + std::string(pattern) +
                                "\r\n");
}

}  // namespace

TEST_CASE("the RFC 8461 example policy is valid", "[mta-sts-policy]") {
    const auto parse = parse_mta_sts_policy(
        "version: STSv1\r\n"
        "mode: enforce\r\n"
        "mx: mail.example.com\r\n"
        "mx: *.example.net\r\n"
        "mx: backupmx.example.com\r\n"
        "max_age: 604800\r\n");
    CHECK(parse.valid);
    CHECK(parse.errors.empty());
    CHECK(parse.version == "STSv1");
    CHECK(parse.mode == StsMode::enforce);
    CHECK(parse.max_age == 604800u);
    CHECK(parse.mx == std::vector<std::string>{"mail.example.com", "*.example.net", "backupmx.example.com"});
    CHECK_FALSE(parse.lf_line_endings);
    CHECK(parse.duplicate_fields.empty());
    CHECK(parse.extension_fields.empty());
}

TEST_CASE("line endings: CRLF, LF, mixed, none at the end", "[mta-sts-policy]") {
    SECTION("LF is allowed (sts-policy-term = LF / CRLF) and noted") {
        const auto parse = parse_mta_sts_policy("version: STSv1\nmode: testing\nmx: a.example.com\nmax_age: 86400\n");
        CHECK(parse.valid);
        CHECK(parse.lf_line_endings);
        CHECK(parse.mode == StsMode::testing);
    }
    SECTION("mixed") {
        const auto parse = parse_mta_sts_policy("version: STSv1\r\nmode: testing\nmx: a.example.com\r\nmax_age: 86400");
        CHECK(parse.valid);
        CHECK(parse.lf_line_endings);
    }
    SECTION("no line break after the last line") {
        const auto parse = parse_mta_sts_policy("version: STSv1\r\nmode: none\r\nmax_age: 86400");
        CHECK(parse.valid);
        CHECK_FALSE(parse.lf_line_endings);
    }
    SECTION("a carriage return alone does not end a line") {
        const auto parse = parse_mta_sts_policy("version: STSv1\rmode: none\r\nmax_age: 86400\r\n");
        CHECK_FALSE(parse.valid);
        CHECK(has_error(parse, "line 1: contains a carriage return"));
    }
    SECTION("a trailing carriage return") {
        CHECK_FALSE(parse_mta_sts_policy("version: STSv1\r\nmode: none\r\nmax_age: 86400\r").valid);
    }
}

TEST_CASE("whitespace: after ':' and at line ends, nowhere else", "[mta-sts-policy]") {
    SECTION("no space after ':'") {
        CHECK(parse_mta_sts_policy("version:STSv1\nmode:none\nmax_age:0\n").valid);
    }
    SECTION("tabs and spaces after ':' and at the end of lines") {
        const auto parse = parse_mta_sts_policy("version:\t STSv1 \t\nmode:  none  \nmax_age: 5\t\n");
        CHECK(parse.valid);
        CHECK(parse.version == "STSv1");
        CHECK(parse.max_age == 5u);
    }
    SECTION("a space before ':'") {
        const auto parse = parse_mta_sts_policy("version: STSv1\nmode : none\nmax_age: 5\n");
        CHECK_FALSE(parse.valid);
        CHECK(has_error(parse, "line 2: remove the space between 'mode' and ':'"));
    }
    SECTION("an indented line") {
        const auto parse = parse_mta_sts_policy("version: STSv1\n mode: none\nmax_age: 5\n");
        CHECK_FALSE(parse.valid);
        CHECK(has_error(parse, "line 2: begins with whitespace"));
    }
    SECTION("a blank line in the middle") {
        const auto parse = parse_mta_sts_policy("version: STSv1\n\nmode: none\nmax_age: 5\n");
        CHECK_FALSE(parse.valid);
        CHECK(has_error(parse, "line 2: the line is empty"));
    }
    SECTION("a blank line at the end (two line breaks)") {
        const auto parse = parse_mta_sts_policy("version: STSv1\r\nmode: none\r\nmax_age: 5\r\n\r\n");
        CHECK_FALSE(parse.valid);
        CHECK(has_error(parse, "line 4: the line is empty"));
    }
    SECTION("a line without ':'") {
        CHECK(has_error(parse_mta_sts_policy(policy_with("garbage\r\n")), "line 5: 'garbage' has no ':'"));
    }
}

TEST_CASE("fields may come in any order", "[mta-sts-policy]") {
    const auto parse = parse_mta_sts_policy("max_age: 86400\nmx: mx.example.com\nmode: enforce\nversion: STSv1\n");
    CHECK(parse.valid);
    CHECK(parse.mode == StsMode::enforce);
}

TEST_CASE("version is required and exactly STSv1", "[mta-sts-policy]") {
    CHECK(has_error(parse_mta_sts_policy("mode: none\nmax_age: 1\n"), "the version field is missing"));
    CHECK(has_error(parse_mta_sts_policy("version: STSv2\nmode: none\nmax_age: 1\n"), "the only version is STSv1"));
    CHECK(has_error(parse_mta_sts_policy("version: stsv1\nmode: none\nmax_age: 1\n"), "the only version is STSv1"));
    const auto parse = parse_mta_sts_policy("Version: STSv1\nmode: none\nmax_age: 1\n");
    CHECK_FALSE(parse.valid);
    CHECK(has_error(parse, "found 'Version', but field names are spelt exactly: version"));
}

TEST_CASE("mode is enforce, testing or none, in lower case", "[mta-sts-policy]") {
    SECTION("each mode") {
        CHECK(parse_mta_sts_policy(policy_with()).mode == StsMode::enforce);
        CHECK(parse_mta_sts_policy("version: STSv1\nmode: testing\nmx: a.example\nmax_age: 1\n").mode ==
              StsMode::testing);
        CHECK(parse_mta_sts_policy("version: STSv1\nmode: none\nmax_age: 1\n").mode == StsMode::none);
    }
    SECTION("upper case") {
        const auto parse = parse_mta_sts_policy("version: STSv1\nmode: Enforce\nmx: a.example\nmax_age: 1\n");
        CHECK_FALSE(parse.valid);
        CHECK_FALSE(parse.mode.has_value());
        CHECK(has_error(parse, "line 2: mode is 'Enforce'; write it in lower case: enforce"));
    }
    SECTION("unknown") {
        CHECK(has_error(parse_mta_sts_policy("version: STSv1\nmode: report\nmx: a.example\nmax_age: 1\n"),
                        "it must be enforce, testing or none"));
    }
    SECTION("missing") {
        CHECK(has_error(parse_mta_sts_policy("version: STSv1\nmx: a.example\nmax_age: 1\n"),
                        "the mode field is missing"));
    }
    SECTION("field name case") {
        CHECK(has_error(parse_mta_sts_policy("version: STSv1\nMode: none\nmax_age: 1\n"), "found 'Mode'"));
    }
}

TEST_CASE("max_age is 1 to 10 digits with a value of 0 to 31557600", "[mta-sts-policy]") {
    CHECK(with_max_age("0").valid);  // zero is valid: the policy expires at once
    CHECK(with_max_age("0").max_age == 0u);
    CHECK(with_max_age("31557600").max_age == 31557600u);
    CHECK(with_max_age("0000604800").max_age == 604800u);  // ten digits, leading zeros

    CHECK(has_error(with_max_age("31557601"), "max_age 31557601 is more than 31557600 seconds"));
    CHECK_FALSE(with_max_age("31557601").max_age.has_value());
    CHECK(has_error(with_max_age("+1"), "has a sign"));
    CHECK(has_error(with_max_age("-1"), "has a sign"));
    CHECK(has_error(with_max_age("1e3"), "not a whole number"));
    CHECK(has_error(with_max_age("86400s"), "not a whole number"));
    CHECK(has_error(with_max_age("1 000"), "not a whole number"));
    CHECK(has_error(with_max_age("00000604800"), "max_age has 11 digits; at most 10"));
    CHECK(has_error(with_max_age("99999999999999999999999"), "max_age has 23 digits"));
    CHECK(has_error(with_max_age(""), "max_age has no value"));
    CHECK(has_error(parse_mta_sts_policy("version: STSv1\nmode: none\n"), "the max_age field is missing"));
    CHECK(has_error(parse_mta_sts_policy("version: STSv1\nmode: none\nmax-age: 5\n"),
                    "found 'max-age', but field names are spelt exactly: max_age"));
}

TEST_CASE("mx is required unless mode is none", "[mta-sts-policy]") {
    SECTION("mode none without mx is valid (the ABNF's exception)") {
        const auto parse = parse_mta_sts_policy("version: STSv1\nmode: none\nmax_age: 86400\n");
        CHECK(parse.valid);
        CHECK(parse.mx.empty());
    }
    SECTION("mode none with mx is valid too") {
        CHECK(parse_mta_sts_policy("version: STSv1\nmode: none\nmx: a.example.com\nmax_age: 86400\n").valid);
    }
    SECTION("enforce without mx") {
        const auto parse = parse_mta_sts_policy("version: STSv1\nmode: enforce\nmax_age: 86400\n");
        CHECK_FALSE(parse.valid);
        CHECK(has_error(parse, "there is no mx field; mode enforce needs"));
    }
    SECTION("testing without mx") {
        CHECK(has_error(parse_mta_sts_policy("version: STSv1\nmode: testing\nmax_age: 86400\n"), "mode testing needs"));
    }
}

TEST_CASE("mx patterns: a host name, or '*.' and a host name", "[mta-sts-policy]") {
    CHECK(with_mx("mail.example.com").valid);
    CHECK(with_mx("*.example.com").valid);
    CHECK(with_mx("MX1.Example.COM").valid);
    CHECK(with_mx("xn--bcher-kva.example").valid);
    CHECK(with_mx("localhost").valid);  // RFC 5321 Domain allows one label
    CHECK(with_mx("mail.example.com  ").mx == std::vector<std::string>{"mail.example.com"});

    CHECK(has_error(with_mx("*"), "a bare '*'"));
    CHECK(has_error(with_mx("*.*"), "'*' may only be the whole leftmost label"));
    CHECK(has_error(with_mx("mail.*.com"), "'*' may only be the whole leftmost label"));
    CHECK(has_error(with_mx("*mail.example.com"), "'*' may only be the whole leftmost label"));
    CHECK(has_error(with_mx("*.*.example.com"), "'*' may only be the whole leftmost label"));
    CHECK(has_error(with_mx("192.0.2.1"), "is an IP address"));
    CHECK(has_error(with_mx("[192.0.2.1]"), "is an IP address"));
    CHECK(has_error(with_mx("2001:db8::1"), "is an IP address"));
    CHECK(has_error(with_mx("mail..example.com"), "empty label"));
    CHECK(has_error(with_mx(".example.com"), "empty label"));
    CHECK(has_error(with_mx("*."), "empty"));
    CHECK(has_error(with_mx("mail.example.com."), "ends with a dot"));
    CHECK(has_error(with_mx("mail_1.example.com"), "contains '_'"));
    CHECK(has_error(with_mx("-mail.example.com"), "starts with a hyphen"));
    CHECK(has_error(with_mx("mail-.example.com"), "ends with a hyphen"));
    CHECK(has_error(with_mx(std::string(64, 'a') + ".example.com"), "is 64 characters; at most 63"));
    CHECK(has_error(with_mx("b\xC3\xBC"
                            "cher.example"),
                    "A-label"));
    CHECK(has_error(with_mx("mail.example.com extra"), "contains ' '"));
    CHECK(has_error(with_mx(""), "mx has no value"));
}

TEST_CASE("a repeated non-mx field: the first wins, the rest is recorded", "[mta-sts-policy]") {
    SECTION("mode twice") {
        const auto parse = parse_mta_sts_policy(policy_with("mode: none\r\n"));
        CHECK(parse.valid);
        CHECK(parse.mode == StsMode::enforce);
        CHECK(parse.duplicate_fields == std::vector<std::string>{"mode"});
    }
    SECTION("a bad second value is ignored") {
        const auto parse = parse_mta_sts_policy(policy_with("max_age: banana\r\nmax_age: 1\r\n"));
        CHECK(parse.valid);
        CHECK(parse.max_age == 604800u);
        CHECK(parse.duplicate_fields == std::vector<std::string>{"max_age"});
    }
    SECTION("a bad first value decides") {
        const auto parse = parse_mta_sts_policy("version: STSv1\nmode: bogus\nmode: none\nmax_age: 1\n");
        CHECK_FALSE(parse.valid);
        CHECK(parse.duplicate_fields == std::vector<std::string>{"mode"});
    }
    SECTION("several fields repeated") {
        const auto parse = parse_mta_sts_policy(policy_with("version: STSv1\r\nmode: testing\r\nmode: none\r\n"));
        CHECK(parse.duplicate_fields == std::vector<std::string>{"version", "mode"});
    }
    SECTION("mx may repeat") {
        const auto parse = parse_mta_sts_policy(policy_with("mx: mail.example.com\r\n"));
        CHECK(parse.valid);
        CHECK(parse.duplicate_fields.empty());
        CHECK(parse.mx.size() == 2);
    }
}

TEST_CASE("extension fields are tolerated and recorded", "[mta-sts-policy]") {
    SECTION("unknown fields") {
        const auto parse = parse_mta_sts_policy(
            policy_with("comment: managed by ops, see wiki\r\nx-y.z_1: \xC3\xA9t\xC3\xA9\r\ncomment: again\r\n"));
        CHECK(parse.valid);
        CHECK(parse.extension_fields == std::vector<std::string>{"comment", "x-y.z_1"});
    }
    SECTION("bad names and values") {
        CHECK(has_error(parse_mta_sts_policy(policy_with("_x: 1\r\n")), "'_x' is not a valid field name"));
        CHECK(has_error(parse_mta_sts_policy(policy_with(std::string(33, 'n') + ": 1\r\n")), "not a valid field name"));
        CHECK(parse_mta_sts_policy(policy_with(std::string(32, 'n') + ": 1\r\n")).valid);
        CHECK(has_error(parse_mta_sts_policy(policy_with("note:\r\n")), "the value of 'note' is empty"));
        CHECK(has_error(parse_mta_sts_policy(policy_with("note: a\tb\r\n")), "contains a tab"));
        CHECK(has_error(parse_mta_sts_policy(policy_with("note: a\x01z\r\n")), "contains a control character"));
        CHECK(has_error(parse_mta_sts_policy(policy_with("note: \xFF\r\n")), "is not valid UTF-8"));
        CHECK(has_error(parse_mta_sts_policy(policy_with(": value\r\n")), "'' is not a valid field name"));
    }
}

TEST_CASE("empty and odd bodies", "[mta-sts-policy]") {
    CHECK(has_error(parse_mta_sts_policy(""), "the policy is empty"));
    CHECK(has_error(parse_mta_sts_policy("\xEF\xBB\xBFversion: STSv1\nmode: none\nmax_age: 1\n"), "byte order mark"));
    CHECK(parse_mta_sts_policy("\xEF\xBB\xBFversion: STSv1\nmode: none\nmax_age: 1\n").errors.size() == 1);
    const auto html = parse_mta_sts_policy("<html><body>Not Found</body></html>");
    CHECK_FALSE(html.valid);
    CHECK(has_error(html, "has no ':'"));
    CHECK(has_error(html, "the version field is missing"));
}

TEST_CASE("a hostile body: bounded messages, no crash", "[mta-sts-policy]") {
    const std::string line("\x1b[2J\xff\x00 line\n", 12);
    std::string body;
    for (int i = 0; i < 5000; ++i) {
        body += line;
    }
    const auto parse = parse_mta_sts_policy(body);
    CHECK_FALSE(parse.valid);
    CHECK(parse.errors.size() == 21);
    CHECK(parse.errors.back().find("more problems") != std::string::npos);
    for (const auto& error : parse.errors) {
        CHECK(error.find('\x1b') == std::string::npos);
        CHECK(error.size() < 300);
    }
}
