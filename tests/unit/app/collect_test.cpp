// collect() driven through its three seams with in-process fakes (no sockets): a scripted resolver,
// a prober and a fetcher that record what they were asked. What the chains wait for is shown by
// gates: a lookup that is answered only once another chain has reached a step proves that the two
// chains run at once (a sequential collect() would wait for the gate until the deadline).
#include <catch2/catch.hpp>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "relaymetry/app/collect.hpp"
#include "relaymetry/rules/rules.hpp"

namespace {

namespace asio = boost::asio;
using namespace relaymetry;
using namespace std::chrono_literals;
using SteadyClock = std::chrono::steady_clock;

const std::string k_domain = "example.com";
const auto k_now = std::chrono::system_clock::time_point(std::chrono::seconds(1795867200));

// What the fakes saw, in order.
struct Journal {
    std::vector<std::string> events;  // "lookup NAME TYPE", "probe HOST:PORT", "fetch HOST"
    std::vector<CheckTime> times;     // of every probe and fetch
    bool probed = false;
    bool fetched = false;
};

// One scripted answer: a result, or a wait for a gate (a Journal flag) that then answers.
struct Answer {
    LookupResult result;
    const bool* gate = nullptr;  // answered once *gate is true; until the deadline otherwise
    bool silent = false;         // never answered: ends as timeout at the deadline
};

using Script = std::map<std::pair<std::string, RecordType>, Answer>;

LookupResult result(const std::string& name, RecordType type, LookupStatus status) {
    LookupResult r;
    r.name = name;
    r.type = type;
    r.status = status;
    if (is_failure(status)) {
        r.error = "scripted " + std::string(to_string(status));
    }
    return r;
}

class ScriptedResolver : public dns::Resolver {
public:
    ScriptedResolver(const Script* script, Journal* journal, SteadyClock::time_point deadline)
        : m_script(script), m_journal(journal), m_deadline(deadline) {}

