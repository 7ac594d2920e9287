// What the fan-out caps left out is reported: submission.probes-capped, mx.probes-capped,
// dns.record-malformed, dns.answer-capped, tls.chain-too-long (docs/cli.md "Limits").
#include <catch2/catch.hpp>

#include "facts_fixture.hpp"
#include "relaymetry/rules/rules.hpp"

using namespace relaymetry;
using fixture::find;
using fixture::good_domain;
using fixture::ids;

namespace {

Findings evaluate(const DomainFacts& facts) {
    return rules::evaluate(facts, {});
}

CapReached targets_cap(std::size_t left_out) {
    CapReached cap;
    cap.limit = "SRV targets probed per service: 8";
    for (std::size_t i = 0; i < left_out; ++i) {
        leave_out(cap, "mail" + std::to_string(i + 9) + ".example.com:465");
    }
    return cap;
}

}  // namespace

TEST_CASE("leave_out counts everything and names the first five") {
    const auto cap = targets_cap(24);
    CHECK(cap.left_out == 24);
    REQUIRE(cap.examples.size() == k_cap_examples);
    CHECK(cap.examples.front() == "mail9.example.com:465");
}

TEST_CASE("submission.probes-capped names the limit, the count and the first left out") {
    auto facts = good_domain();
    facts.submission->caps.push_back(targets_cap(24));
    const auto findings = evaluate(facts);
    REQUIRE(ids(findings) == std::vector<std::string>{"submission.probes-capped"});
    CHECK(findings[0].severity == Severity::notice);
    CHECK(to_string(findings[0].target) == "example.com");
    const auto& message = findings[0].message;
    CHECK(message.find("SRV targets probed per service: 8; 24 left out: mail9.example.com:465") != std::string::npos);
    CHECK(message.find("(and 19 more)") != std::string::npos);
}

TEST_CASE("mx.probes-capped, one finding per cap") {
    auto facts = good_domain();
    CapReached hosts;
    hosts.limit = "MX hosts probed: 10";
    leave_out(hosts, "mx11.example.com");
    CapReached probes;
    probes.limit = "address probes per domain (port 25): 32";
    leave_out(probes, "192.0.2.99 of mx1.example.com:25");
    facts.mx->caps = {hosts, probes};
    const auto findings = evaluate(facts);
    REQUIRE(ids(findings) == std::vector<std::string>{"mx.probes-capped", "mx.probes-capped"});
    CHECK(findings[0].message.find("MX hosts probed: 10; 1 left out: mx11.example.com") != std::string::npos);
    CHECK(findings[0].message.find("more)") == std::string::npos);
    CHECK(findings[1].message.find("192.0.2.99 of mx1.example.com:25") != std::string::npos);
}

TEST_CASE("dns.record-malformed and dns.answer-capped, from the trimmed answers") {
    auto facts = good_domain();
    AnswerTrimmed dropped;
    dropped.name = "_submissions._tcp.example.com";
    dropped.type = RecordType::srv;
    dropped.malformed = {"SRV record 2: target name has a control character"};
    dropped.malformed_count = 3;
    AnswerTrimmed cut;
    cut.name = "mail.example.com";
    cut.type = RecordType::a;
    cut.cut = 4;
    facts.dns.trimmed_answers = {dropped, cut};
    const auto findings = evaluate(facts);
    REQUIRE(ids(findings) == std::vector<std::string>{"dns.record-malformed", "dns.answer-capped"});
    CHECK(findings[0].severity == Severity::warning);
    CHECK(to_string(findings[0].target) == "_submissions._tcp.example.com");
    CHECK(findings[0].message.find("held 3 records that do not parse (SRV record 2: target name has a control "
                                   "character; and 2 more)") != std::string::npos);
    CHECK(findings[1].message.find("held 4 more records than relaymetry reads (8 addresses per host and family") !=
          std::string::npos);
}

TEST_CASE("tls.chain-too-long: more than ten certificates sent, at every TLS subject") {
    auto facts = good_domain();
    facts.submission->endpoints[0].addresses[0].tls->certificate->certificates_sent = 100;
    facts.mta_sts->policy->tls->certificate->certificates_sent = 11;
    auto findings = evaluate(facts);
    REQUIRE(ids(findings) == std::vector<std::string>{"tls.chain-too-long", "tls.chain-too-long"});
    CHECK(to_string(findings[0].target) == "mail.example.com:465 [192.0.2.10]");
    CHECK(findings[0].message.find("sent a chain of 100 certificates; relaymetry kept and verified the first 10") !=
          std::string::npos);
    CHECK(to_string(findings[1].target).find("mta-sts.example.com") != std::string::npos);

    facts.mta_sts->policy->tls->certificate->certificates_sent = 10;  // at the cap: fine
    findings = evaluate(facts);
    CHECK(ids(findings) == std::vector<std::string>{"tls.chain-too-long"});
}
