// drift.* and rules::snapshot on hand-made facts: the previous run is the good domain's own snapshot,
// each test changes one thing since, and checks which rules answer.
#include <catch2/catch.hpp>

#include "facts_fixture.hpp"
#include "relaymetry/rules/rules.hpp"

using namespace relaymetry;
using fixture::count;
using fixture::find;

namespace {

const std::string k_old_digest(64, '1');
const std::string k_new_digest(64, '2');

// The good domain, its policy served with a known digest and its keys known.
DomainFacts current() {
    auto facts = fixture::good_domain();
    facts.mta_sts->policy->body_sha256 = k_old_digest;
    for (auto& endpoint : facts.submission->endpoints) {
        for (auto& probe : endpoint.addresses) {
            probe.tls->certificate->leaf.spki_sha256 = std::string(64, 'a');
        }
    }
    return facts;
}

// A check of `facts` whose previous run saw the good domain `days` ago.
DomainFacts with_previous(DomainFacts facts, int days = 1) {
    auto before = current();
    before.started_at -= std::chrono::hours(24 * days);
    facts.previous = rules::snapshot(before);
    return facts;
}

std::vector<std::string> ids(const DomainFacts& facts) {
    return fixture::ids(rules::evaluate(facts, {}));
}

void uncover(DomainFacts& facts, const std::string& host) {
    facts.mta_sts->cached_coverage = {{"mx1.example.com", true, "mx1.example.com"}, {host, false, ""}};
}

}  // namespace

TEST_CASE("drift: nothing changed, nothing to say; a first run has no previous state") {
    CHECK(ids(with_previous(current())).empty());
    CHECK(ids(current()).empty());
}

TEST_CASE("snapshot: what the next run keeps") {
    const auto snapshot = rules::snapshot(current());
    CHECK(snapshot.domain == "example.com");
    CHECK(snapshot.checked_at == fixture::k_now);
    CHECK(snapshot.mx == std::vector<std::string>{"mx1.example.com", "mx2.example.com"});
    CHECK(snapshot.sts_id == "20261128T000000");
    REQUIRE(snapshot.policy);
    CHECK(snapshot.policy->sha256 == k_old_digest);
    CHECK(snapshot.policy->mode == "enforce");
    CHECK(snapshot.policy->max_age == 604800);
    CHECK(snapshot.policy->id == "20261128T000000");
    CHECK(snapshot.policy->fetched_at == fixture::k_now);
    REQUIRE(snapshot.keys);
    CHECK(snapshot.keys->size() == 4);  // two endpoints, two addresses each
    CHECK(snapshot.tls_rpt_txt == std::vector<std::string>{"v=TLSRPTv1; rua=mailto:tls-reports@example.com"});
}

TEST_CASE("snapshot: a failed fetch keeps the cached policy until it expires; an unchecked area keeps its values") {
    auto facts = with_previous(current(), 3);
    facts.mta_sts->policy->status = PolicyFetchStatus::unreachable;
    facts.mta_sts->policy->http_status.reset();
    facts.mta_sts->policy->body_sha256.reset();
    facts.submission.reset();  // --only without submission
    auto snapshot = rules::snapshot(facts);
    REQUIRE(snapshot.policy);
    CHECK(snapshot.policy->fetched_at == fixture::k_now - 3 * fixture::k_day);  // still the old fetch
    REQUIRE(snapshot.keys);
    CHECK(snapshot.keys->size() == 4);

    facts = with_previous(current(), 8);  // max_age is one week: the cache has expired
    facts.mta_sts->policy->status = PolicyFetchStatus::unreachable;
    facts.mta_sts->policy->http_status.reset();
    CHECK_FALSE(rules::snapshot(facts).policy);
}

TEST_CASE("drift.policy-changed-id-unchanged: the body changed under the same id; a new id clears it") {
    auto facts = with_previous(current());
    facts.mta_sts->policy->body_sha256 = k_new_digest;
    facts.mta_sts->policy->parse->mx = {"mx1.example.com", "mx3.example.com"};
    auto findings = rules::evaluate(facts, {});
    REQUIRE(count(findings, "drift.policy-changed-id-unchanged") == 1);
    const auto& finding = *find(findings, "drift.policy-changed-id-unchanged");
    CHECK(finding.severity == Severity::error);
    CHECK(finding.target == Target::record("_mta-sts.example.com"));
    CHECK(finding.message.find("mx added mx3.example.com") != std::string::npos);
    CHECK(finding.message.find("mx removed mx2.example.com") != std::string::npos);
    CHECK(finding.message.find(k_old_digest + " → " + k_new_digest) != std::string::npos);
    CHECK(finding.message.find("2026-12-04") != std::string::npos);  // fetched a day ago + one week

    // The next run still knows the policy senders cache, so the error stays until the id changes.
    CHECK(rules::snapshot(facts).policy->sha256 == k_old_digest);

    facts.mta_sts->txt->parse.id = "20261201T000000";
    facts.mta_sts->txt->records = {"v=STSv1; id=20261201T000000"};
    findings = rules::evaluate(facts, {});
    CHECK(count(findings, "drift.policy-changed-id-unchanged") == 0);
    CHECK(count(findings, "drift.record-changed") == 2);  // the TXT record, and the policy with its new id
    CHECK(rules::snapshot(facts).policy->sha256 == k_new_digest);
}