    asio::awaitable<LookupResult> lookup(std::string name, RecordType type) override {
        m_journal->events.push_back("lookup " + name + " " + std::string(to_string(type)));
        const auto found = m_script->find({name, type});
        if (found == m_script->end()) {
            co_return result(name, type, LookupStatus::nxdomain);
        }
        const Answer& answer = found->second;
        asio::steady_timer timer(co_await asio::this_coro::executor);
        // Polls the gate every millisecond: the loop runs nothing else that could be starved.
        while ((answer.silent || (answer.gate != nullptr && !*answer.gate)) && SteadyClock::now() < m_deadline) {
            timer.expires_after(1ms);
            boost::system::error_code ignored;
            co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
        }
        if (answer.silent || (answer.gate != nullptr && !*answer.gate)) {
            co_return result(name, type, LookupStatus::timeout);
        }
        co_return answer.result;
    }

private:
    const Script* m_script;
    Journal* m_journal;
    SteadyClock::time_point m_deadline;
};

class ScriptedResolvers : public dns::ResolverFactory {
public:
    ScriptedResolvers(Script script, Journal* journal) : m_script(std::move(script)), m_journal(journal) {}
    std::unique_ptr<dns::Resolver> make(asio::any_io_executor, SteadyClock::time_point deadline) override {
        return std::make_unique<ScriptedResolver>(&m_script, m_journal, deadline);
    }
    std::vector<std::string> servers() const override { return {"192.0.2.53"}; }

private:
    Script m_script;
    Journal* m_journal;
};

// Every address answers "ok" with TLS 1.3.
class RecordingProber : public probe::SubmissionProber {
public:
    explicit RecordingProber(Journal* journal) : m_journal(journal) {}
    asio::awaitable<std::vector<AddressProbe>> probe(Endpoint endpoint, CheckTime time) override {
        m_journal->events.push_back("probe " + endpoint.host + ":" + std::to_string(endpoint.port));
        m_journal->times.push_back(time);
        m_journal->probed = true;
        std::vector<AddressProbe> probes;
        for (const auto& address : endpoint.resolution.addresses) {
            AddressProbe probe;
            probe.address = address;
            probe.status = ProbeStatus::ok;
            probe.tls.emplace();
            probe.tls->version = TlsVersion::tls1_3;
            probes.push_back(std::move(probe));
        }
        co_return probes;
    }

private:
    Journal* m_journal;
};

class RecordingFetcher : public probe::PolicyFetcher {
public:
    RecordingFetcher(Journal* journal, std::string body) : m_journal(journal), m_body(std::move(body)) {}
    asio::awaitable<MtaStsPolicyFacts> fetch(std::string host, HostAddresses resolution, CheckTime time) override {
        m_journal->events.push_back("fetch " + host);
        m_journal->times.push_back(time);
        m_journal->fetched = true;
        MtaStsPolicyFacts facts;
        facts.url = policy_url(host);
        facts.status = PolicyFetchStatus::fetched;
        facts.http_status = 200;
        facts.content_type = "text/plain";
        facts.body = m_body;
        facts.resolution = std::move(resolution);
        co_return facts;
    }

private:
    Journal* m_journal;
    std::string m_body;
};

LookupResult addresses(const std::string& name, RecordType type, std::vector<std::string> list) {
    auto r = result(name, type, LookupStatus::answer);
    r.addresses = std::move(list);
    return r;
}

// A clean domain: SRV for both services to mail.example.com, two MX hosts, MTA-STS and TLS-RPT.
Script clean_script() {
    Script script;
    auto srv465 = result("_submissions._tcp." + k_domain, RecordType::srv, LookupStatus::answer);
    srv465.srv = {{"_submissions._tcp", 0, 1, 465, "mail.example.com"}};
    script[{srv465.name, RecordType::srv}] = {srv465};
    auto srv587 = result("_submission._tcp." + k_domain, RecordType::srv, LookupStatus::answer);
    srv587.srv = {{"_submission._tcp", 0, 1, 587, "mail.example.com"}};
    script[{srv587.name, RecordType::srv}] = {srv587};
    script[{"mail.example.com", RecordType::a}] = {addresses("mail.example.com", RecordType::a, {"192.0.2.10"})};
    script[{"mail.example.com", RecordType::aaaa}] = {
        addresses("mail.example.com", RecordType::aaaa, {"2001:db8::10"})};
    auto mx = result(k_domain, RecordType::mx, LookupStatus::answer);
    mx.mx = {{10, "mx1.example.com"}, {20, "mx2.example.com"}};
    script[{k_domain, RecordType::mx}] = {mx};
    for (const auto* host : {"mx1.example.com", "mx2.example.com"}) {
        script[{host, RecordType::a}] = {addresses(host, RecordType::a, {"192.0.2.25"})};
    }
    auto sts = result("_mta-sts." + k_domain, RecordType::txt, LookupStatus::answer);
    sts.txt = {"v=STSv1; id=20261201"};
    script[{sts.name, RecordType::txt}] = {sts};
    script[{"mta-sts." + k_domain, RecordType::a}] = {addresses("mta-sts." + k_domain, RecordType::a, {"192.0.2.80"})};
    auto rpt = result("_smtp._tls." + k_domain, RecordType::txt, LookupStatus::answer);
    rpt.txt = {"v=TLSRPTv1; rua=mailto:tls@example.com"};
    script[{rpt.name, RecordType::txt}] = {rpt};
    return script;
}

// Every lookup a domain without SRV, MX or policy addresses makes.
std::vector<std::pair<std::string, RecordType>> domain_lookups() {
    return {{"_submissions._tcp." + k_domain, RecordType::srv},
            {"_submission._tcp." + k_domain, RecordType::srv},
            {"smtp." + k_domain, RecordType::a},
            {"smtp." + k_domain, RecordType::aaaa},
            {k_domain, RecordType::mx},
            {"_mta-sts." + k_domain, RecordType::txt},
            {"mta-sts." + k_domain, RecordType::a},
            {"mta-sts." + k_domain, RecordType::aaaa},
            {"_smtp._tls." + k_domain, RecordType::txt}};
}

const std::string k_policy = "version: STSv1\r\nmode: enforce\r\nmx: *.example.com\r\nmax_age: 604800\r\n";

struct World {
    Journal journal;
    std::shared_ptr<app::CollectSettings> settings = std::make_shared<app::CollectSettings>();

