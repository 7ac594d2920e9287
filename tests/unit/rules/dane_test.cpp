// dnssec.* and dane.* (and submission.srv-unsigned-outside) on hand-made facts: each test breaks one
// thing of a signed domain with matching TLSA records, and checks that exactly its rule answers.
#include <catch2/catch.hpp>

#include "facts_fixture.hpp"
#include "relaymetry/rules/rules.hpp"

using namespace relaymetry;
using fixture::count;
using fixture::dane_domain;
using fixture::good_domain;
using fixture::mx_dane;

namespace {

std::vector<std::string> ids(const DomainFacts& facts) {
    std::vector<std::string> out;
    for (const auto& finding : rules::evaluate(facts, {})) {
        out.push_back(finding.id);
    }
    return out;
}

DaneFacts& dane(DomainFacts& facts, std::size_t endpoint) {
    return *facts.submission->endpoints.at(endpoint).dane;
}

void unmatch(DaneFacts& dane) {
    for (auto& check : dane.addresses) {
        check.matches.clear();
    }
}

}  // namespace

TEST_CASE("dane: a signed domain with matching DANE-EE records for this key and the next has no finding") {
    CHECK(ids(dane_domain()).empty());
}

TEST_CASE("dane.tlsa-mismatch: the fix gives the 3 1 1 record of the served key") {
    auto facts = dane_domain();
    unmatch(dane(facts, 0));
    const auto findings = rules::evaluate(facts, {});
    REQUIRE(count(findings, "dane.tlsa-mismatch") == 2);  // both addresses of the 465 endpoint
    CHECK(findings.size() == 2);
    const auto& finding = findings.front();
    CHECK(finding.target == Target::at_address("mail.example.com", 465, "192.0.2.10"));
    CHECK(finding.message.find("_465._tcp.mail.example.com") != std::string::npos);
    CHECK(finding.message.find(fixture::k_leaf_spki_sha256) != std::string::npos);
    CHECK(finding.fix.find("_465._tcp.mail.example.com. IN TLSA 3 1 1 " + fixture::k_leaf_spki_sha256) !=
          std::string::npos);
}

TEST_CASE("dane.tlsa-mismatch: an address that served no chain is not judged") {
    auto facts = dane_domain();
    unmatch(dane(facts, 0));
    for (auto& check : dane(facts, 0).addresses) {
        check.chain_seen = false;
    }
    CHECK(count(rules::evaluate(facts, {}), "dane.tlsa-mismatch") == 0);
}

TEST_CASE("dane.ta-not-in-chain: only DANE-TA records, and none matches what was sent") {
    auto facts = dane_domain();
    auto& records = dane(facts, 1);
    records.records = {TlsaRecord{2, 1, 1, fixture::bytes(32, 0xcc)}};
    records.problems = {TlsaProblem::none};
    unmatch(records);
    CHECK(ids(facts) == std::vector<std::string>{"dane.ta-not-in-chain", "dane.ta-not-in-chain"});
}

TEST_CASE("dane.no-rollover-key: one DANE-EE record, matching; a DANE-TA record would carry a key change") {
    auto facts = dane_domain();
    for (std::size_t i = 0; i < 2; ++i) {
        dane(facts, i).records.pop_back();
        dane(facts, i).problems.pop_back();
    }
    CHECK(ids(facts) == std::vector<std::string>{"dane.no-rollover-key", "dane.no-rollover-key"});
    for (std::size_t i = 0; i < 2; ++i) {
        dane(facts, i).records.push_back(TlsaRecord{2, 1, 1, fixture::bytes(32, 0xcc)});
        dane(facts, i).problems.push_back(TlsaProblem::none);
    }
    CHECK(ids(facts).empty());
}

TEST_CASE("dane.no-rollover-key: not beside a mismatch, which is the finding that matters") {
    auto facts = dane_domain();
    dane(facts, 0).records.pop_back();
    dane(facts, 0).problems.pop_back();
    unmatch(dane(facts, 0));
    CHECK(ids(facts) == std::vector<std::string>{"dane.tlsa-mismatch", "dane.tlsa-mismatch"});
}

TEST_CASE("dane.tlsa-invalid and dane.tlsa-unusable: judged by the records' problems") {
    auto facts = dane_domain();
    dane(facts, 0).records.push_back(TlsaRecord{3, 1, 1, fixture::bytes(20, 0x01)});
    dane(facts, 0).problems.push_back(TlsaProblem::wrong_length);
    dane(facts, 1).records.push_back(TlsaRecord{3, 7, 1, fixture::bytes(32, 0x01)});
    dane(facts, 1).problems.push_back(TlsaProblem::unknown_selector);
    const auto findings = rules::evaluate(facts, {});
    CHECK(ids(facts) == std::vector<std::string>{"dane.tlsa-invalid", "dane.tlsa-unusable"});
    CHECK(fixture::find(findings, "dane.tlsa-invalid")->message.find("3 1 1 0101") != std::string::npos);
    CHECK(fixture::find(findings, "dane.tlsa-unusable")->message.find("the other records still apply") !=
          std::string::npos);
}

