// RFC 8461 §3.1: the _mta-sts TXT record and its RRset.
#include <catch2/catch.hpp>

#include "relaymetry/policy/mta_sts_txt.hpp"

using relaymetry::LookupStatus;
using relaymetry::MtaStsTxtParse;
using relaymetry::TxtStatus;
using relaymetry::policy::mta_sts_txt_facts;
using relaymetry::policy::parse_mta_sts_txt;

namespace {

bool has_error(const MtaStsTxtParse& parse, std::string_view part) {
    for (const auto& error : parse.errors) {
        if (error.find(part) != std::string::npos) {
            return true;
        }
    }
    return false;
}

}  // namespace

TEST_CASE("the RFC 8461 example record is valid", "[mta-sts-txt]") {
    const auto parse = parse_mta_sts_txt("v=STSv1; id=20160831085700Z;");
    CHECK(parse.valid);
    CHECK(parse.id == "20160831085700Z");
    CHECK(parse.errors.empty());
    CHECK(parse.extensions.empty());
}

TEST_CASE("field delimiters allow whitespace on both sides of ';'", "[mta-sts-txt]") {
    for (const char* record :
         {"v=STSv1;id=abc", "v=STSv1 ; id=abc", "v=STSv1;\tid=abc ;", "v=STSv1; id=abc; ", "v=STSv1  ;  id=abc  ;  "}) {
        INFO(record);
        const auto parse = parse_mta_sts_txt(record);
        CHECK(parse.valid);
        CHECK(parse.id == "abc");
    }
}

TEST_CASE("the record must begin with v=STSv1, case-sensitively", "[mta-sts-txt]") {
    SECTION("another field first") {
        const auto parse = parse_mta_sts_txt("id=abc; v=STSv1");
        CHECK_FALSE(parse.valid);
        CHECK(has_error(parse, "the record must begin with v=STSv1"));
    }
    SECTION("wrong case") {
        const auto parse = parse_mta_sts_txt("v=stsv1; id=abc");
        CHECK_FALSE(parse.valid);
        CHECK(has_error(parse, "case matters"));
    }
    SECTION("leading whitespace") {
        const auto parse = parse_mta_sts_txt(" v=STSv1; id=abc");
        CHECK_FALSE(parse.valid);
        CHECK(has_error(parse, "no space before it"));
    }
    SECTION("a longer version") {
        const auto parse = parse_mta_sts_txt("v=STSv10; id=abc");
        CHECK_FALSE(parse.valid);
        CHECK(has_error(parse, "must be followed by ';'"));
    }
    SECTION("empty") {
        const auto parse = parse_mta_sts_txt("");
        CHECK_FALSE(parse.valid);
        CHECK(has_error(parse, "the record is empty"));
    }
}

TEST_CASE("id is required and is 1 to 32 letters and digits", "[mta-sts-txt]") {
    SECTION("missing") {
        const auto parse = parse_mta_sts_txt("v=STSv1;");
        CHECK_FALSE(parse.valid);
        CHECK(has_error(parse, "the id field is missing"));
    }
    SECTION("version alone") {
        CHECK(has_error(parse_mta_sts_txt("v=STSv1"), "the id field is missing"));
    }
    SECTION("32 characters is the maximum") {
        const std::string id(32, 'a');
        const auto parse = parse_mta_sts_txt("v=STSv1; id=" + id);
        CHECK(parse.valid);
        CHECK(parse.id == id);
    }
    SECTION("33 characters") {
        const auto parse = parse_mta_sts_txt("v=STSv1; id=" + std::string(33, '7'));
        CHECK_FALSE(parse.valid);
        CHECK(parse.id.empty());
        CHECK(has_error(parse, "id has 33 characters; at most 32 letters and digits are allowed"));
    }
    SECTION("punctuation") {
        const auto parse = parse_mta_sts_txt("v=STSv1; id=2016-08-31");
        CHECK_FALSE(parse.valid);
        CHECK(has_error(parse, "contains '-'"));
    }
    SECTION("empty") {
        CHECK(has_error(parse_mta_sts_txt("v=STSv1; id="), "id is empty"));
    }
    SECTION("spaces around '='") {
        const auto parse = parse_mta_sts_txt("v=STSv1; id = abc");
        CHECK_FALSE(parse.valid);
    }
    SECTION("field names are case-sensitive") {
        const auto parse = parse_mta_sts_txt("v=STSv1; ID=abc");
        CHECK_FALSE(parse.valid);
        CHECK(has_error(parse, "case-sensitive: write id="));
    }
}

TEST_CASE("a repeated id: the first counts", "[mta-sts-txt]") {
    CHECK(parse_mta_sts_txt("v=STSv1; id=first; id=second").id == "first");
    CHECK_FALSE(parse_mta_sts_txt("v=STSv1; id=bad-one; id=good").valid);
}

