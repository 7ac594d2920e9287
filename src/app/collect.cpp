#include "relaymetry/app/collect.hpp"

#include <algorithm>
#include <utility>

#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "relaymetry/app/probe_budget.hpp"
#include "relaymetry/dns/answer_parser.hpp"
#include "relaymetry/dns/discovery.hpp"
#include "relaymetry/io/gather.hpp"
#include "relaymetry/policy/dane.hpp"
#include "relaymetry/policy/mta_sts_policy.hpp"
#include "relaymetry/policy/mta_sts_txt.hpp"
#include "relaymetry/policy/tls_rpt.hpp"

namespace relaymetry::app {

namespace asio = boost::asio;

namespace {

// Counts what the resolver did with this domain's lookups (DnsFacts): whether the check could run
// at all is a question about the resolver, which only the sum of every lookup answers.
class ObservedResolver : public dns::Resolver {
public:
    ObservedResolver(std::unique_ptr<dns::Resolver> inner, DnsFacts* facts)
        : m_inner(std::move(inner)), m_facts(facts) {}

    asio::awaitable<LookupResult> lookup(std::string name, RecordType type) override {
        auto result = co_await m_inner->lookup(std::move(name), type);
        ++m_facts->lookups;
        if (is_resolver_failure(result.status)) {
            ++m_facts->resolver_failures;
        }
        if (result.dnssec == DnssecStatus::secure) {
            m_facts->resolver_validates = true;  // only a validating resolver sets AD
        }
        note_trimmed(result);
        co_return result;
    }

    // Asks the resolver something any working resolver answers at once from its cache, the root's
    // DNSKEY RRset, beside the domain's own lookups. When every lookup of the domain fails, this tells
    // "the resolver does not answer" from "the domain's name servers do not answer"; and a validating
    // resolver answers it with AD (the root is signed), which tells whether its AD bits mean anything.
    asio::awaitable<void> check_liveness() {
        const auto result = co_await m_inner->lookup(".", RecordType::dnskey);
        m_facts->resolver_answered_liveness = !is_resolver_failure(result.status);
        if (result.dnssec == DnssecStatus::secure) {
            m_facts->resolver_validates = true;
        } else if (!is_failure(result.status) && !m_facts->resolver_validates) {
            m_facts->resolver_validates = false;
        }
    }

private:
    // Records dropped or cut off are reported once per (name, type), however often it is asked.
    void note_trimmed(const LookupResult& result) {
        if (result.dropped_count == 0 && result.records_cut == 0) {
            return;
        }
        auto& trimmed = m_facts->trimmed_answers;
        const bool seen = std::any_of(trimmed.begin(), trimmed.end(), [&](const AnswerTrimmed& answer) {
            return answer.name == result.name && answer.type == result.type;
        });
        if (seen) {
            return;
        }
        AnswerTrimmed answer;
        answer.name = result.name;
        answer.type = result.type;
        answer.malformed = result.dropped_records;
        answer.malformed_count = result.dropped_count;
        answer.cut = result.records_cut;
        trimmed.push_back(std::move(answer));
    }

