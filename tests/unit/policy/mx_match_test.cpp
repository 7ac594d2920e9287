// RFC 8461 §4.1: MX host matching.
#include <catch2/catch.hpp>

#include "relaymetry/policy/mta_sts_policy.hpp"

using relaymetry::policy::mx_coverage;
using relaymetry::policy::mx_pattern_matches;

TEST_CASE("exact patterns match the same name only", "[mx-match]") {
    CHECK(mx_pattern_matches("mail.example.com", "mail.example.com"));
    CHECK(mx_pattern_matches("Mail.Example.COM", "mail.EXAMPLE.com"));
    CHECK(mx_pattern_matches("mail.example.com.", "mail.example.com"));
    CHECK(mx_pattern_matches("mail.example.com", "mail.example.com."));
    CHECK_FALSE(mx_pattern_matches("mail.example.com", "xmail.example.com"));
    CHECK_FALSE(mx_pattern_matches("mail.example.com", "mail.example.com.evil"));
    CHECK_FALSE(mx_pattern_matches("example.com", "mail.example.com"));
    CHECK_FALSE(mx_pattern_matches("mail.example.com", "example.com"));
}

TEST_CASE("a wildcard matches exactly one extra leftmost label", "[mx-match]") {
    CHECK(mx_pattern_matches("*.example.com", "a.example.com"));
    CHECK(mx_pattern_matches("*.example.com", "A.EXAMPLE.COM."));
    CHECK(mx_pattern_matches("*.example.com.", "mx-1.example.com"));
    CHECK_FALSE(mx_pattern_matches("*.example.com", "a.b.example.com"));
    CHECK_FALSE(mx_pattern_matches("*.example.com", "example.com"));
    CHECK_FALSE(mx_pattern_matches("*.example.com", ".example.com"));
    CHECK_FALSE(mx_pattern_matches("*.example.com", "aexample.com"));
    CHECK_FALSE(mx_pattern_matches("*.example.com", "a.example.com.evil"));
    CHECK_FALSE(mx_pattern_matches("*.example.com", "a.notexample.com"));
}

TEST_CASE("malformed patterns match nothing", "[mx-match]") {
    CHECK_FALSE(mx_pattern_matches("*", "example.com"));
    CHECK_FALSE(mx_pattern_matches("*.", "example.com"));
    CHECK_FALSE(mx_pattern_matches("*.*", "a.b"));
    CHECK_FALSE(mx_pattern_matches("mail.*.com", "mail.example.com"));
    CHECK_FALSE(mx_pattern_matches("*mail.example.com", "xmail.example.com"));
    CHECK_FALSE(mx_pattern_matches("", ""));
    CHECK_FALSE(mx_pattern_matches(".", "."));
    CHECK_FALSE(mx_pattern_matches("example.com", ""));
}

TEST_CASE("coverage names the first matching pattern for each MX host, in order", "[mx-match]") {
    const auto coverage = mx_coverage({"mx1.example.com", "*.example.net", "*.example.com"},
                                      {"mx1.example.com", "b.example.com", "x.example.net", "mx.other.org"});
    REQUIRE(coverage.size() == 4);
    CHECK(coverage[0].mx == "mx1.example.com");
    CHECK(coverage[0].covered);
    CHECK(coverage[0].pattern == "mx1.example.com");
    CHECK(coverage[1].pattern == "*.example.com");
    CHECK(coverage[2].pattern == "*.example.net");
    CHECK(coverage[3].mx == "mx.other.org");
    CHECK_FALSE(coverage[3].covered);
    CHECK(coverage[3].pattern.empty());
    CHECK(mx_coverage({}, {"a.example.com"}).at(0).covered == false);
    CHECK(mx_coverage({"a.example.com"}, {}).empty());
}

TEST_CASE("unused patterns are the ones matching no MX host, in policy order", "[mx-match]") {
    using relaymetry::policy::unused_mx_patterns;
    const std::vector<std::string> patterns{"mx1.example.com", "*.example.com", "old-mx.example.net",
                                            "*.mx.example.com"};
    // "*.mx.example.com" needs one more label than mx1.example.com has (RFC 8461 §4.1).
    CHECK(unused_mx_patterns(patterns, {"mx1.example.com"}) ==
          std::vector<std::string>{"old-mx.example.net", "*.mx.example.com"});
    CHECK(unused_mx_patterns(patterns, {"MX1.Example.com.", "a.mx.example.com", "old-mx.example.net"}).empty());
    CHECK(unused_mx_patterns({}, {"mx1.example.com"}).empty());
}
