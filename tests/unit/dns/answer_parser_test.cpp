// parse_answer on messages built by the fake DNS server's builder (tests/support), never by c-ares.
#include <random>
#include <span>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "relaymetry/dns/answer_parser.hpp"
#include "support/fake_dns.hpp"

using relaymetry::LookupResult;
using relaymetry::LookupStatus;
using relaymetry::RecordType;
using relaymetry::dns::k_max_addresses_per_family;
using relaymetry::dns::k_max_records_per_answer;
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