    explicit World(Script script, std::chrono::milliseconds timeout = 2000ms) {
        settings->resolvers = std::make_shared<ScriptedResolvers>(std::move(script), &journal);
        settings->prober = std::make_shared<RecordingProber>(&journal);
        settings->fetcher = std::make_shared<RecordingFetcher>(&journal, k_policy);
        settings->timeout = timeout;
        settings->clock = [] { return k_now; };
    }

    DomainFacts collect() {
        asio::io_context io;
        std::optional<DomainFacts> facts;
        std::exception_ptr failure;
        asio::co_spawn(io, app::collect(k_domain, settings), [&](std::exception_ptr error, DomainFacts value) {
            failure = error;
            facts = std::move(value);
        });
        io.run();
        if (failure) {
            std::rethrow_exception(failure);
        }
        REQUIRE(facts.has_value());
        return std::move(*facts);
    }

    std::size_t index_of(const std::string& event) const {
        for (std::size_t i = 0; i < journal.events.size(); ++i) {
            if (journal.events[i] == event) {
                return i;
            }
        }
        FAIL("no event " << event);
        return 0;
    }
};

bool has_finding(const Findings& findings, const std::string& id) {
    return std::any_of(findings.begin(), findings.end(), [&](const Finding& f) { return f.id == id; });
}

}  // namespace

TEST_CASE("collect: every area through the seams, the check's clocks handed to probes and fetches") {
    World world(clean_script());
    const auto facts = world.collect();
    CHECK(facts.started_at == k_now);
    CHECK(facts.dns.resolvers == std::vector<std::string>{"192.0.2.53"});
    // One per lookup the fake saw for the domain; the resolver's liveness question is not one of them.
    const auto lookups = std::count_if(world.journal.events.begin(), world.journal.events.end(),
                                       [](const std::string& event) { return event.rfind("lookup ", 0) == 0; });
    CHECK(lookups == 16);
    world.index_of("lookup . DNSKEY");
    CHECK(facts.dns.lookups == lookups - 1);
    CHECK(facts.dns.resolver_answered_liveness);
    CHECK(facts.dns.resolver_failures == 0);

    REQUIRE(facts.submission);
    CHECK(facts.submission->source == DiscoverySource::srv);
    REQUIRE(facts.submission->endpoints.size() == 2);
    for (const auto& endpoint : facts.submission->endpoints) {
        REQUIRE(endpoint.addresses.size() == 2);  // the prober's answers are stored per endpoint
        CHECK(endpoint.addresses[0].address == "192.0.2.10");
        CHECK(endpoint.addresses[1].address == "2001:db8::10");
    }
    world.index_of("probe mail.example.com:465");
    world.index_of("probe mail.example.com:587");

    REQUIRE(facts.mx);
    CHECK(facts.mx->records.size() == 2);
    REQUIRE(facts.mta_sts);
    CHECK(facts.mta_sts->txt->status == TxtStatus::published);
    REQUIRE(facts.mta_sts->policy);
    CHECK(facts.mta_sts->policy->resolution.addresses == std::vector<std::string>{"192.0.2.80"});
    REQUIRE(facts.mta_sts->policy->parse);  // collect parses what was fetched
    CHECK(facts.mta_sts->policy->parse->valid);
    REQUIRE(facts.mta_sts->mx_coverage.size() == 2);  // derived from both chains
    CHECK(facts.mta_sts->mx_coverage[0].covered);
    REQUIRE(facts.tls_rpt);
    CHECK(facts.tls_rpt->status == TxtStatus::published);

    // Every probe and fetch got this check's "now" and a deadline inside its --timeout.
    REQUIRE(world.journal.times.size() == 3);
    for (const auto& time : world.journal.times) {
        CHECK(time.now == k_now);
        CHECK(time.deadline <= SteadyClock::now() + 2000ms);
        CHECK(time.deadline > SteadyClock::now());
    }
}

