// Host-name syntax (RFC 5321 §4.1.2 Domain, RFC 1035 lengths).
#include <catch2/catch.hpp>

#include "relaymetry/policy/host_name.hpp"

using relaymetry::policy::host_name_problem;

TEST_CASE("host names that pass", "[host-name]") {
    for (const char* name : {"example.com", "a.b.c.d.example", "xn--bcher-kva.example", "1.example.com", "a-b.c0m",
                             "localhost", "EXAMPLE.COM"}) {
        INFO(name);
        CHECK_FALSE(host_name_problem(name).has_value());
    }
    CHECK_FALSE(host_name_problem(std::string(63, 'a') + ".com").has_value());
}

TEST_CASE("host names that fail, with the reason", "[host-name]") {
    const auto problem = [](std::string_view name) { return host_name_problem(name).value_or(""); };
    CHECK(problem("") == "the name is empty");
    CHECK(problem("a..b").find("empty label") != std::string::npos);
    CHECK(problem("a.b.").find("empty label") != std::string::npos);
    CHECK(problem(std::string(64, 'x') + ".com") ==
          "label 'xxxxxxxxxxxxxxxxxxxx...' is 64 characters; at most 63 are allowed");
    std::string long_name;
    for (int i = 0; i < 50; ++i) {
        long_name += "abcd.";
    }
    long_name += "com";  // 253 characters
    CHECK_FALSE(host_name_problem(long_name).has_value());
    CHECK(problem("a" + long_name) == "the name is 254 characters long; at most 253 are allowed");
    CHECK(problem("ex_ample.com").find("contains '_'") != std::string::npos);
    CHECK(problem("-a.com") == "label '-a' starts with a hyphen");
    CHECK(problem("a-.com") == "label 'a-' ends with a hyphen");
    CHECK(problem("example.123").find("is all digits") != std::string::npos);
    CHECK(problem("192.0.2.1").find("is all digits") != std::string::npos);
}
