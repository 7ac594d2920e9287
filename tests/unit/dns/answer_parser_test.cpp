// parse_answer on messages built by the fake DNS server's builder (tests/support), never by c-ares.
#include <algorithm>
#include <random>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <catch2/catch.hpp>

#include "relaymetry/dns/answer_parser.hpp"
#include "support/fake_dns.hpp"

using relaymetry::k_max_addresses_per_family;
using relaymetry::k_max_records_per_answer;
using relaymetry::LookupResult;
using relaymetry::LookupStatus;
using relaymetry::RecordType;
using relaymetry::dns::parse_answer;
using relaymetry::test::build_dns_response;
using relaymetry::test::FakeRecord;
namespace test = relaymetry::test;

namespace {

std::span<const unsigned char> bytes(const std::string& message) {
    return {reinterpret_cast<const unsigned char*>(message.data()), message.size()};
}

LookupResult parse(const std::string& message, const std::string& name, RecordType type) {
    return parse_answer(bytes(message), name, type);
}

}  // namespace

TEST_CASE("A and AAAA answers keep every address in answer order") {
    auto a = build_dns_response(
        "mail.example.com", test::k_type_a,
        {FakeRecord::a("mail.example.com", "192.0.2.10"), FakeRecord::a("mail.example.com", "192.0.2.11")});
    auto result = parse(a, "mail.example.com", RecordType::a);
    CHECK(result.status == LookupStatus::answer);
    CHECK(result.name == "mail.example.com");
    CHECK(result.type == RecordType::a);
    CHECK(result.addresses == std::vector<std::string>{"192.0.2.10", "192.0.2.11"});
    CHECK(result.error.empty());

    auto aaaa = build_dns_response(
        "mail.example.com", test::k_type_aaaa,
        {FakeRecord::aaaa("mail.example.com", "2001:db8::25"), FakeRecord::aaaa("mail.example.com", "::1")});
    result = parse(aaaa, "mail.example.com", RecordType::aaaa);
    CHECK(result.status == LookupStatus::answer);
    CHECK(result.addresses == std::vector<std::string>{"2001:db8::25", "::1"});
}

TEST_CASE("addresses are capped per family") {
    std::vector<FakeRecord> records;
    for (int i = 1; i <= 12; ++i) {
        records.push_back(FakeRecord::a("big.example.com", "192.0.2." + std::to_string(i)));
    }
    auto result =
        parse(build_dns_response("big.example.com", test::k_type_a, records), "big.example.com", RecordType::a);
    CHECK(result.status == LookupStatus::answer);
    REQUIRE(result.addresses.size() == k_max_addresses_per_family);
    CHECK(result.addresses.front() == "192.0.2.1");
    CHECK(result.addresses.back() == "192.0.2.8");
}

TEST_CASE("an address answer reached through a CNAME is followed; a bare CNAME is nodata") {
    auto chained = build_dns_response(
        "www.example.com", test::k_type_a,
        {FakeRecord::cname("www.example.com", "host.example.com"), FakeRecord::a("host.example.com", "192.0.2.7")});
    auto result = parse(chained, "www.example.com", RecordType::a);
    CHECK(result.status == LookupStatus::answer);
    CHECK(result.addresses == std::vector<std::string>{"192.0.2.7"});

    auto bare = build_dns_response("www.example.com", test::k_type_a,
                                   {FakeRecord::cname("www.example.com", "host.example.com")});
    result = parse(bare, "www.example.com", RecordType::a);
    CHECK(result.status == LookupStatus::nodata);
    CHECK(result.addresses.empty());
    CHECK(result.error.empty());
}

TEST_CASE("records of another type than asked are nodata") {
    auto message = build_dns_response("example.com", test::k_type_mx, {FakeRecord::a("example.com", "192.0.2.1")});
    CHECK(parse(message, "example.com", RecordType::mx).status == LookupStatus::nodata);
}