TEST_CASE("collect: the policy fetch does not wait for the MTA-STS TXT, nor the probes for MX") {
    auto script = clean_script();
    World world(script);
    // Answered only once the fetch (resp. a probe) has started: a collect() that chained these would
    // reach its deadline instead, and the lookups would end as timeouts.
    Script gated = std::move(script);
    gated[{"_mta-sts." + k_domain, RecordType::txt}].gate = &world.journal.fetched;
    gated[{k_domain, RecordType::mx}].gate = &world.journal.probed;
    world.settings->resolvers = std::make_shared<ScriptedResolvers>(std::move(gated), &world.journal);
    const auto facts = world.collect();
    CHECK(facts.mta_sts->txt->status == TxtStatus::published);
    CHECK(facts.mx->status == LookupStatus::answer);
    CHECK(world.index_of("fetch mta-sts.example.com") < world.journal.events.size());
}

TEST_CASE("collect: a lookup that never answers ends at the deadline; the other areas are complete") {
    auto script = clean_script();
    script[{"_smtp._tls." + k_domain, RecordType::txt}].silent = true;
    World world(std::move(script), 300ms);
    const auto facts = world.collect();
    REQUIRE(facts.tls_rpt);
    REQUIRE(facts.tls_rpt->lookup_failures.size() == 1);
    CHECK(facts.tls_rpt->lookup_failures[0].status == LookupStatus::timeout);
    CHECK(facts.submission->endpoints.size() == 2);
    CHECK(facts.mta_sts->policy->parse->valid);
    CHECK(facts.dns.resolver_failures == 1);
    CHECK_FALSE(resolver_unreachable(facts.dns));
}

TEST_CASE("collect: partial failures stay in their area, and MTA-STS failures come in a fixed order") {
    World world(Script{});
    auto script = clean_script();
    script[{"_submissions._tcp." + k_domain, RecordType::srv}] = {
        result("_submissions._tcp." + k_domain, RecordType::srv, LookupStatus::servfail)};
    // The TXT failure is answered only once the fetch was asked for, after the policy host's
    // failures, yet it is listed first.
    script[{"_mta-sts." + k_domain, RecordType::txt}] = {
        result("_mta-sts." + k_domain, RecordType::txt, LookupStatus::servfail), &world.journal.fetched};
    script[{"mta-sts." + k_domain, RecordType::a}] = {
        result("mta-sts." + k_domain, RecordType::a, LookupStatus::servfail)};
    script[{"mta-sts." + k_domain, RecordType::aaaa}] = {
        result("mta-sts." + k_domain, RecordType::aaaa, LookupStatus::servfail)};
    world.settings->resolvers = std::make_shared<ScriptedResolvers>(std::move(script), &world.journal);

    const auto facts = world.collect();
    REQUIRE(facts.submission->lookup_failures.size() == 1);
    CHECK(facts.submission->lookup_failures[0].type == RecordType::srv);
    CHECK(facts.submission->endpoints.size() == 1);  // 587 from the SRV that answered
    CHECK(facts.tls_rpt->status == TxtStatus::published);
    const auto& failures = facts.mta_sts->lookup_failures;
    REQUIRE(failures.size() == 3);
    CHECK(failures[0].name == "_mta-sts." + k_domain);
    CHECK(failures[1].type == RecordType::a);
    CHECK(failures[2].type == RecordType::aaaa);
    CHECK_FALSE(resolver_unreachable(facts.dns));
}