TEST_CASE("extension fields are tolerated and checked", "[mta-sts-txt]") {
    SECTION("valid extension") {
        const auto parse = parse_mta_sts_txt("v=STSv1; id=abc; ext_1.x-y=some:value");
        CHECK(parse.valid);
        REQUIRE(parse.extensions.size() == 1);
        CHECK(parse.extensions[0] == "ext_1.x-y=some:value");
    }
    SECTION("name too long") {
        CHECK_FALSE(parse_mta_sts_txt("v=STSv1; id=abc; " + std::string(33, 'n') + "=1").valid);
        CHECK(parse_mta_sts_txt("v=STSv1; id=abc; " + std::string(32, 'n') + "=1").valid);
    }
    SECTION("name starts with punctuation") {
        CHECK(has_error(parse_mta_sts_txt("v=STSv1; id=abc; _x=1"), "is not valid"));
    }
    SECTION("value with '='") {
        CHECK(has_error(parse_mta_sts_txt("v=STSv1; id=abc; x=a=b"), "contains '='"));
    }
    SECTION("value with a space") {
        CHECK(has_error(parse_mta_sts_txt("v=STSv1; id=abc; x=a b"), "contains a space"));
    }
    SECTION("empty value") {
        CHECK(has_error(parse_mta_sts_txt("v=STSv1; id=abc; x="), "is empty"));
    }
    SECTION("no '='") {
        CHECK(has_error(parse_mta_sts_txt("v=STSv1; id=abc; junk"), "has no '='"));
    }
    SECTION("non-ASCII value") {
        CHECK(has_error(parse_mta_sts_txt("v=STSv1; id=abc; x=\xC3\xA9"), "not visible US-ASCII"));
    }
}

TEST_CASE("delimiter grammar errors", "[mta-sts-txt]") {
    CHECK(has_error(parse_mta_sts_txt("v=STSv1;; id=abc"), "empty field"));
    CHECK(has_error(parse_mta_sts_txt("v=STSv1; id=abc;;"), "empty field"));
    CHECK(has_error(parse_mta_sts_txt("v=STSv1 id=abc"), "must be followed by ';'"));
    CHECK(has_error(parse_mta_sts_txt("v=STSv1; id=abc "), "whitespace after the last field"));
}

TEST_CASE("a record split into several strings is read concatenated", "[mta-sts-txt]") {
    // RFC 8461 §3.1: strings are joined without spaces (the resolver does the joining).
    const std::string record = std::string("v=STSv1; id=2016") + "0831085700Z;";
    CHECK(parse_mta_sts_txt(record).id == "20160831085700Z");
}

TEST_CASE("hostile bytes never break the parser or the messages", "[mta-sts-txt]") {
    const std::string record("v=STSv1; id=\x00\x1b[31m\xff", 19);
    const auto parse = parse_mta_sts_txt(record);
    CHECK_FALSE(parse.valid);
    for (const auto& error : parse.errors) {
        CHECK(error.find('\x1b') == std::string::npos);
        CHECK(error.find('\xff') == std::string::npos);
    }
    CHECK(has_error(parse, "\\x00"));
}

// Found by tests/fuzz/mta_sts_txt (corpus: regression-c1-control-in-message): U+0089 is valid UTF-8
// and a control character all the same.
TEST_CASE("C1 controls in a record are escaped in the messages", "[mta-sts-txt]") {
    const auto parse = parse_mta_sts_txt("av\xc2\x89x");
    REQUIRE_FALSE(parse.valid);
    CHECK(has_error(parse, "\\xC2\\x89"));
    for (const auto& error : parse.errors) {
        CHECK(error.find("\xc2\x89") == std::string::npos);
    }
    // Other valid UTF-8 is shown as it is.
    CHECK(parse_mta_sts_txt("v=STSv1; id=\xc3\xa9").errors.front().find("\xc3\xa9") != std::string::npos);
}

TEST_CASE("the RRset as a sender sees it", "[mta-sts-txt]") {
    SECTION("one valid record among others") {
        const auto facts = mta_sts_txt_facts(LookupStatus::answer, {"v=spf1 -all", "v=STSv1; id=abc"});
        CHECK(facts.status == TxtStatus::published);
        CHECK(facts.parse.id == "abc");
        CHECK(facts.records.size() == 2);
    }
    SECTION("one invalid record") {
        const auto facts = mta_sts_txt_facts(LookupStatus::answer, {"v=STSv1; id=a_b"});
        CHECK(facts.status == TxtStatus::invalid);
        CHECK_FALSE(facts.parse.errors.empty());
    }
    SECTION("two records") {
        const auto facts = mta_sts_txt_facts(LookupStatus::answer, {"v=STSv1; id=a", "v=STSv1; id=b"});
        CHECK(facts.status == TxtStatus::multiple);
    }
    SECTION("records not beginning with v=STSv1 are discarded") {
        CHECK(mta_sts_txt_facts(LookupStatus::answer, {"id=a; v=STSv1", "v=stsv1; id=b", "v=STSv10; id=c"}).status ==
              TxtStatus::not_published);
        CHECK(mta_sts_txt_facts(LookupStatus::answer, {"v=STSv1 ; id=a", "junk"}).status == TxtStatus::published);
    }
    SECTION("no record") {
        CHECK(mta_sts_txt_facts(LookupStatus::nxdomain, {}).status == TxtStatus::not_published);
        CHECK(mta_sts_txt_facts(LookupStatus::nodata, {}).status == TxtStatus::not_published);
        CHECK(mta_sts_txt_facts(LookupStatus::answer, {}).status == TxtStatus::not_published);
    }
    SECTION("lookup failures") {
        for (auto status :
             {LookupStatus::servfail, LookupStatus::refused, LookupStatus::timeout, LookupStatus::malformed}) {
            CHECK(mta_sts_txt_facts(status, {}).status == TxtStatus::lookup_failed);
        }
    }
}