TEST_CASE("MX records, null MX host as '.'") {
    auto message = build_dns_response(
        "example.com", test::k_type_mx,
        {FakeRecord::mx("example.com", 20, "mx2.example.com."), FakeRecord::mx("example.com", 10, "mx1.example.com")});
    auto result = parse(message, "example.com", RecordType::mx);
    CHECK(result.status == LookupStatus::answer);
    REQUIRE(result.mx.size() == 2);
    CHECK(result.mx[0].preference == 20);
    CHECK(result.mx[0].host == "mx2.example.com");  // no trailing dot
    CHECK(result.mx[1].preference == 10);
    CHECK(result.mx[1].host == "mx1.example.com");

    auto null_mx = build_dns_response("example.com", test::k_type_mx, {FakeRecord::mx("example.com", 0, ".")});
    result = parse(null_mx, "example.com", RecordType::mx);
    CHECK(result.status == LookupStatus::answer);
    REQUIRE(result.mx.size() == 1);
    CHECK(result.mx[0].host == ".");
    CHECK(result.mx[0].preference == 0);
}

TEST_CASE("SRV records keep every field; target '.' stays '.'") {
    const std::string name = "_submissions._tcp.example.com";
    auto message = build_dns_response(
        name, test::k_type_srv,
        {FakeRecord::srv(name, 5, 10, 2465, "mail.example.com"), FakeRecord::srv(name, 0, 0, 0, ".")});
    auto result = parse(message, name, RecordType::srv);
    CHECK(result.status == LookupStatus::answer);
    REQUIRE(result.srv.size() == 2);
    CHECK(result.srv[0].priority == 5);
    CHECK(result.srv[0].weight == 10);
    CHECK(result.srv[0].port == 2465);
    CHECK(result.srv[0].target == "mail.example.com");
    CHECK(result.srv[1].target == ".");
}

TEST_CASE("TXT: character-strings of one record are concatenated, records stay apart") {
    const std::string name = "_mta-sts.example.com";
    const std::string long_text(300, 'x');  // the builder splits it into 255 + 45
    auto message =
        build_dns_response(name, test::k_type_txt,
                           {FakeRecord::txt(name, {"v=STSv1; ", "id=20261128"}), FakeRecord::txt(name, {long_text}),
                            FakeRecord::txt(name, {std::string("a\0b", 3)}), FakeRecord::txt(name, {""})});
    auto result = parse(message, name, RecordType::txt);
    CHECK(result.status == LookupStatus::answer);
    REQUIRE(result.txt.size() == 4);
    CHECK(result.txt[0] == "v=STSv1; id=20261128");
    CHECK(result.txt[1] == long_text);
    CHECK(result.txt[2] == std::string("a\0b", 3));
    CHECK(result.txt[3].empty());
}

TEST_CASE("SRV, MX and TXT answers are capped") {
    std::vector<FakeRecord> srv;
    std::vector<FakeRecord> mx;
    std::vector<FakeRecord> txt;
    for (int i = 0; i < 40; ++i) {
        srv.push_back(FakeRecord::srv("s.example.com", static_cast<std::uint16_t>(i), 0, 465, "h.example.com"));
        mx.push_back(FakeRecord::mx("m.example.com", static_cast<std::uint16_t>(i), "h.example.com"));
        txt.push_back(FakeRecord::txt("t.example.com", {"record " + std::to_string(i), " second part"}));
    }
    auto result = parse(build_dns_response("s.example.com", test::k_type_srv, srv), "s.example.com", RecordType::srv);
    CHECK(result.srv.size() == k_max_records_per_answer);
    result = parse(build_dns_response("m.example.com", test::k_type_mx, mx), "m.example.com", RecordType::mx);
    CHECK(result.mx.size() == k_max_records_per_answer);
    result = parse(build_dns_response("t.example.com", test::k_type_txt, txt), "t.example.com", RecordType::txt);
    REQUIRE(result.txt.size() == k_max_records_per_answer);
    CHECK(result.txt.back() == "record 31 second part");
}

TEST_CASE("the RCODE decides before the records") {
    const std::string name = "example.com";
    auto status_for = [&](int rcode) {
        return parse(build_dns_response(name, test::k_type_a, {}, rcode), name, RecordType::a);
    };
    CHECK(status_for(0).status == LookupStatus::nodata);
    CHECK(status_for(3).status == LookupStatus::nxdomain);
    CHECK(status_for(3).error.empty());
    auto servfail = status_for(2);
    CHECK(servfail.status == LookupStatus::servfail);
    CHECK(servfail.error.find("SERVFAIL") != std::string::npos);
    auto refused = status_for(5);
    CHECK(refused.status == LookupStatus::refused);
    CHECK_FALSE(refused.error.empty());
    CHECK(status_for(1).status == LookupStatus::servfail);  // FORMERR: no answer either
    CHECK(status_for(4).status == LookupStatus::servfail);  // NOTIMP
}

