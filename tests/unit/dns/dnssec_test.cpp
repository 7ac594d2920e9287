// DNSSEC through the real c-ares resolver against the fake DNS server playing a validating resolver:
// the AD bit, bogus told by a second query with CD, extended DNS errors, TLSA records, and the query
// bits relaymetry sends (RFC 4035 §3.2, RFC 6840 §5.7, RFC 8914, RFC 6698).
#include <algorithm>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "dns_test_util.hpp"
#include "relaymetry/dns/answer_parser.hpp"
#include "relaymetry/dns/discovery.hpp"
#include "relaymetry/dns/query.hpp"

namespace asio = boost::asio;
using namespace relaymetry;
using test::FakeDns;
using test::FakeDnssec;
using test::FakeRecord;

namespace {

LookupResult lookup(FakeDns& server, std::string name, RecordType type) {
    asio::io_context io;
    auto resolver = test::resolver_for(io, server);
    return test::run_to_completion(io, resolver->lookup(std::move(name), type));
}

const std::string k_spki(64, 'a');

}  // namespace

TEST_CASE("dnssec: every query asks with RD, AD and DO, and a payload of 1232") {
    FakeDns server;
    server.add(FakeRecord::a("mail.example.com", "192.0.2.1"));
    lookup(server, "mail.example.com", RecordType::a);
    const auto queries = server.queries();
    REQUIRE(queries.size() == 1);
    CHECK(queries[0].authentic_data);
    CHECK(queries[0].dnssec_ok);
    CHECK_FALSE(queries[0].checking_disabled);
    CHECK(queries[0].edns_payload == 1232);
}

TEST_CASE("dnssec: AD gives secure, its absence insecure, for answers, NODATA and NXDOMAIN alike") {
    FakeDns server;
    server.add(FakeRecord::a("mail.example.com", "192.0.2.1"));
    server.add(FakeRecord::a("mail.unsigned.example", "192.0.2.2"));
    server.set_dnssec("unsigned.example", FakeDnssec::insecure);
    CHECK(lookup(server, "mail.example.com", RecordType::a).dnssec == DnssecStatus::secure);
    CHECK(lookup(server, "mail.example.com", RecordType::txt).dnssec == DnssecStatus::secure);   // NODATA
    CHECK(lookup(server, "nothing.example.com", RecordType::a).dnssec == DnssecStatus::secure);  // NXDOMAIN
    CHECK(lookup(server, "mail.unsigned.example", RecordType::a).dnssec == DnssecStatus::insecure);
    server.set_validating(false);
    CHECK(lookup(server, "mail.example.com", RecordType::a).dnssec == DnssecStatus::insecure);
}

TEST_CASE("dnssec: SERVFAIL that answers with CD is bogus, with the resolver's extended error") {
    FakeDns server;
    server.add(FakeRecord::a("mail.broken.example", "192.0.2.3"));
    server.set_dnssec("broken.example", FakeDnssec::bogus);
    const auto result = lookup(server, "mail.broken.example", RecordType::a);
    CHECK(result.status == LookupStatus::servfail);
    CHECK(result.dnssec == DnssecStatus::bogus);
    CHECK(result.addresses.empty());  // the unvalidated answer is not used
    REQUIRE(result.extended_error);
    CHECK(result.extended_error->code == 7);
    CHECK(result.extended_error->text == "signature expired for mail.broken.example");
    CHECK(extended_error_name(result.extended_error->code) == "Signature Expired");
    CHECK(result.error.find("DNSSEC-bogus") != std::string::npos);
    const auto queries = server.queries();
    REQUIRE(queries.size() == 2);
    CHECK(queries[1].checking_disabled);
}

TEST_CASE("dnssec: TLSA records come parsed, every field as published") {
    FakeDns server;
    server.add(FakeRecord::tlsa("_465._tcp.mail.example.com", 3, 1, 1, k_spki));
    server.add(FakeRecord::tlsa("_465._tcp.mail.example.com", 2, 0, 2, std::string(128, 'b')));
    server.add(FakeRecord::tlsa("_465._tcp.mail.example.com", 7, 9, 5, "0102"));
    const auto result = lookup(server, "_465._tcp.mail.example.com", RecordType::tlsa);
    REQUIRE(result.status == LookupStatus::answer);
    CHECK(result.dnssec == DnssecStatus::secure);
    REQUIRE(result.tlsa.size() == 3);
    CHECK(presentation(result.tlsa[0]) == "3 1 1 " + k_spki);
    CHECK(presentation(result.tlsa[1]) == "2 0 2 " + std::string(128, 'b'));
    CHECK(presentation(result.tlsa[2]) == "7 9 5 0102");
    CHECK(lookup(server, "_587._tcp.mail.example.com", RecordType::tlsa).status == LookupStatus::nxdomain);
}