    std::unique_ptr<dns::Resolver> m_inner;
    DnsFacts* m_facts;
};

// Each branch below is one independent chain of dependent steps. They write into the one
// DomainFacts owned by collect(), which outlives them (it awaits them all); single-threaded loop.

// SRV -> target addresses -> every address of every endpoint probed at once.
asio::awaitable<void> submission_branch(DomainFacts* facts, dns::Resolver* resolver, probe::SubmissionProber* prober,
                                        CheckTime time) {
    auto submission = co_await dns::discover_submission(*resolver, facts->domain);
    CapReached cap;
    cap.limit = "address probes per domain (submission): " + std::to_string(k_max_submission_probes);
    std::vector<asio::awaitable<std::vector<AddressProbe>>> probes;
    for (auto& endpoint : within_budget(submission.endpoints, k_max_submission_probes, cap)) {
        probes.push_back(prober->probe(std::move(endpoint), time));
    }
    if (cap.left_out > 0) {
        submission.caps.push_back(std::move(cap));
    }
    auto results = co_await io::gather(std::move(probes));
    for (std::size_t i = 0; i < results.size(); ++i) {
        auto& endpoint = submission.endpoints[i];
        endpoint.addresses = std::move(results[i]);
        if (endpoint.dane) {
            policy::judge_dane(*endpoint.dane, endpoint.addresses);
        }
    }
    facts->submission = std::move(submission);
}

// MX -> host addresses (∥ TLSA) -> with --mx-probe, every address of the first MX hosts probed on
// port 25 at once, through the same prober (and run-wide cache) as submission. Each host's TLSA
// records are matched against what its addresses served (none without --mx-probe).
asio::awaitable<void> mx_branch(DomainFacts* facts, dns::Resolver* resolver, probe::SubmissionProber* prober,
                                Port25Egress* egress, CheckTime time) {
    facts->mx = co_await dns::discover_mx(*resolver, facts->domain);
    auto& mx = *facts->mx;
    if (egress != nullptr && !mx.null_mx) {
        mx.probed = true;
        CapReached hosts_cap;
        hosts_cap.limit = "MX hosts probed: " + std::to_string(k_max_probed_mx_hosts);
        for (const auto& host : mx.hosts) {
            if (mx.probes.size() == k_max_probed_mx_hosts) {
                leave_out(hosts_cap, host.host);
                continue;
            }
            Endpoint endpoint;
            endpoint.host = host.host;
            endpoint.port = k_smtp_port;
            endpoint.security = Security::starttls;
            endpoint.srv_dnssec = mx.dnssec;
            endpoint.resolution = host;
            mx.probes.push_back(std::move(endpoint));
        }
        CapReached probes_cap;
        probes_cap.limit = "address probes per domain (port 25): " + std::to_string(k_max_mx_probes);
        std::vector<asio::awaitable<std::vector<AddressProbe>>> probes;
        for (auto& endpoint : within_budget(mx.probes, k_max_mx_probes, probes_cap)) {
            probes.push_back(prober->probe(std::move(endpoint), time));
        }
        for (auto* cap : {&hosts_cap, &probes_cap}) {
            if (cap->left_out > 0) {
                mx.caps.push_back(std::move(*cap));
            }
        }
        auto results = co_await io::gather(std::move(probes));
        for (std::size_t i = 0; i < results.size(); ++i) {
            mx.probes[i].addresses = std::move(results[i]);
            egress->record(mx.probes[i].host, mx.probes[i].addresses);
        }
        mx.egress_blocked = egress->blocked();
        if (mx.egress_blocked) {
            for (auto& endpoint : mx.probes) {
                mark_egress_blocked(endpoint.addresses, *mx.egress_blocked);
            }
        }
    }
    for (auto& dane : mx.dane) {
        const auto probed = std::find_if(mx.probes.begin(), mx.probes.end(),
                                         [&](const Endpoint& endpoint) { return endpoint.host == dane.host; });
        policy::judge_dane(dane, probed == mx.probes.end() ? std::vector<AddressProbe>{} : probed->addresses);
    }
}

void note_failure(std::vector<LookupFailure>& failures, const LookupResult& result) {
    if (is_failure(result.status)) {
        failures.push_back(
            {result.name, result.type, result.status, result.error, result.dnssec, result.extended_error});
    }
}

// The two MTA-STS chains run concurrently; each keeps its own failures, merged in a fixed order
// (TXT first) once both are done, so the report does not depend on which answer came first.
struct MtaStsBranches {
    MtaStsFacts facts;
    std::vector<LookupFailure> txt_failures;
    std::vector<LookupFailure> policy_failures;
};

asio::awaitable<void> mta_sts_txt_branch(MtaStsBranches* mta_sts, dns::Resolver* resolver, std::string domain) {
    auto txt = co_await dns::lookup_txt(*resolver, "_mta-sts." + domain);
    note_failure(mta_sts->txt_failures, txt);
    mta_sts->facts.txt = policy::mta_sts_txt_facts(txt.status, txt.txt);
    mta_sts->facts.txt->dnssec = txt.dnssec;
}

// RFC 8461 §3.3: the policy host is resolved and fetched without waiting for the TXT record, so
// that a policy without a TXT can be told and the fetch adds no round trip to the check. The body
// is parsed whatever the certificate: the report shows what the admin is about to publish.
asio::awaitable<void> mta_sts_policy_branch(MtaStsBranches* mta_sts, dns::Resolver* resolver,
                                            probe::PolicyFetcher* fetcher, std::string domain, CheckTime time) {
    const std::string host = "mta-sts." + domain;
    auto resolution = co_await dns::resolve_host(*resolver, host);
    mta_sts->policy_failures = std::move(resolution.failures);
    auto fetched = co_await fetcher->fetch(host, std::move(resolution.host), time);
    if (fetched.status == PolicyFetchStatus::fetched && fetched.body) {
        fetched.parse = policy::parse_mta_sts_policy(*fetched.body);
    }
    mta_sts->facts.policy = std::move(fetched);
}

asio::awaitable<void> tls_rpt_branch(DomainFacts* facts, dns::Resolver* resolver) {
    auto txt = co_await dns::lookup_txt(*resolver, "_smtp._tls." + facts->domain);
    auto tls_rpt = policy::tls_rpt_facts(txt.status, txt.txt);
    tls_rpt.dnssec = txt.dnssec;
    note_failure(tls_rpt.lookup_failures, txt);
    facts->tls_rpt = std::move(tls_rpt);
}

// The DNSSEC status of the domain's zone, from the first lookup at the domain itself that says: the
// MX lookup, else the SRV lookups.
DnssecStatus domain_dnssec(const DomainFacts& facts) {
    if (facts.mx && facts.mx->dnssec != DnssecStatus::indeterminate) {
        return facts.mx->dnssec;
    }
    return facts.submission ? facts.submission->srv_dnssec : DnssecStatus::indeterminate;
}

std::vector<std::string> mx_record_hosts(const MxFacts& mx) {
    std::vector<std::string> hosts;
    for (const auto& record : mx.records) {
        hosts.push_back(record.host);
    }
    return hosts;
}

// RFC 8461 §4.1: which MX hosts the policy's patterns cover. Needs both chains' results.
void derive_mx_coverage(DomainFacts& facts) {
    if (!facts.mta_sts || !facts.mta_sts->policy || !facts.mta_sts->policy->parse || !facts.mx || facts.mx->null_mx) {
        return;
    }
    const auto hosts = mx_record_hosts(*facts.mx);
    if (!hosts.empty()) {
        const auto& patterns = facts.mta_sts->policy->parse->mx;
        facts.mta_sts->mx_coverage = policy::mx_coverage(patterns, hosts);
        facts.mta_sts->unused_mx_patterns = policy::unused_mx_patterns(patterns, hosts);
    }
}

// --state: the MX hosts against the patterns of the policy the previous run fetched, which senders that
// fetched it then still apply (drift.mx-changed-under-cached-policy).
void derive_cached_coverage(DomainFacts& facts) {
    if (!facts.previous || !facts.previous->policy || !facts.mta_sts || !facts.mx || facts.mx->null_mx) {
        return;
    }
    const auto hosts = mx_record_hosts(*facts.mx);
    facts.mta_sts->cached_coverage = policy::mx_coverage(facts.previous->policy->mx, hosts);
}

}  // namespace

asio::awaitable<DomainFacts> collect(std::string domain, std::shared_ptr<const CollectSettings> settings,
                                     std::optional<DomainSnapshot> previous) {
    DomainFacts facts;
    facts.domain = std::move(domain);
    facts.previous = std::move(previous);
    facts.started_at = settings->clock();
    facts.dns.resolvers = settings->resolvers->servers();
    const auto started = std::chrono::steady_clock::now();
    const CheckTime time{started + settings->timeout, facts.started_at};

    ObservedResolver resolver(settings->resolvers->make(co_await asio::this_coro::executor, time.deadline), &facts.dns);
    const Areas& areas = settings->areas;
    // The MX records decide whether the domain takes mail at all (RFC 7505), which the MTA-STS and
    // TLS-RPT judgements need; they are looked up whenever one of those areas is checked.
    const bool need_mx = areas.mx || areas.mta_sts || areas.tls_rpt;

    MtaStsBranches mta_sts;
    std::vector<asio::awaitable<void>> branches;
    branches.push_back(resolver.check_liveness());
    if (areas.submission) {
        branches.push_back(submission_branch(&facts, &resolver, settings->prober.get(), time));
    }
    if (need_mx) {
        Port25Egress* egress = settings->mx_probe ? settings->egress.get() : nullptr;
        branches.push_back(mx_branch(&facts, &resolver, settings->prober.get(), egress, time));
    }
    if (areas.mta_sts) {
        branches.push_back(mta_sts_txt_branch(&mta_sts, &resolver, facts.domain));
        branches.push_back(mta_sts_policy_branch(&mta_sts, &resolver, settings->fetcher.get(), facts.domain, time));
    }
    if (areas.tls_rpt) {
        branches.push_back(tls_rpt_branch(&facts, &resolver));
    }
    co_await io::gather(std::move(branches));

    if (areas.mta_sts) {
        mta_sts.facts.lookup_failures = std::move(mta_sts.txt_failures);
        mta_sts.facts.lookup_failures.insert(mta_sts.facts.lookup_failures.end(), mta_sts.policy_failures.begin(),
                                             mta_sts.policy_failures.end());
        facts.mta_sts = std::move(mta_sts.facts);
    }
    derive_mx_coverage(facts);
    derive_cached_coverage(facts);
    facts.dns.domain_dnssec = domain_dnssec(facts);
    facts.duration = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
    co_return facts;
}

}  // namespace relaymetry::app