TEST_CASE("every truncation of a valid answer is malformed") {
    const std::string name = "mail.example.com";
    auto message = build_dns_response(name, test::k_type_a,
                                      {FakeRecord::a(name, "192.0.2.10"), FakeRecord::a(name, "192.0.2.11")});
    REQUIRE(parse(message, name, RecordType::a).status == LookupStatus::answer);
    for (std::size_t size = 0; size < message.size(); ++size) {
        INFO("size " << size);
        auto result = parse(message.substr(0, size), name, RecordType::a);
        CHECK(result.status == LookupStatus::malformed);
        CHECK(result.addresses.empty());
        CHECK_FALSE(result.error.empty());
    }
}

TEST_CASE("random bytes and corrupted answers never crash the parser") {
    std::mt19937 random(1128);
    std::uniform_int_distribution<int> byte(0, 255);
    const std::string name = "_mta-sts.example.com";
    const auto valid = build_dns_response(
        name, test::k_type_txt, {FakeRecord::txt(name, {"v=STSv1; ", "id=1"}), FakeRecord::txt(name, {"second"})});
    std::size_t answers = 0;
    for (int round = 0; round < 3000; ++round) {
        std::string message;
        if (round % 2 == 0) {  // pure noise with a NOERROR header
            message.resize(static_cast<std::size_t>(12 + round % 200));
            for (auto& c : message) {
                c = static_cast<char>(byte(random));
            }
            message[3] = 0;
        } else {  // the valid answer with a few bytes changed
            message = valid;
            for (int flips = 0; flips < 3; ++flips) {
                const auto at = static_cast<std::size_t>(12 + byte(random) % static_cast<int>(valid.size() - 12));
                message[at] = static_cast<char>(byte(random));
            }
        }
        for (auto type : {RecordType::a, RecordType::aaaa, RecordType::mx, RecordType::srv, RecordType::txt}) {
            auto result = parse(message, name, type);
            if (result.status == LookupStatus::answer) {
                ++answers;
                CHECK(result.addresses.size() <= k_max_addresses_per_family);
                CHECK(result.txt.size() <= k_max_records_per_answer);
            } else {
                CHECK(result.addresses.empty());
                CHECK(result.txt.empty());
                CHECK(result.srv.empty());
                CHECK(result.mx.empty());
            }
        }
    }
    CHECK(answers > 0);  // some corruptions leave a parsable TXT answer: the loop did reach the parsers
}

TEST_CASE("the answer's TTL is its records' smallest; none without records") {
    const std::string name = "mail.example.com";
    auto first = FakeRecord::a(name, "192.0.2.10");
    auto second = FakeRecord::a(name, "192.0.2.11");
    first.ttl = 3600;
    second.ttl = 120;
    auto result = parse(build_dns_response(name, test::k_type_a, {first, second}), name, RecordType::a);
    CHECK(result.ttl == 120u);
    second.ttl = 0x80000001u;  // RFC 2181 §8: the top bit set counts as zero
    result = parse(build_dns_response(name, test::k_type_a, {first, second}), name, RecordType::a);
    CHECK(result.ttl == 0u);
    // NODATA with no SOA in the authority section: nothing says how long it may be kept.
    CHECK_FALSE(parse(build_dns_response(name, test::k_type_a, {}), name, RecordType::a).ttl);
    CHECK_FALSE(parse(build_dns_response(name, test::k_type_a, {}, 2), name, RecordType::a).ttl);  // SERVFAIL
    const auto message = build_dns_response(name, test::k_type_a, {first});
    for (std::size_t size = 0; size < message.size(); ++size) {
        INFO("size " << size);
        CHECK_FALSE(relaymetry::dns::smallest_ttl(bytes(message.substr(0, size))));
    }
}

// ---- hostile answers, built byte by byte ------------------------------------------------------