TEST_CASE("collect: a resolver that answers nothing is one finding about the resolver") {
    Script script;
    auto keys = domain_lookups();
    keys.emplace_back(".", RecordType::dnskey);  // the resolver's liveness question, unanswered too
    for (const auto& [name, type] : keys) {
        script[{name, type}] = {result(name, type, LookupStatus::unreachable)};
    }
    World world(std::move(script));
    auto facts = world.collect();
    CHECK(facts.dns.lookups == 9);
    CHECK(resolver_unreachable(facts.dns));
    rules::settle(facts);
    const auto findings = rules::evaluate(facts, {});
    REQUIRE(findings.size() == 1);
    CHECK(findings[0].id == "dns.resolver-unreachable");
    CHECK(findings[0].target == Target::host("192.0.2.53"));

    SECTION("the domain's own name servers silent, the resolver alive: dns.lookup-failed") {
        Script silent;
        for (const auto& key : domain_lookups()) {
            silent[key].silent = true;
        }
        World other(std::move(silent), 300ms);
        auto silent_facts = other.collect();
        CHECK(silent_facts.dns.resolver_failures == silent_facts.dns.lookups);
        CHECK(silent_facts.dns.resolver_answered_liveness);
        CHECK_FALSE(resolver_unreachable(silent_facts.dns));
        const auto silent_findings = rules::evaluate(silent_facts, {});
        CHECK(has_finding(silent_findings, "dns.lookup-failed"));
        CHECK_FALSE(has_finding(silent_findings, "dns.resolver-unreachable"));
    }
    SECTION("a SERVFAIL of the domain's own zone is an answer: dns.lookup-failed, not the resolver") {
        Script lame;
        lame[{k_domain, RecordType::mx}] = {result(k_domain, RecordType::mx, LookupStatus::servfail)};
        World other(std::move(lame));
        auto lame_facts = other.collect();
        CHECK_FALSE(resolver_unreachable(lame_facts.dns));
        const auto lame_findings = rules::evaluate(lame_facts, {});
        CHECK(has_finding(lame_findings, "dns.lookup-failed"));
        CHECK_FALSE(has_finding(lame_findings, "dns.resolver-unreachable"));
    }
}

TEST_CASE("collect: without --mx-probe no MX host is probed; with it each one is, on port 25, beside the rest") {
    World quiet(clean_script());
    auto facts = quiet.collect();
    REQUIRE(facts.mx);
    CHECK_FALSE(facts.mx->probed);
    CHECK(facts.mx->probes.empty());
    CHECK(std::none_of(quiet.journal.events.begin(), quiet.journal.events.end(),
                       [](const std::string& event) { return event.find(":25") != std::string::npos; }));

    World world(clean_script());
    world.settings->mx_probe = true;
    facts = world.collect();
    REQUIRE(facts.mx);
    CHECK(facts.mx->probed);
    REQUIRE(facts.mx->probes.size() == 2);
    for (const auto& endpoint : facts.mx->probes) {
        CHECK(endpoint.port == 25);
        CHECK(endpoint.security == Security::starttls);
        REQUIRE(endpoint.addresses.size() == 1);
        CHECK(endpoint.addresses[0].address == "192.0.2.25");
    }
    CHECK(facts.mx->probes[0].host == "mx1.example.com");  // preference order
    world.index_of("probe mx1.example.com:25");
    world.index_of("probe mx2.example.com:25");
    CHECK_FALSE(facts.mx->egress_blocked);     // the MX hosts answered
    REQUIRE(world.journal.times.size() == 5);  // two submission endpoints, two MX hosts, one fetch
}

TEST_CASE("collect: --mx-probe probes at most 10 MX hosts, in preference order") {
    auto script = clean_script();
    auto mx = result(k_domain, RecordType::mx, LookupStatus::answer);
    for (int i = 12; i >= 1; --i) {
        const auto host = "mx" + std::to_string(i) + ".example.com";
        mx.mx.push_back({static_cast<std::uint16_t>(i), host});
        script[{host, RecordType::a}] = {addresses(host, RecordType::a, {"192.0.2." + std::to_string(i)})};
    }
    script[{k_domain, RecordType::mx}] = {mx};
    World world(script);
    world.settings->mx_probe = true;
    const auto facts = world.collect();
    REQUIRE(facts.mx->hosts.size() == 12);
    REQUIRE(facts.mx->probes.size() == 10);
    CHECK(facts.mx->probes.front().host == "mx1.example.com");
    CHECK(facts.mx->probes.back().host == "mx10.example.com");
    REQUIRE(facts.mx->caps.size() == 1);
    CHECK(facts.mx->caps[0].limit == "MX hosts probed: 10");
    CHECK(facts.mx->caps[0].left_out == 2);
    CHECK(facts.mx->caps[0].examples == std::vector<std::string>{"mx11.example.com", "mx12.example.com"});
}