TEST_CASE("dnssec: a TLSA record shorter than its three fixed fields makes the answer malformed") {
    FakeRecord record = FakeRecord::tlsa("_25._tcp.mx.example.com", 3, 1, 1, "");
    record.raw.resize(2);
    const auto response = test::build_dns_response("_25._tcp.mx.example.com", test::k_type_tlsa, {record});
    const auto* bytes = reinterpret_cast<const unsigned char*>(response.data());
    const auto result = dns::parse_answer({bytes, response.size()}, "_25._tcp.mx.example.com", RecordType::tlsa);
    CHECK(result.status == LookupStatus::malformed);
    CHECK(result.tlsa.empty());
}

TEST_CASE("dnssec: query names that cannot be encoded are refused before anything is sent") {
    CHECK_FALSE(dns::build_query("a..example.com", RecordType::a, false));
    CHECK_FALSE(dns::build_query(std::string(64, 'x') + ".example.com", RecordType::a, false));
    const std::string label(63, 'x');
    CHECK_FALSE(dns::build_query(label + "." + label + "." + label + "." + label, RecordType::a, false));  // 257 bytes
    CHECK(dns::build_query(label + "." + label + "." + label + "." + std::string(61, 'x'), RecordType::a, false));
    const auto root = dns::build_query(".", RecordType::dnskey, true);
    REQUIRE(root);
    CHECK(root->size() == 12 + 1 + 4 + 11);  // header, the root name, type and class, the OPT record
    CHECK(((*root)[3] & 0x30) == 0x30);      // AD and CD
}

TEST_CASE("dnssec: TLSA is looked up beside the SRV target's addresses, only behind a secure SRV RRset") {
    FakeDns server;
    server.add(FakeRecord::srv("_submissions._tcp.example.com", 0, 1, 465, "mail.example.com"));
    server.add(FakeRecord::srv("_submission._tcp.example.com", 0, 1, 587, "mail.example.com"));
    server.add(FakeRecord::a("mail.example.com", "192.0.2.10"));
    server.add(FakeRecord::tlsa("_465._tcp.mail.example.com", 3, 1, 1, k_spki));
    asio::io_context io;
    auto resolver = test::resolver_for(io, server);
    auto facts = test::run_to_completion(io, dns::discover_submission(*resolver, "example.com"));
    CHECK(facts.srv_dnssec == DnssecStatus::secure);
    REQUIRE(facts.endpoints.size() == 2);
    REQUIRE(facts.endpoints[0].dane);
    CHECK(facts.endpoints[0].dane->name == "_465._tcp.mail.example.com");
    CHECK(facts.endpoints[0].dane->records.size() == 1);
    CHECK(facts.endpoints[0].resolution.dnssec == DnssecStatus::secure);
    REQUIRE(facts.endpoints[1].dane);
    CHECK(facts.endpoints[1].dane->status == LookupStatus::nxdomain);

    server.set_dnssec("example.com", FakeDnssec::insecure);  // RFC 7673 §3: then TLSA does not count
    asio::io_context io2;
    auto unsigned_resolver = test::resolver_for(io2, server);
    auto insecure = test::run_to_completion(io2, dns::discover_submission(*unsigned_resolver, "example.com"));
    CHECK(insecure.srv_dnssec == DnssecStatus::insecure);
    CHECK_FALSE(insecure.endpoints.at(0).dane);
    CHECK(server.query_count("_465._tcp.mail.example.com", test::k_type_tlsa) == 1);  // the first run only
}

TEST_CASE("dnssec: TLSA of every MX host at port 25 behind a secure MX RRset; bogus ones are lookup failures") {
    FakeDns server;
    server.add(FakeRecord::mx("example.com", 10, "mx1.example.com"));
    server.add(FakeRecord::mx("example.com", 20, "mx2.broken.example"));
    server.add(FakeRecord::a("mx1.example.com", "192.0.2.25"));
    server.add(FakeRecord::tlsa("_25._tcp.mx1.example.com", 3, 1, 1, k_spki));
    server.set_dnssec("broken.example", FakeDnssec::bogus);
    asio::io_context io;
    auto resolver = test::resolver_for(io, server);
    auto facts = test::run_to_completion(io, dns::discover_mx(*resolver, "example.com"));
    CHECK(facts.dnssec == DnssecStatus::secure);
    REQUIRE(facts.dane.size() == 2);
    CHECK(facts.dane[0].name == "_25._tcp.mx1.example.com");
    CHECK(facts.dane[0].records.size() == 1);
    CHECK(facts.dane[1].dnssec == DnssecStatus::bogus);
    const auto bogus =
        std::count_if(facts.lookup_failures.begin(), facts.lookup_failures.end(),
                      [](const LookupFailure& failure) { return failure.dnssec == DnssecStatus::bogus; });
    CHECK(bogus == 3);  // A and AAAA of mx2, and its TLSA
}