namespace {

std::string be16(std::uint16_t value) {
    return {static_cast<char>(value >> 8), static_cast<char>(value & 0xFF)};
}

// Uncompressed wire form of a dotted name; "." is the root.
std::string wire(std::string_view dotted) {
    std::string out;
    while (!dotted.empty() && dotted != ".") {
        const auto dot = dotted.find('.');
        const auto label = dotted.substr(0, dot);
        out.push_back(static_cast<char>(label.size()));
        out.append(label);
        dotted = dot == std::string_view::npos ? std::string_view{} : dotted.substr(dot + 1);
    }
    out.push_back('\0');
    return out;
}

std::string pointer(std::uint16_t offset) {
    return be16(static_cast<std::uint16_t>(0xC000 | offset));
}

// One resource record; `owner` and `rdata` in wire form as given (compressed or not).
std::string record(const std::string& owner, std::uint16_t type, const std::string& rdata) {
    return owner + be16(type) + be16(1) + std::string("\0\0\x01\x2c", 4) +
           be16(static_cast<std::uint16_t>(rdata.size())) + rdata;
}

constexpr std::size_t k_question_at = 12;  // the question's name starts right after the header

// A NOERROR response to `name`/`type` with `answers` (records made by record()); `truncated` sets TC.
std::string response(std::string_view name, std::uint16_t type, const std::vector<std::string>& answers,
                     bool truncated = false) {
    std::string out = be16(0x1234);
    out.push_back(static_cast<char>(0x81 | (truncated ? 0x02 : 0)));  // QR, RD (and TC)
    out.push_back(static_cast<char>(0x80));                           // RA, NOERROR
    out += be16(1) + be16(static_cast<std::uint16_t>(answers.size())) + be16(0) + be16(0);
    out += wire(name) + be16(type) + be16(1);
    for (const auto& answer : answers) {
        out += answer;
    }
    return out;
}

const std::string k_ipv4(std::string("\xC0\x00\x02\x01", 4));  // 192.0.2.1

bool has_raw_control_bytes(const std::vector<std::string>& texts) {
    return std::any_of(texts.begin(), texts.end(), [](const std::string& text) {
        return std::any_of(text.begin(), text.end(), [](char c) { return static_cast<unsigned char>(c) < 0x20; });
    });
}

}  // namespace

TEST_CASE("a truncated answer (TC) is a failed lookup, never NODATA, with or without records") {
    const std::string name = "_mta-sts.example.com";
    auto empty = parse(response(name, test::k_type_txt, {}, true), name, RecordType::txt);
    CHECK(empty.status == LookupStatus::malformed);
    CHECK(relaymetry::is_failure(empty.status));
    CHECK(empty.error == "the DNS answer was truncated (TC bit) even over TCP");
    auto partial = build_dns_response(name, test::k_type_txt, {FakeRecord::txt(name, {"v=STSv1; id=1"})});
    partial[2] = static_cast<char>(partial[2] | 0x02);
    auto result = parse(partial, name, RecordType::txt);
    CHECK(result.status == LookupStatus::malformed);
    CHECK(result.txt.empty());
    auto nxdomain = build_dns_response(name, test::k_type_txt, {}, 3);
    nxdomain[2] = static_cast<char>(nxdomain[2] | 0x02);
    CHECK(parse(nxdomain, name, RecordType::txt).status == LookupStatus::malformed);
}

TEST_CASE("a CNAME loop is a failed lookup naming the loop") {
    auto loop =
        build_dns_response("a.example", test::k_type_txt,
                           {FakeRecord::cname("a.example", "b.example"), FakeRecord::cname("b.example", "A.Example")});
    auto result = parse(loop, "a.example", RecordType::txt);
    CHECK(result.status == LookupStatus::malformed);
    CHECK(result.error == "CNAME loop: a.example -> b.example -> A.Example");
    auto self = build_dns_response("a.example", test::k_type_a, {FakeRecord::cname("a.example", "a.example")});
    result = parse(self, "a.example", RecordType::a);
    CHECK(result.status == LookupStatus::malformed);
    CHECK(result.error == "CNAME loop: a.example -> a.example");
}

TEST_CASE("a CNAME chain is followed to its end, owners compared without case; too long is a failure") {
    auto chained = build_dns_response(
        "www.example.com", test::k_type_a,
        {FakeRecord::cname("WWW.example.COM", "one.example.com"),
         FakeRecord::cname("one.example.com", "two.example.com"), FakeRecord::a("other.example.com", "192.0.2.99"),
         FakeRecord::a("Two.Example.Com", "192.0.2.7")});
    auto result = parse(chained, "www.example.com", RecordType::a);
    CHECK(result.status == LookupStatus::answer);
    CHECK(result.addresses == std::vector<std::string>{"192.0.2.7"});

    auto ends_empty = build_dns_response(
        "www.example.com", test::k_type_a,
        {FakeRecord::cname("www.example.com", "one.example.com"), FakeRecord::aaaa("one.example.com", "2001:db8::1")});
    CHECK(parse(ends_empty, "www.example.com", RecordType::a).status == LookupStatus::nodata);

    std::vector<FakeRecord> long_chain;
    for (int i = 0; i < 20; ++i) {
        long_chain.push_back(
            FakeRecord::cname("h" + std::to_string(i) + ".example", "h" + std::to_string(i + 1) + ".example"));
    }
    long_chain.push_back(FakeRecord::a("h20.example", "192.0.2.1"));
    result = parse(build_dns_response("h0.example", test::k_type_a, long_chain), "h0.example", RecordType::a);
    CHECK(result.status == LookupStatus::malformed);
    CHECK(result.error.find("longer than 16 links") != std::string::npos);
}