TEST_CASE("dane.tlsa-unusable: PKIX usages at an MX leave no usable record, and no mismatch is claimed") {
    auto facts = good_domain();
    facts.mx->dane.push_back(
        mx_dane({TlsaRecord{1, 1, 1, fixture::bytes(32, 0xaa)}}, {TlsaProblem::pkix_usage_for_mx}));
    const auto findings = rules::evaluate(facts, {});
    CHECK(ids(facts) == std::vector<std::string>{"dane.tlsa-unusable"});
    CHECK(findings.front().message.find("RFC 7672 §3.1.3") != std::string::npos);
    CHECK(findings.front().message.find("no usable record is left") != std::string::npos);
}

TEST_CASE("dane.insecure-tlsa: records in an unsigned zone protect nothing, and nothing else is judged") {
    auto facts = dane_domain();
    dane(facts, 0).dnssec = DnssecStatus::insecure;
    unmatch(dane(facts, 0));
    CHECK(ids(facts) == std::vector<std::string>{"dane.insecure-tlsa"});
    facts = dane_domain();
    facts.submission->endpoints[1].resolution.dnssec = DnssecStatus::insecure;  // RFC 7673 §3: the addresses too
    CHECK(ids(facts) == std::vector<std::string>{"dane.insecure-tlsa"});
}

TEST_CASE("dane.mta-sts-conflict: an MX whose TLSA lookup is bogus, while the policy enforces") {
    auto facts = good_domain();
    auto bogus = mx_dane({}, {});
    bogus.status = LookupStatus::servfail;
    bogus.dnssec = DnssecStatus::bogus;
    facts.mx->dane.push_back(bogus);
    auto failure = fixture::failure(bogus.name, RecordType::tlsa);
    failure.dnssec = DnssecStatus::bogus;
    failure.extended_error = ExtendedDnsError{7, "signatures expired"};
    facts.mx->lookup_failures.push_back(failure);
    const auto findings = rules::evaluate(facts, {});
    CHECK(ids(facts) == std::vector<std::string>{"dnssec.bogus", "dane.mta-sts-conflict"});
    CHECK(fixture::find(findings, "dnssec.bogus")->message.find("extended DNS error 7, Signature Expired") !=
          std::string::npos);
    facts.mta_sts->policy->parse->mode = StsMode::testing;
    CHECK(count(rules::evaluate(facts, {}), "dane.mta-sts-conflict") == 0);
}

TEST_CASE("dnssec.bogus replaces dns.lookup-failed, once per lookup, only through a validating resolver") {
    auto facts = good_domain();
    auto failure = fixture::failure("_mta-sts.example.com", RecordType::txt);
    failure.dnssec = DnssecStatus::bogus;
    facts.mta_sts->lookup_failures.push_back(failure);
    facts.tls_rpt->lookup_failures.push_back(failure);  // the same lookup seen by two areas
    facts.mta_sts->txt->status = TxtStatus::lookup_failed;
    CHECK(ids(facts) == std::vector<std::string>{"dnssec.bogus"});
    facts.dns.resolver_validates = false;
    CHECK(ids(facts) ==
          std::vector<std::string>{"dns.lookup-failed", "dns.lookup-failed", "dnssec.resolver-not-validating"});
}

TEST_CASE("dnssec.unsigned: the domain's zone answers without AD through a validating resolver") {
    auto facts = good_domain();
    facts.dns.domain_dnssec = DnssecStatus::insecure;
    CHECK(ids(facts) == std::vector<std::string>{"dnssec.unsigned"});
    facts.dns.domain_dnssec = DnssecStatus::indeterminate;
    CHECK(ids(facts).empty());
}

TEST_CASE("dnssec.resolver-not-validating: one notice, and no DNSSEC or DANE verdict") {
    auto facts = dane_domain();
    unmatch(dane(facts, 0));
    facts.dns.resolver_validates = false;
    facts.dns.domain_dnssec = DnssecStatus::insecure;  // what a non-validating resolver's answers look like
    const auto findings = rules::evaluate(facts, {});
    CHECK(ids(facts) == std::vector<std::string>{"dnssec.resolver-not-validating"});
    CHECK(findings.front().fix.find("unbound") != std::string::npos);
    facts.dns.resolver_validates.reset();  // unknown: the root lookup failed; no claim either way
    CHECK(ids(facts).empty());
}

TEST_CASE("submission.srv-unsigned-outside: insecure SRV records naming a host outside the domain") {
    auto facts = good_domain();
    facts.dns.domain_dnssec = DnssecStatus::insecure;
    for (auto& endpoint : facts.submission->endpoints) {
        endpoint.srv_dnssec = DnssecStatus::insecure;
        endpoint.host = "mail.provider.example";
    }
    const auto findings = rules::evaluate(facts, {});
    CHECK(ids(facts) == std::vector<std::string>{"submission.srv-unsigned-outside", "dnssec.unsigned"});
    CHECK(findings.front().message.find("mail.provider.example") != std::string::npos);
    for (auto& endpoint : facts.submission->endpoints) {
        endpoint.host = "mail.EXAMPLE.com";  // inside, whatever the case
    }
    CHECK(ids(facts) == std::vector<std::string>{"dnssec.unsigned"});
}
