// RFC 8460 §3: the _smtp._tls TXT record and its RRset.
#include <catch2/catch.hpp>

#include "relaymetry/policy/tls_rpt.hpp"

using relaymetry::LookupStatus;
using relaymetry::TlsRptParse;
using relaymetry::TxtStatus;
using relaymetry::policy::parse_tls_rpt;
using relaymetry::policy::tls_rpt_facts;

namespace {

bool has_error(const TlsRptParse& parse, std::string_view part) {
    for (const auto& error : parse.errors) {
        if (error.find(part) != std::string::npos) {
            return true;
        }
    }
    return false;
}

}  // namespace

TEST_CASE("the RFC 8460 examples are valid", "[tls-rpt]") {
    SECTION("mailto") {
        const auto parse = parse_tls_rpt("v=TLSRPTv1;rua=mailto:reports@example.com");
        CHECK(parse.valid);
        REQUIRE(parse.rua.size() == 1);
        CHECK(parse.rua[0].uri == "mailto:reports@example.com");
        CHECK(parse.rua[0].valid);
        CHECK(parse.rua[0].error.empty());
    }
    SECTION("https") {
        const auto parse = parse_tls_rpt("v=TLSRPTv1; rua=https://reporting.example.com/v1/tlsrpt");
        CHECK(parse.valid);
        REQUIRE(parse.rua.size() == 1);
        CHECK(parse.rua[0].valid);
    }
}

TEST_CASE("rua holds a comma-separated list, whitespace allowed around ','", "[tls-rpt]") {
    const auto parse =
        parse_tls_rpt("v=TLSRPTv1; rua=mailto:a@example.com , https://r.example.net/x,mailto:b@example.org;");
    CHECK(parse.valid);
    REQUIRE(parse.rua.size() == 3);
    CHECK(parse.rua[0].uri == "mailto:a@example.com");
    CHECK(parse.rua[1].uri == "https://r.example.net/x");
    CHECK(parse.rua[2].uri == "mailto:b@example.org");
    for (const auto& rua : parse.rua) {
        CHECK(rua.valid);
    }
}

TEST_CASE("each rua URI is checked", "[tls-rpt]") {
    const auto single = [](std::string_view uri) {
        const auto parse = parse_tls_rpt("v=TLSRPTv1; rua=" + std::string(uri));
        REQUIRE(parse.rua.size() == 1);
        return parse.rua[0];
    };
    CHECK(single("MAILTO:tls@example.com").valid);    // schemes are case-insensitive (RFC 3986 §3.1)
    CHECK(single("mailto:tls%40example.com").valid);  // percent-decoded (RFC 6068)
    CHECK(single("mailto:tls@example.com?subject=tlsrpt").valid);
    CHECK(single("mailto:%22odd.%40name%22@example.com").valid);  // a quoted local part
    CHECK(single("mailto:first.last+tag@mail.example.co.uk").valid);
    CHECK(single("https://192.0.2.1/report").valid);

    CHECK(single("http://r.example.com/x").error.find("only mailto: and https: can") != std::string::npos);
    CHECK(single("ftp://r.example.com/x").error.find("'ftp:'") != std::string::npos);
    CHECK(single("reports@example.com").error.find("not a valid absolute URI") != std::string::npos);
    CHECK(single("mailto:").error.find("no address") != std::string::npos);
    CHECK(single("mailto:reports").error.find("no '@'") != std::string::npos);
    CHECK(single("mailto:@example.com").error.find("nothing before the '@'") != std::string::npos);
    CHECK(single("mailto:reports@").error.find("nothing after the '@'") != std::string::npos);
    CHECK(single("mailto:reports@localhost").error.find("no dot") != std::string::npos);
    CHECK(single("mailto:reports@exa_mple.com").error.find("not a valid host name") != std::string::npos);
    CHECK(single("mailto:reports@[192.0.2.1]").valid == false);
    CHECK(single("mailto:a..b@example.com").error.find("misplaced dot") != std::string::npos);
    CHECK(single("mailto:a@example.com%2Cbad").valid == false);  // an encoded ',' separates addresses
    CHECK(single("mailto:a@example.com%2Cb@example.org").valid);
    CHECK(single("https:///path").error.find("no host") != std::string::npos);
    CHECK(single("https:relative").error.find("no host") != std::string::npos);
    CHECK(single("mailto:a@example.com mailto:b@example.com").error.find("whitespace") != std::string::npos);
}