TEST_CASE("records owned by another name are no part of the answer") {
    auto message = build_dns_response(
        "mail.example.com", test::k_type_a,
        {FakeRecord::a("evil.example.net", "203.0.113.1"), FakeRecord::a("mail.example.com", "192.0.2.10")});
    auto result = parse(message, "mail.example.com", RecordType::a);
    CHECK(result.status == LookupStatus::answer);
    CHECK(result.addresses == std::vector<std::string>{"192.0.2.10"});
    CHECK(result.dropped_count == 0);
    auto only_other =
        build_dns_response("mail.example.com", test::k_type_a, {FakeRecord::a("evil.example.net", "203.0.113.1")});
    CHECK(parse(only_other, "mail.example.com", RecordType::a).status == LookupStatus::nodata);
}

TEST_CASE("an address record of the wrong length is dropped and named, the others kept") {
    const std::string name = "mail.example.com";
    auto bad = FakeRecord::a(name, "192.0.2.66");
    bad.rdata_override = std::string("\xC0\x00\x02\x42\x00", 5);
    auto result = parse(build_dns_response(name, test::k_type_a,
                                           {FakeRecord::a(name, "192.0.2.10"), bad, FakeRecord::a(name, "192.0.2.11")}),
                        name, RecordType::a);
    CHECK(result.status == LookupStatus::answer);
    CHECK(result.addresses == std::vector<std::string>{"192.0.2.10", "192.0.2.11"});
    CHECK(result.dropped_records == std::vector<std::string>{"A record 2: rdata is 5 bytes, not 4"});
    CHECK(result.dropped_count == 1);
    CHECK(result.error.empty());

    auto short_aaaa = FakeRecord::aaaa(name, "::1");
    short_aaaa.rdata_override = k_ipv4;
    result = parse(build_dns_response(name, test::k_type_aaaa, {short_aaaa, FakeRecord::aaaa(name, "2001:db8::25")}),
                   name, RecordType::aaaa);
    CHECK(result.addresses == std::vector<std::string>{"2001:db8::25"});
    CHECK(result.dropped_records == std::vector<std::string>{"AAAA record 1: rdata is 4 bytes, not 16"});
}

TEST_CASE("when every record of the type is malformed, the lookup failed (never 'no address')") {
    const std::string name = "mail.example.com";
    auto bad = FakeRecord::a(name, "192.0.2.66");
    bad.rdata_override = std::string("\xC0\x00\x02\x42\x00", 5);
    auto empty = FakeRecord::a(name, "192.0.2.67");
    empty.rdata_override = std::string{};
    auto result = parse(build_dns_response(name, test::k_type_a, {bad, empty}), name, RecordType::a);
    CHECK(result.status == LookupStatus::malformed);
    CHECK(result.addresses.empty());
    CHECK(result.error == "every A record in the DNS answer is malformed (A record 1: rdata is 5 bytes, not 4)");
    CHECK(result.dropped_count == 2);
    CHECK(result.dropped_records.size() == 2);
}