// The fan-out case of docs/cli.md "Limits": 32 SRV targets per service, each with 8 addresses.
TEST_CASE("collect: a domain naming 64 servers of 8 addresses each is probed on at most 32 addresses") {
    auto script = clean_script();
    for (const auto& [service, port] : {std::pair{"_submissions._tcp", 465}, std::pair{"_submission._tcp", 587}}) {
        auto srv = result(std::string(service) + "." + k_domain, RecordType::srv, LookupStatus::answer);
        for (int i = 0; i < 32; ++i) {
            const auto host = "s" + std::to_string(i) + ".example.com";
            srv.srv.push_back({service, 0, 1, static_cast<std::uint16_t>(port), host});
            std::vector<std::string> list;
            for (int a = 0; a < 8; ++a) {
                list.push_back("198.51." + std::to_string(i) + "." + std::to_string(a));
            }
            script[{host, RecordType::a}] = {addresses(host, RecordType::a, list)};
        }
        script[{srv.name, RecordType::srv}] = {srv};
    }
    World world(script);
    const auto facts = world.collect();
    const auto& submission = *facts.submission;
    REQUIRE(submission.endpoints.size() == 16);  // 8 targets per service
    std::size_t probed = 0;
    for (const auto& endpoint : submission.endpoints) {
        CHECK(endpoint.resolution.addresses.size() == 8);  // resolved in full, as DNS said
        CHECK(endpoint.addresses.size() == 2);             // 32 probes shared out over 16 endpoints
        probed += endpoint.addresses.size();
    }
    CHECK(probed == k_max_submission_probes);
    // Only the targets kept were resolved: s0-s7 (named by both services), A and AAAA, not s8-s31.
    const auto target_lookups = [](const std::string& event) {
        return event.starts_with("lookup s") && event.size() > 8 && std::isdigit(static_cast<unsigned char>(event[8]));
    };
    CHECK(std::count_if(world.journal.events.begin(), world.journal.events.end(), target_lookups) == 2 * 8);
    REQUIRE(submission.caps.size() == 2);
    CHECK(submission.caps[0].limit == "SRV targets probed per service: 8");
    CHECK(submission.caps[0].left_out == 48);
    CHECK(submission.caps[0].examples.front() == "s16.example.com:465");
    CHECK(submission.caps[1].limit == "address probes per domain (submission): 32");
    CHECK(submission.caps[1].left_out == 16 * 8 - 32);
    const auto findings = rules::evaluate(facts, {});
    CHECK(std::count_if(findings.begin(), findings.end(),
                        [](const Finding& f) { return f.id == "submission.probes-capped"; }) == 2);
}

TEST_CASE("collect: records the parser dropped or cut are facts of the domain, once per name and type") {
    auto script = clean_script();
    auto a = addresses("mail.example.com", RecordType::a, {"192.0.2.10"});
    a.dropped_records = {"A record 2: rdata is 5 bytes, not 4"};
    a.dropped_count = 1;
    a.records_cut = 3;
    script[{"mail.example.com", RecordType::a}] = {a};  // asked for both endpoints' host: one entry
    World world(script);
    const auto facts = world.collect();
    REQUIRE(facts.dns.trimmed_answers.size() == 1);
    const auto& trimmed = facts.dns.trimmed_answers[0];
    CHECK(trimmed.name == "mail.example.com");
    CHECK(trimmed.type == RecordType::a);
    CHECK(trimmed.malformed == a.dropped_records);
    CHECK(trimmed.malformed_count == 1);
    CHECK(trimmed.cut == 3);
    const auto findings = rules::evaluate(facts, {});
    CHECK(has_finding(findings, "dns.record-malformed"));
    CHECK(has_finding(findings, "dns.answer-capped"));
}
