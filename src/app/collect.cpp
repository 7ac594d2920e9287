#include "relaymetry/app/collect.hpp"

#include <utility>

#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "relaymetry/dns/answer_parser.hpp"
#include "relaymetry/dns/discovery.hpp"
#include "relaymetry/io/gather.hpp"
#include "relaymetry/policy/mta_sts_policy.hpp"
#include "relaymetry/policy/mta_sts_txt.hpp"
#include "relaymetry/policy/tls_rpt.hpp"
#include "relaymetry/probe/policy_fetch.hpp"

namespace relaymetry::app {

namespace asio = boost::asio;

namespace {

using Deadline = std::chrono::steady_clock::time_point;

// Each branch below is one independent chain of dependent steps. They write into the one
// DomainFacts owned by collect(), which outlives them (it awaits them all); single-threaded loop.

// SRV -> target addresses -> every address of every endpoint probed at once.
asio::awaitable<void> submission_branch(DomainFacts* facts, dns::Resolver* resolver,
                                        std::shared_ptr<const CollectSettings> settings, Deadline deadline) {
    auto submission = co_await dns::discover_submission(*resolver, facts->domain);
    probe::ProbeOptions options;
    options.tls = settings->tls;
    options.limiter = settings->limiter;
    options.ehlo_name = settings->ehlo_name;
    options.connect_to = settings->connect_to;
    options.deadline = deadline;
    std::vector<asio::awaitable<std::vector<AddressProbe>>> probes;
    for (const auto& endpoint : submission.endpoints) {
        probes.push_back(probe::probe_endpoint(endpoint, options));
    }
    auto results = co_await io::gather(std::move(probes));
    for (std::size_t i = 0; i < results.size(); ++i) {
        submission.endpoints[i].addresses = std::move(results[i]);
    }
    facts->submission = std::move(submission);
}

asio::awaitable<void> mx_branch(DomainFacts* facts, dns::Resolver* resolver) {
    facts->mx = co_await dns::discover_mx(*resolver, facts->domain);
}

void note_failure(std::vector<LookupFailure>& failures, const LookupResult& result) {
    if (is_failure(result.status)) {
        failures.push_back({result.name, result.type, result.status, result.error});
    }
}

void note_failures(std::vector<LookupFailure>& failures, const HostAddresses& host) {
    if (is_failure(host.v4_status)) {
        failures.push_back({host.host, RecordType::a, host.v4_status, dns::describe_failure(host.v4_status)});
    }
    if (is_failure(host.v6_status)) {
        failures.push_back({host.host, RecordType::aaaa, host.v6_status, dns::describe_failure(host.v6_status)});
    }
}

asio::awaitable<void> mta_sts_txt_branch(MtaStsFacts* mta_sts, dns::Resolver* resolver, std::string domain) {
    auto txt = co_await dns::lookup_txt(*resolver, "_mta-sts." + domain);
    note_failure(mta_sts->lookup_failures, txt);
    mta_sts->txt = policy::mta_sts_txt_facts(txt.status, txt.txt);
}

// What a sender makes of a 200 response (RFC 8461 §3.3): a certificate that does not verify for the
// policy host means no policy at all (tls-failed), and a body that does not parse is invalid. The body
// is parsed either way, so the report shows what the admin is about to publish.
void judge_fetched_policy(MtaStsPolicyFacts& fetched) {
    if (fetched.status != PolicyFetchStatus::fetched || !fetched.body) {
        return;
    }
    fetched.parse = policy::parse_mta_sts_policy(*fetched.body);
    const auto* certificate = fetched.tls && fetched.tls->certificate ? &*fetched.tls->certificate : nullptr;
    if (certificate && !certificate->chain_valid) {
        fetched.status = PolicyFetchStatus::tls_failed;
        fetched.error = "the certificate of the policy host is not valid: " +
                        certificate->verify_error.value_or("verification failed");
    } else if (!fetched.parse->valid) {
        fetched.status = PolicyFetchStatus::invalid;
    }
}

// RFC 8461 §3.3: the policy host is resolved and fetched without waiting for the TXT record, so
// that a policy without a TXT can be told and the fetch adds no round trip to the check.
asio::awaitable<void> mta_sts_policy_branch(MtaStsFacts* mta_sts, dns::Resolver* resolver,
                                            std::shared_ptr<const CollectSettings> settings, std::string domain,
                                            Deadline deadline) {
    const std::string host = "mta-sts." + domain;
    auto resolution = co_await dns::resolve_host(*resolver, host);
    note_failures(mta_sts->lookup_failures, resolution);
    const bool lookup_failed = is_failure(resolution.v4_status) && is_failure(resolution.v6_status) &&
                               !probe::redirect(settings->connect_to, host, 443);
    if (lookup_failed) {
        MtaStsPolicyFacts not_fetched;
        not_fetched.url = "https://" + host + "/.well-known/mta-sts.txt";
        not_fetched.error = "the addresses of " + host + " could not be looked up";
        not_fetched.resolution = std::move(resolution);
        mta_sts->policy = std::move(not_fetched);
        co_return;
    }
    probe::FetchOptions options;
    options.tls = settings->tls;
    options.connect_to = settings->connect_to;
    options.deadline = deadline;
    auto fetched = co_await probe::fetch_policy(host, std::move(resolution), std::move(options));
    judge_fetched_policy(fetched);
    mta_sts->policy = std::move(fetched);
}

asio::awaitable<void> tls_rpt_branch(DomainFacts* facts, dns::Resolver* resolver) {
    auto txt = co_await dns::lookup_txt(*resolver, "_smtp._tls." + facts->domain);
    auto tls_rpt = policy::tls_rpt_facts(txt.status, txt.txt);
    note_failure(tls_rpt.lookup_failures, txt);
    facts->tls_rpt = std::move(tls_rpt);
}

// RFC 8461 §4.1: which MX hosts the policy's patterns cover. Needs both chains' results.
void derive_mx_coverage(DomainFacts& facts) {
    if (!facts.mta_sts || !facts.mta_sts->policy || !facts.mta_sts->policy->parse || !facts.mx || facts.mx->null_mx) {
        return;
    }
    std::vector<std::string> hosts;
    for (const auto& record : facts.mx->records) {
        hosts.push_back(record.host);
    }
    if (!hosts.empty()) {
        const auto& patterns = facts.mta_sts->policy->parse->mx;
        facts.mta_sts->mx_coverage = policy::mx_coverage(patterns, hosts);
        facts.mta_sts->unused_mx_patterns = policy::unused_mx_patterns(patterns, hosts);
    }
}

}  // namespace

asio::awaitable<DomainFacts> collect(std::string domain, std::shared_ptr<const CollectSettings> settings) {
    DomainFacts facts;
    facts.domain = std::move(domain);
    facts.started_at = settings->clock();
    const auto started = std::chrono::steady_clock::now();
    const auto deadline = started + settings->timeout;

    auto resolver = dns::make_cares_resolver(co_await asio::this_coro::executor, settings->dns, deadline);
    const Areas& areas = settings->areas;
    // The MX records decide whether the domain takes mail at all (RFC 7505), which the MTA-STS and
    // TLS-RPT judgements need; they are looked up whenever one of those areas is checked.
    const bool need_mx = areas.mx || areas.mta_sts || areas.tls_rpt;

    std::vector<asio::awaitable<void>> branches;
    if (areas.submission) {
        branches.push_back(submission_branch(&facts, resolver.get(), settings, deadline));
    }
    if (need_mx) {
        branches.push_back(mx_branch(&facts, resolver.get()));
    }
    if (areas.mta_sts) {
        facts.mta_sts.emplace();
        branches.push_back(mta_sts_txt_branch(&*facts.mta_sts, resolver.get(), facts.domain));
        branches.push_back(mta_sts_policy_branch(&*facts.mta_sts, resolver.get(), settings, facts.domain, deadline));
    }
    if (areas.tls_rpt) {
        branches.push_back(tls_rpt_branch(&facts, resolver.get()));
    }
    co_await io::gather(std::move(branches));

    derive_mx_coverage(facts);
    facts.duration = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
    co_return facts;
}

}  // namespace relaymetry::app