TEST_CASE("an SRV target with ESC, NUL, a space or a dot inside a label drops that record only") {
    const std::string name = "_submissions._tcp.example.com";
    auto dotted = FakeRecord::srv(name, 0, 0, 465, "x");
    dotted.rdata_override = be16(0) + be16(0) + be16(465) +
                            "\x03"
                            "a.b"
                            "\x07"
                            "example" +
                            std::string(1, '\0');
    auto message = build_dns_response(name, test::k_type_srv,
                                      {FakeRecord::srv(name, 0, 0, 465, "mail.example.com"),
                                       FakeRecord::srv(name, 0, 0, 465, "bad\x1b[2Jhost.example.com"),
                                       FakeRecord::srv(name, 0, 0, 465, std::string("nul\0host.example.com", 20)),
                                       FakeRecord::srv(name, 0, 0, 465, "sp ace.example.com"), dotted});
    auto result = parse(message, name, RecordType::srv);
    CHECK(result.status == LookupStatus::answer);
    REQUIRE(result.srv.size() == 1);
    CHECK(result.srv[0].target == "mail.example.com");
    CHECK(result.dropped_records == std::vector<std::string>{
                                        "SRV record 2: target name has a control character",
                                        "SRV record 3: target name has a control character",
                                        "SRV record 4: target name has a space",
                                        "SRV record 5: target name has a '.' inside a label",
                                    });
    CHECK(result.dropped_count == 4);
    CHECK_FALSE(has_raw_control_bytes(result.dropped_records));

    auto all_bad = build_dns_response(name, test::k_type_srv, {FakeRecord::srv(name, 0, 0, 465, "esc\x1b.example")});
    result = parse(all_bad, name, RecordType::srv);
    CHECK(result.status == LookupStatus::malformed);
    CHECK(result.srv.empty());
}

TEST_CASE("an MX host with ESC or NUL drops that record only; the rest of the answer stands") {
    auto message = build_dns_response("example.com", test::k_type_mx,
                                      {FakeRecord::mx("example.com", 10, std::string("mx\0.example.com", 15)),
                                       FakeRecord::mx("example.com", 20, "mx2.example.com"),
                                       FakeRecord::mx("example.com", 30, "mx\x1b.example.com")});
    auto result = parse(message, "example.com", RecordType::mx);
    CHECK(result.status == LookupStatus::answer);
    REQUIRE(result.mx.size() == 1);
    CHECK(result.mx[0].host == "mx2.example.com");
    CHECK(result.dropped_records == std::vector<std::string>{"MX record 1: host name has a control character",
                                                             "MX record 3: host name has a control character"});
}

TEST_CASE("SRV and MX records must be filled exactly by their fields and name") {
    const std::string name = "_submission._tcp.example.com";
    auto trailing = FakeRecord::srv(name, 0, 0, 587, "x");
    trailing.rdata_override = be16(0) + be16(0) + be16(587) + wire("mail.example.com") + "zz";
    auto shorter = FakeRecord::srv(name, 0, 0, 587, "x");
    shorter.rdata_override = be16(0) + be16(0);
    auto cut_name = FakeRecord::srv(name, 0, 0, 587, "x");
    cut_name.rdata_override = be16(0) + be16(0) + be16(587) + "\x04mail";
    auto result =
        parse(build_dns_response(name, test::k_type_srv,
                                 {trailing, shorter, cut_name, FakeRecord::srv(name, 1, 2, 587, "ok.example.com")}),
              name, RecordType::srv);
    CHECK(result.status == LookupStatus::answer);
    REQUIRE(result.srv.size() == 1);
    CHECK(result.srv[0].target == "ok.example.com");
    CHECK(result.dropped_records ==
          std::vector<std::string>{"SRV record 1: 2 bytes follow the target name",
                                   "SRV record 2: rdata is 4 bytes, too short for priority, weight, port and target",
                                   "SRV record 3: target name runs past the end"});
    auto mx = FakeRecord::mx("example.com", 0, "x");
    mx.rdata_override = be16(5);
    result = parse(build_dns_response("example.com", test::k_type_mx, {mx}), "example.com", RecordType::mx);
    CHECK(result.status == LookupStatus::malformed);
}

TEST_CASE("a TXT record whose character-string overruns the record is dropped and named") {
    const std::string name = "_smtp._tls.example.com";
    auto overrun = FakeRecord::txt(name, {});
    overrun.rdata_override = std::string(
        "\x02ok\x05"
        "abc",
        7);
    auto empty = FakeRecord::txt(name, {});
    empty.rdata_override = std::string{};
    auto result = parse(build_dns_response(name, test::k_type_txt,
                                           {overrun, FakeRecord::txt(name, {"v=TLSRPTv1; rua=mailto:r@x"}), empty}),
                        name, RecordType::txt);
    CHECK(result.status == LookupStatus::answer);
    CHECK(result.txt == std::vector<std::string>{"v=TLSRPTv1; rua=mailto:r@x"});
    CHECK(result.dropped_records ==
          std::vector<std::string>{"TXT record 1: a character-string runs past the end of the record",
                                   "TXT record 3: rdata is empty, not even one character-string"});
    result = parse(build_dns_response(name, test::k_type_txt, {overrun}), name, RecordType::txt);
    CHECK(result.status == LookupStatus::malformed);
    CHECK(result.error.find("TXT record 1: a character-string runs past the end") != std::string::npos);
}