TEST_CASE("drift.mx-changed-under-cached-policy: a new MX host the cached policy does not cover") {
    auto facts = with_previous(current());
    facts.mx->records = {{10, "mx1.example.com"}, {20, "mx3.example.com"}};
    uncover(facts, "mx3.example.com");
    const auto findings = rules::evaluate(facts, {});
    REQUIRE(count(findings, "drift.mx-changed-under-cached-policy") == 1);
    const auto& finding = *find(findings, "drift.mx-changed-under-cached-policy");
    CHECK(finding.severity == Severity::warning);
    CHECK(finding.message.find("refuse to deliver to mx3.example.com until 2026-12-04") != std::string::npos);
    CHECK(count(findings, "drift.record-changed") == 1);  // the MX set

    auto expired = with_previous(current(), 8);  // senders no longer cache the old policy
    expired.mx->records = facts.mx->records;
    uncover(expired, "mx3.example.com");
    CHECK(count(rules::evaluate(expired, {}), "drift.mx-changed-under-cached-policy") == 0);
}

TEST_CASE("drift.policy-unreachable-cached: the policy host fails now, senders keep the cache until a date") {
    auto facts = with_previous(current(), 2);
    facts.mta_sts->policy->status = PolicyFetchStatus::unreachable;
    facts.mta_sts->policy->error = "connection refused";
    facts.mta_sts->policy->http_status.reset();
    facts.mta_sts->policy->body_sha256.reset();
    facts.mta_sts->policy->parse.reset();
    const auto findings = rules::evaluate(facts, {});
    REQUIRE(count(findings, "drift.policy-unreachable-cached") == 1);
    const auto& finding = *find(findings, "drift.policy-unreachable-cached");
    CHECK(finding.target == Target::host("mta-sts.example.com"));
    CHECK(finding.message.find("until 2026-12-03") != std::string::npos);
    CHECK(finding.message.find("connection refused") != std::string::npos);
}

TEST_CASE("drift.key-changed: an address serves a new key") {
    auto facts = with_previous(current());
    facts.submission->endpoints[0].addresses[0].tls->certificate->leaf.spki_sha256 = std::string(64, 'c');
    const auto findings = rules::evaluate(facts, {});
    REQUIRE(fixture::ids(findings) == std::vector<std::string>{"drift.key-changed"});
    CHECK(findings[0].severity == Severity::notice);
    CHECK(findings[0].target == Target::at_address("mail.example.com", 465, "192.0.2.10"));
    CHECK(findings[0].message.find(std::string(64, 'c')) != std::string::npos);
}

TEST_CASE("drift.record-changed: a TLS-RPT record changed") {
    auto facts = with_previous(current());
    facts.tls_rpt->records = {"v=TLSRPTv1; rua=mailto:other@example.com"};
    const auto findings = rules::evaluate(facts, {});
    REQUIRE(fixture::ids(findings) == std::vector<std::string>{"drift.record-changed"});
    CHECK(findings[0].target == Target::record("_smtp._tls.example.com"));
}

TEST_CASE("drift: other bytes of the same policy under the same id are no error; a failed lookup keeps the keys") {
    auto facts = with_previous(current());
    facts.mta_sts->policy->body_sha256 = k_new_digest;  // e.g. LF instead of CRLF: the same mode, mx, max_age
    CHECK(count(rules::evaluate(facts, {}), "drift.policy-changed-id-unchanged") == 0);

    facts = with_previous(current());
    for (auto& endpoint : facts.submission->endpoints) {
        for (auto& probe : endpoint.addresses) {
            probe.status = ProbeStatus::timeout;
            probe.tls.reset();
        }
    }
    const auto snapshot = rules::snapshot(facts);
    REQUIRE(snapshot.keys);
    CHECK(snapshot.keys->size() == 4);  // not replaced this time: the next run still compares with them
}
