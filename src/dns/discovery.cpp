// Discovery: the DNS half of a check. Every lookup that does not depend on another starts at once
// (awaitable operators for a fixed set, io::gather for a list), so a check waits for its slowest
// lookup, not for the sum of them.
#include "relaymetry/dns/discovery.hpp"

#include <algorithm>
#include <tuple>

#include <boost/asio/experimental/awaitable_operators.hpp>

#include "relaymetry/core/constants.hpp"
#include "relaymetry/io/gather.hpp"

namespace relaymetry::dns {

namespace asio = boost::asio;
using namespace boost::asio::experimental::awaitable_operators;

namespace {

constexpr std::string_view k_implicit_tls_service = "_submissions._tcp";  // RFC 8314 §5.1
constexpr std::string_view k_starttls_service = "_submission._tcp";       // RFC 6186 §3.1
constexpr std::uint16_t k_implicit_tls_port = 465;                        // RFC 8314 §7.3
constexpr std::uint16_t k_starttls_port = 587;                            // RFC 6409 §3.1

void note_failure(const LookupResult& result, std::vector<LookupFailure>& failures) {
    if (is_failure(result.status)) {
        failures.push_back(
            LookupFailure{result.name, result.type, result.status, result.error, result.dnssec, result.extended_error});
    }
}

// RFC 2782: lowest priority first; within a priority the weights select at random, which a report
// cannot show, so the heaviest comes first and the target and port break ties for a stable order.
void sort_srv(std::vector<SrvRecord>& records) {
    std::stable_sort(records.begin(), records.end(), [](const SrvRecord& left, const SrvRecord& right) {
        return std::tie(left.priority, right.weight, left.target, left.port) <
               std::tie(right.priority, left.weight, right.target, right.port);
    });
}

}  // namespace

asio::awaitable<HostResolution> resolve_host(Resolver& resolver, std::string host) {
    auto [v4, v6] = co_await (resolver.lookup(host, RecordType::a) && resolver.lookup(host, RecordType::aaaa));
    HostResolution resolution;
    resolution.host.host = host;
    resolution.host.v4_status = v4.status;
    resolution.host.v6_status = v6.status;
    resolution.host.dnssec = weaker(v4.dnssec, v6.dnssec);
    for (auto* result : {&v4, &v6}) {
        const auto count = std::min(result->addresses.size(), k_max_addresses_per_family);
        resolution.host.addresses.insert(resolution.host.addresses.end(), result->addresses.begin(),
                                         result->addresses.begin() + static_cast<std::ptrdiff_t>(count));
        note_failure(*result, resolution.failures);
    }
    co_return resolution;
}

namespace {

// Resolves each distinct host once, all at once; results in the order of `hosts`.
asio::awaitable<std::vector<HostResolution>> resolve_all(Resolver& resolver, std::vector<std::string> hosts) {
    std::vector<asio::awaitable<HostResolution>> tasks;
    tasks.reserve(hosts.size());
    for (const auto& host : hosts) {
        tasks.push_back(resolve_host(resolver, host));
    }
    co_return co_await io::gather(std::move(tasks));
}

std::vector<SrvRecord> srv_records(const LookupResult& result, std::string_view service) {
    std::vector<SrvRecord> records;
    if (result.status == LookupStatus::answer) {
        records = result.srv;
        for (auto& record : records) {
            record.service = std::string{service};
        }
        sort_srv(records);
    }
    return records;
}

// The TLSA records of a service plus the failure of their lookup, as Resolution is for addresses.
struct TlsaLookup {
    DaneFacts dane;
    std::vector<LookupFailure> failures;
};

// RFC 6698 §3: the TLSA records of a service on `port` of `host`.
asio::awaitable<TlsaLookup> lookup_tlsa(Resolver& resolver, std::string host, std::uint16_t port) {
    TlsaLookup lookup;
    auto& dane = lookup.dane;
    dane.name = "_" + std::to_string(port) + "._tcp." + host;
    dane.host = std::move(host);
    dane.port = port;
    auto result = co_await resolver.lookup(dane.name, RecordType::tlsa);
    note_failure(result, lookup.failures);
    dane.status = result.status;
    dane.dnssec = result.dnssec;
    dane.extended_error = std::move(result.extended_error);
    dane.records = std::move(result.tlsa);
    co_return lookup;
}

struct TlsaKey {
    std::string host;
    std::uint16_t port = 0;
    bool operator==(const TlsaKey&) const = default;
};

// Looks up every (host, port) in `keys` at once; the facts in the order of `keys`, their failures
// appended to `failures`.
asio::awaitable<std::vector<DaneFacts>> lookup_all_tlsa(Resolver& resolver, std::vector<TlsaKey> keys,
                                                        std::vector<LookupFailure>* failures) {
    std::vector<asio::awaitable<TlsaLookup>> tasks;
    tasks.reserve(keys.size());
    for (const auto& key : keys) {
        tasks.push_back(lookup_tlsa(resolver, key.host, key.port));
    }
    std::vector<DaneFacts> all;
    for (auto& lookup : co_await io::gather(std::move(tasks))) {
        failures->insert(failures->end(), lookup.failures.begin(), lookup.failures.end());
        all.push_back(std::move(lookup.dane));
    }
    co_return all;
}

Endpoint make_endpoint(std::string host, std::uint16_t port, Security security, bool from_srv) {
    Endpoint endpoint;
    endpoint.host = std::move(host);
    endpoint.port = port;
    endpoint.security = security;
    endpoint.from_srv = from_srv;
    return endpoint;
}

}  // namespace

asio::awaitable<SubmissionFacts> discover_submission(Resolver& resolver, std::string domain) {
    const std::string implicit_name = std::string{k_implicit_tls_service} + "." + domain;
    const std::string starttls_name = std::string{k_starttls_service} + "." + domain;
    auto [implicit_srv, starttls_srv, smtp] =
        co_await (resolver.lookup(implicit_name, RecordType::srv) && resolver.lookup(starttls_name, RecordType::srv) &&
                  resolve_host(resolver, "smtp." + domain));

    SubmissionFacts facts;
    note_failure(implicit_srv, facts.lookup_failures);
    note_failure(starttls_srv, facts.lookup_failures);

    facts.srv_dnssec = weaker(implicit_srv.dnssec, starttls_srv.dnssec);
    // RFC 8314 §5.1 lists _submissions first: implicit TLS is the preferred way in.
    facts.srv = srv_records(implicit_srv, k_implicit_tls_service);
    auto starttls_records = srv_records(starttls_srv, k_starttls_service);
    facts.srv.insert(facts.srv.end(), starttls_records.begin(), starttls_records.end());

    if (!facts.srv.empty()) {
        // RFC 6186 §3: SRV records, once published, are the whole truth: no guessing at smtp.<domain>.
        // A target of "." means the service is decidedly not offered (RFC 2782).
        std::vector<std::string> targets;
        std::vector<TlsaKey> tlsa_keys;
        CapReached targets_cap;
        targets_cap.limit = "SRV targets probed per service: " + std::to_string(k_max_srv_targets_per_service);
        for (const auto& record : facts.srv) {
            if (record.target == ".") {
                continue;
            }
            const auto security =
                record.service == k_implicit_tls_service ? Security::implicit_tls : Security::starttls;
            const bool seen = std::any_of(facts.endpoints.begin(), facts.endpoints.end(), [&](const Endpoint& other) {
                return other.host == record.target && other.port == record.port && other.security == security;
            });
            if (seen) {
                continue;  // the same server listed twice (e.g. under two weights) is probed once
            }
            const auto of_service = std::count_if(facts.endpoints.begin(), facts.endpoints.end(),
                                                  [&](const Endpoint& other) { return other.security == security; });
            if (static_cast<std::size_t>(of_service) == k_max_srv_targets_per_service) {
                leave_out(targets_cap, record.target + ":" + std::to_string(record.port));
                continue;
            }
            facts.endpoints.push_back(make_endpoint(record.target, record.port, security, true));
            auto& endpoint = facts.endpoints.back();
            endpoint.srv_dnssec = security == Security::implicit_tls ? implicit_srv.dnssec : starttls_srv.dnssec;
            if (std::find(targets.begin(), targets.end(), record.target) == targets.end()) {
                targets.push_back(record.target);
            }
            // RFC 7673 §3: TLSA records count only behind a secure SRV RRset; looked up beside the
            // target's addresses, so DANE adds no round trip.
            const TlsaKey key{record.target, record.port};
            if (endpoint.srv_dnssec == DnssecStatus::secure &&
                std::find(tlsa_keys.begin(), tlsa_keys.end(), key) == tlsa_keys.end()) {
                tlsa_keys.push_back(key);
            }
        }
        if (targets_cap.left_out > 0) {
            facts.caps.push_back(std::move(targets_cap));
        }
        facts.source = facts.endpoints.empty() ? DiscoverySource::disabled : DiscoverySource::srv;
        auto [resolutions, tlsa] =
            co_await (resolve_all(resolver, targets) && lookup_all_tlsa(resolver, tlsa_keys, &facts.lookup_failures));
        for (auto& endpoint : facts.endpoints) {
            const auto index =
                static_cast<std::size_t>(std::find(targets.begin(), targets.end(), endpoint.host) - targets.begin());
            endpoint.resolution = resolutions[index].host;
            const auto found = std::find(tlsa_keys.begin(), tlsa_keys.end(), TlsaKey{endpoint.host, endpoint.port});
            if (found != tlsa_keys.end()) {
                endpoint.dane = tlsa[static_cast<std::size_t>(found - tlsa_keys.begin())];
            }
        }
        for (const auto& resolution : resolutions) {
            facts.lookup_failures.insert(facts.lookup_failures.end(), resolution.failures.begin(),
                                         resolution.failures.end());
        }
        co_return facts;
    }

    // Without SRV, RFC 8314 §5.1 / RFC 6186 leave clients to guess; the common guess is smtp.<domain>
    // on 465 and 587. Only when both SRV names are authoritatively absent: a failed SRV lookup may
    // hide records, and then nothing can be concluded.
    if (!is_absent(implicit_srv.status) || !is_absent(starttls_srv.status)) {
        facts.source = DiscoverySource::lookup_failed;
        co_return facts;
    }
    facts.lookup_failures.insert(facts.lookup_failures.end(), smtp.failures.begin(), smtp.failures.end());
    if (smtp.host.addresses.empty()) {
        // No address is "not offered" only when the DNS said so for both families.
        facts.source = smtp.failures.empty() ? DiscoverySource::none : DiscoverySource::lookup_failed;
        co_return facts;
    }
    facts.source = DiscoverySource::fallback;
    facts.endpoints.push_back(make_endpoint(smtp.host.host, k_implicit_tls_port, Security::implicit_tls, false));
    facts.endpoints.push_back(make_endpoint(smtp.host.host, k_starttls_port, Security::starttls, false));
    for (auto& endpoint : facts.endpoints) {
        endpoint.resolution = smtp.host;
    }
    co_return facts;
}

asio::awaitable<MxFacts> discover_mx(Resolver& resolver, std::string domain) {
    auto result = co_await resolver.lookup(domain, RecordType::mx);
    MxFacts facts;
    facts.status = result.status;
    facts.dnssec = result.dnssec;
    note_failure(result, facts.lookup_failures);
    if (result.status != LookupStatus::answer) {
        co_return facts;
    }
    facts.records = std::move(result.mx);
    // RFC 5321 §5.1: lower preference first; the host name gives equal preferences a stable order.
    std::stable_sort(facts.records.begin(), facts.records.end(), [](const MxRecord& left, const MxRecord& right) {
        return std::tie(left.preference, left.host) < std::tie(right.preference, right.host);
    });
    // RFC 7505 §3: a null MX is exactly one record, with the root as its host.
    facts.null_mx = facts.records.size() == 1 && facts.records.front().host == ".";
    if (facts.null_mx) {
        co_return facts;
    }
    std::vector<std::string> hosts;
    CapReached hosts_cap;
    hosts_cap.limit = "MX hosts resolved: " + std::to_string(k_max_resolved_mx_hosts);
    for (const auto& record : facts.records) {
        if (record.host == "." || std::find(hosts.begin(), hosts.end(), record.host) != hosts.end()) {
            continue;
        }
        if (hosts.size() == k_max_resolved_mx_hosts) {
            leave_out(hosts_cap, record.host);
            continue;
        }
        hosts.push_back(record.host);
    }
    if (hosts_cap.left_out > 0) {
        facts.caps.push_back(std::move(hosts_cap));
    }
    // RFC 7672 §2.2: TLSA records of an MX host count only behind a secure MX RRset.
    std::vector<TlsaKey> tlsa_keys;
    if (facts.dnssec == DnssecStatus::secure) {
        for (const auto& host : hosts) {
            tlsa_keys.push_back(TlsaKey{host, k_smtp_port});
        }
    }
    auto [resolutions, tlsa] =
        co_await (resolve_all(resolver, hosts) && lookup_all_tlsa(resolver, tlsa_keys, &facts.lookup_failures));
    facts.dane = std::move(tlsa);
    for (auto& resolution : resolutions) {
        facts.lookup_failures.insert(facts.lookup_failures.end(), resolution.failures.begin(),
                                     resolution.failures.end());
        facts.hosts.push_back(std::move(resolution.host));
    }
    co_return facts;
}

asio::awaitable<LookupResult> lookup_txt(Resolver& resolver, std::string name) {
    co_return co_await resolver.lookup(std::move(name), RecordType::txt);
}

}  // namespace relaymetry::dns