TEST_CASE("a TLSA record shorter than its fixed fields is dropped, the good ones kept") {
    const std::string name = "_25._tcp.mx.example.com";
    auto short_record = FakeRecord::tlsa(name, 3, 1, 1, "");
    short_record.raw.resize(2);
    auto result =
        parse(build_dns_response(name, test::k_type_tlsa, {short_record, FakeRecord::tlsa(name, 3, 1, 1, "abcd")}),
              name, RecordType::tlsa);
    CHECK(result.status == LookupStatus::answer);
    REQUIRE(result.tlsa.size() == 1);
    CHECK(result.dropped_records ==
          std::vector<std::string>{"TLSA record 1: rdata is 2 bytes, shorter than the 3 fixed fields"});
}

TEST_CASE("compression: backward pointers are followed; forward, self and looping pointers do not frame") {
    const std::string name = "mail.example.com";
    // Owner: a pointer to the question's name; SRV target: "smtp" + a pointer to "example.com".
    auto good = response(name, test::k_type_a, {record(pointer(k_question_at), test::k_type_a, k_ipv4)});
    auto result = parse(good, name, RecordType::a);
    CHECK(result.status == LookupStatus::answer);
    CHECK(result.addresses == std::vector<std::string>{"192.0.2.1"});

    const std::string srv_name = "_submissions._tcp.example.com";
    const auto example_at = static_cast<std::uint16_t>(k_question_at + 1 + 12 + 1 + 4);  // past two labels
    auto srv = response(srv_name, test::k_type_srv,
                        {record(pointer(k_question_at), test::k_type_srv,
                                be16(0) + be16(0) + be16(465) + "\x04smtp" + pointer(example_at))});
    result = parse(srv, srv_name, RecordType::srv);
    CHECK(result.status == LookupStatus::answer);
    REQUIRE(result.srv.size() == 1);
    CHECK(result.srv[0].target == "smtp.example.com");

    const auto answer_at = static_cast<std::uint16_t>(response(name, test::k_type_a, {}).size());
    const auto message_of = [&](const std::string& owner) {
        return response(name, test::k_type_a, {record(owner, test::k_type_a, k_ipv4)});
    };
    const auto check_malformed = [&](const std::string& message, const std::string& why) {
        INFO(why);
        auto parsed = parse(message, name, RecordType::a);
        CHECK(parsed.status == LookupStatus::malformed);
        CHECK(parsed.addresses.empty());
        CHECK_THAT(parsed.error, Catch::Matchers::Contains(why));
        CHECK_FALSE(relaymetry::dns::smallest_ttl(bytes(message)));
    };
    check_malformed(message_of(pointer(answer_at)), "does not point backwards");      // at itself
    check_malformed(message_of(pointer(answer_at + 2)), "does not point backwards");  // forward
    // A label, then a pointer back to that label: a loop that points backwards once.
    check_malformed(message_of("\x01x" + pointer(answer_at)), "does not point backwards");
    check_malformed(message_of(std::string(1, '\x40') + "abc"), "a label of a reserved type");  // 64: no label
    std::string long_name;
    for (int i = 0; i < 5; ++i) {
        long_name += std::string(1, '\x3f') + std::string(63, 'x');
    }
    check_malformed(message_of(long_name + std::string(1, '\0')), "longer than 255 bytes");
    // A pointer in the question into the header points backwards, but what it points at is no name.
    auto into_header = response(name, test::k_type_a, {});
    into_header.replace(k_question_at, wire(name).size(), pointer(2));
    CHECK(parse(into_header, name, RecordType::a).status == LookupStatus::malformed);
}