TEST_CASE("rua may be repeated: every URI of every field is kept, in order", "[tls-rpt]") {
    // §3: tlsrpt-record = tlsrpt-version 1*(field-delim tlsrpt-field) [field-delim]
    const auto parse = parse_tls_rpt(
        "v=TLSRPTv1; rua=mailto:a@example.com; future=1; rua=https://r.example.net/x, mailto:b@example.org; "
        "rua=http://r.example.com/x");
    CHECK(parse.valid);
    CHECK(parse.errors.empty());
    REQUIRE(parse.rua.size() == 4);
    CHECK(parse.rua[0].uri == "mailto:a@example.com");
    CHECK(parse.rua[1].uri == "https://r.example.net/x");
    CHECK(parse.rua[2].uri == "mailto:b@example.org");
    CHECK(parse.rua[3].uri == "http://r.example.com/x");
    CHECK(parse.rua[0].valid);
    CHECK(parse.rua[1].valid);
    CHECK(parse.rua[2].valid);
    CHECK_FALSE(parse.rua[3].valid);  // each URI still checked, whichever field holds it
    CHECK(parse.rua_field_sizes == std::vector<std::size_t>{1, 2, 1});
    REQUIRE(parse.extensions.size() == 1);
    CHECK(parse.extensions[0] == "future=1");

    SECTION("a repeated empty rua is still an error") {
        const auto empty = parse_tls_rpt("v=TLSRPTv1; rua=mailto:a@example.com; rua=");
        CHECK_FALSE(empty.valid);
        CHECK(has_error(empty, "rua is empty"));
        CHECK(empty.rua_field_sizes == std::vector<std::size_t>{1, 0});
    }
    SECTION("one rua with several URIs is one field") {
        const auto one = parse_tls_rpt("v=TLSRPTv1; rua=mailto:a@example.com,mailto:b@example.com");
        CHECK(one.valid);
        CHECK(one.rua_field_sizes == std::vector<std::size_t>{2});
    }
    SECTION("RUA= is an extension, not a second rua field") {
        const auto upper = parse_tls_rpt("v=TLSRPTv1; rua=mailto:a@example.com; RUA=mailto:b@example.com");
        CHECK(upper.valid);
        CHECK(upper.rua.size() == 1);
        CHECK(upper.rua_field_sizes == std::vector<std::size_t>{1});
    }
}

TEST_CASE("an unusable rua URI does not make the record syntax invalid", "[tls-rpt]") {
    const auto parse = parse_tls_rpt("v=TLSRPTv1; rua=http://r.example.com/x");
    CHECK(parse.valid);
    REQUIRE(parse.rua.size() == 1);
    CHECK_FALSE(parse.rua[0].valid);
}

TEST_CASE("record-level errors", "[tls-rpt]") {
    CHECK(has_error(parse_tls_rpt("v=TLSRPTv1;"), "the rua field is missing"));
    CHECK(has_error(parse_tls_rpt("v=TLSRPTv1"), "the rua field is missing"));
    CHECK(has_error(parse_tls_rpt("v=TLSRPTv1; RUA=mailto:a@example.com"), "case-sensitive: write rua="));
    CHECK(has_error(parse_tls_rpt("v=tlsrptv1; rua=mailto:a@example.com"), "case matters"));
    CHECK(has_error(parse_tls_rpt("rua=mailto:a@example.com; v=TLSRPTv1"), "must begin with v=TLSRPTv1"));
    CHECK(has_error(parse_tls_rpt("v=TLSRPTv1; rua="), "rua is empty"));
    CHECK(has_error(parse_tls_rpt("v=TLSRPTv1; rua=mailto:a@example.com,,mailto:b@example.com"), "empty entry"));
    CHECK(has_error(parse_tls_rpt("v=TLSRPTv1;; rua=mailto:a@example.com"), "empty field"));
    CHECK(has_error(parse_tls_rpt("v=TLSRPTv1; rua=mailto:a@example.com; x=a b"), "contains a space"));
}

TEST_CASE("extensions are tolerated", "[tls-rpt]") {
    const auto parse = parse_tls_rpt("v=TLSRPTv1; future=1; rua=mailto:a@example.com");
    CHECK(parse.valid);
    REQUIRE(parse.extensions.size() == 1);
    CHECK(parse.extensions[0] == "future=1");
}

TEST_CASE("the TLS-RPT RRset as a sender sees it", "[tls-rpt]") {
    const std::string good = "v=TLSRPTv1; rua=mailto:a@example.com";
    CHECK(tls_rpt_facts(LookupStatus::answer, {good, "something else"}).status == TxtStatus::published);
    CHECK(tls_rpt_facts(LookupStatus::answer, {good, good}).status == TxtStatus::multiple);
    CHECK(tls_rpt_facts(LookupStatus::answer, {"v=TLSRPTv1; rua="}).status == TxtStatus::invalid);
    CHECK(tls_rpt_facts(LookupStatus::answer, {"v=TLSRPTv2; rua=mailto:a@example.com"}).status ==
          TxtStatus::not_published);
    CHECK(tls_rpt_facts(LookupStatus::nxdomain, {}).status == TxtStatus::not_published);
    CHECK(tls_rpt_facts(LookupStatus::servfail, {}).status == TxtStatus::lookup_failed);
    CHECK(tls_rpt_facts(LookupStatus::answer, {good + "; rua=mailto:b@example.com"}).status == TxtStatus::published);
    const auto facts = tls_rpt_facts(LookupStatus::answer, {good});
    CHECK(facts.records == std::vector<std::string>{good});
    REQUIRE(facts.parse.rua.size() == 1);
}