TEST_CASE("a record sent twice is kept once and does not count against the cap (RFC 2181 section 5)") {
    std::vector<FakeRecord> addresses(20, FakeRecord::a("same.example.com", "192.0.2.1"));
    addresses.push_back(FakeRecord::a("same.example.com", "192.0.2.2"));
    auto result =
        parse(build_dns_response("same.example.com", test::k_type_a, addresses), "same.example.com", RecordType::a);
    CHECK(result.status == LookupStatus::answer);
    CHECK(result.addresses == std::vector<std::string>{"192.0.2.1", "192.0.2.2"});
    CHECK(result.records_cut == 0);

    const std::string name = "_submissions._tcp.example.com";
    std::vector<FakeRecord> srv(40, FakeRecord::srv(name, 0, 0, 465, "mail.example.com"));
    srv.push_back(FakeRecord::srv(name, 0, 0, 465, "mail2.example.com"));
    srv.push_back(FakeRecord::srv(name, 1, 0, 465, "mail.example.com"));  // another priority: another record
    result = parse(build_dns_response(name, test::k_type_srv, srv), name, RecordType::srv);
    REQUIRE(result.srv.size() == 3);
    CHECK(result.srv[1].target == "mail2.example.com");
    CHECK(result.srv[2].priority == 1);
    CHECK(result.records_cut == 0);

    std::vector<FakeRecord> mx(3, FakeRecord::mx("example.com", 10, "mx.example.com"));
    result = parse(build_dns_response("example.com", test::k_type_mx, mx), "example.com", RecordType::mx);
    CHECK(result.mx.size() == 1);

    const std::string sts = "_mta-sts.example.com";
    result = parse(build_dns_response(sts, test::k_type_txt,
                                      {FakeRecord::txt(sts, {"v=STSv1; id=1"}), FakeRecord::txt(sts, {"v=STSv1; id=1"}),
                                       FakeRecord::txt(sts, {"v=STSv1; ", "id=1"})}),
                   sts, RecordType::txt);
    // The third splits its character-strings elsewhere: another record with the same text, which a
    // sender counts as a second record (RFC 8461 section 3.1), so it must stay.
    CHECK(result.txt == std::vector<std::string>{"v=STSv1; id=1", "v=STSv1; id=1"});

    // A record past the cap, sent five times, is one record cut, not five.
    std::vector<FakeRecord> past_cap;
    for (std::size_t i = 1; i <= k_max_addresses_per_family + 1; ++i) {
        past_cap.push_back(FakeRecord::a("big.example.com", "192.0.2." + std::to_string(i)));
    }
    const FakeRecord last = past_cap.back();  // a copy: insert() must not read from the vector it grows
    past_cap.insert(past_cap.end(), 4, last);
    result = parse(build_dns_response("big.example.com", test::k_type_a, past_cap), "big.example.com", RecordType::a);
    CHECK(result.addresses.size() == k_max_addresses_per_family);
    CHECK(result.records_cut == 1);
}

TEST_CASE("what a cap cuts is counted") {
    std::vector<FakeRecord> addresses;
    for (int i = 1; i <= 12; ++i) {
        addresses.push_back(FakeRecord::a("big.example.com", "192.0.2." + std::to_string(i)));
    }
    auto bad = FakeRecord::a("big.example.com", "0.0.0.0");
    bad.rdata_override = std::string(3, 'x');
    addresses.push_back(bad);
    auto result =
        parse(build_dns_response("big.example.com", test::k_type_a, addresses), "big.example.com", RecordType::a);
    CHECK(result.addresses.size() == k_max_addresses_per_family);
    CHECK(result.records_cut == 12 - k_max_addresses_per_family);
    CHECK(result.dropped_count == 1);  // a bad record past the cap is still named, not "cut"

    std::vector<FakeRecord> srv;
    for (int i = 0; i < 40; ++i) {
        srv.push_back(FakeRecord::srv("s.example.com", static_cast<std::uint16_t>(i), 0, 465, "h.example.com"));
    }
    result = parse(build_dns_response("s.example.com", test::k_type_srv, srv), "s.example.com", RecordType::srv);
    CHECK(result.srv.size() == k_max_records_per_answer);
    CHECK(result.records_cut == 40 - k_max_records_per_answer);

    // Descriptions are capped as well; the count is not.
    std::vector<FakeRecord> many_bad(20, bad);
    many_bad.push_back(FakeRecord::a("big.example.com", "192.0.2.1"));
    result = parse(build_dns_response("big.example.com", test::k_type_a, many_bad), "big.example.com", RecordType::a);
    CHECK(result.status == LookupStatus::answer);
    CHECK(result.dropped_records.size() == relaymetry::dns::k_max_dropped_descriptions);
    CHECK(result.dropped_count == 20);
    CHECK(result.records_cut == 0);
}
