// rules::snapshot: what --state keeps of a check (core/snapshot.hpp), derived from the facts alone.
#include "checks.hpp"

namespace relaymetry::rules {

namespace {

using namespace detail;

std::string mode_name(const std::optional<StsMode>& mode) {
    return mode ? std::string(to_string(*mode)) : std::string();
}

// The policy senders fetched now, or (when the fetch fails now) the one they may still cache.
std::optional<PolicySnapshot> policy_snapshot(const DomainFacts& facts, const std::optional<std::string>& id,
                                              const DomainSnapshot* before) {
    const auto now = now_seconds(facts);
    const MtaStsPolicyFacts* policy = facts.mta_sts && facts.mta_sts->policy ? &*facts.mta_sts->policy : nullptr;
    const bool cached =
        before != nullptr && before->policy && before->policy->fetched_at + before->policy->max_age > now;
    // RFC 8461 §3.1: a body changed under the same id is not refetched; senders keep the one they have.
    if (cached && policy != nullptr && policy_served(*policy) && before->policy->id == id &&
        policy->body_sha256 != before->policy->sha256) {
        return before->policy;
    }
    if (policy != nullptr && policy_served(*policy) && policy->body_sha256) {
        PolicySnapshot fetched;
        fetched.sha256 = *policy->body_sha256;
        if (policy->parse) {
            fetched.mode = mode_name(policy->parse->mode);
            fetched.max_age = policy->parse->max_age.value_or(0);
            fetched.mx = policy->parse->mx;
        }
        fetched.fetched_at = now;
        fetched.id = id;
        return fetched;
    }
    return cached ? before->policy : std::nullopt;
}

std::vector<KeySnapshot> keys_of(const std::vector<Endpoint>& endpoints) {
    std::vector<KeySnapshot> keys;
    for (const auto& endpoint : endpoints) {
        for (const auto& probe : endpoint.addresses) {
            if (probe.tls && probe.tls->certificate) {
                const auto& leaf = probe.tls->certificate->leaf;
                keys.push_back({endpoint.host, endpoint.port, probe.address, leaf.spki_sha256, leaf.not_after});
            }
        }
    }
    return keys;
}

// The keys probed now; a previous key is kept when its kind of endpoint was not probed this time
// (--only, or no --mx-probe).
std::optional<std::vector<KeySnapshot>> keys_snapshot(const DomainFacts& facts, const DomainSnapshot* before) {
    const bool submission = facts.submission.has_value();
    const bool mx = facts.mx && facts.mx->probed;
    std::vector<KeySnapshot> keys;
    if (submission) {
        keys = keys_of(facts.submission->endpoints);
    }
    if (mx) {
        const auto more = keys_of(facts.mx->probes);
        keys.insert(keys.end(), more.begin(), more.end());
    }
    if (before != nullptr && before->keys) {
        for (const auto& key : *before->keys) {
            const bool port_25 = key.port == k_smtp_port;
            if ((port_25 && !mx) || (!port_25 && !submission)) {
                keys.push_back(key);
            }
        }
    }
    if (!submission && !mx && (before == nullptr || !before->keys)) {
        return std::nullopt;
    }
    return keys;
}

}  // namespace

DomainSnapshot snapshot(const DomainFacts& facts) {
    const DomainSnapshot* before = facts.previous ? &*facts.previous : nullptr;
    DomainSnapshot now;
    now.domain = facts.domain;
    now.checked_at = now_seconds(facts);
    if (before != nullptr) {
        now.mx = before->mx;
        now.mta_sts_txt = before->mta_sts_txt;
        now.sts_id = before->sts_id;
        now.tls_rpt_txt = before->tls_rpt_txt;
    }
    if (facts.mx && !is_failure(facts.mx->status)) {
        now.mx = mx_hosts(facts);
        if (facts.mx->null_mx) {
            now.mx = std::vector<std::string>{"."};
        }
    }
    const auto* txt = facts.mta_sts && facts.mta_sts->txt ? &*facts.mta_sts->txt : nullptr;
    if (txt != nullptr && txt->status != TxtStatus::lookup_failed) {
        now.mta_sts_txt = txt->records;
        now.sts_id.reset();
        if (txt->status == TxtStatus::published && txt->parse.valid) {
            now.sts_id = txt->parse.id;
        }
    }
    if (facts.mta_sts) {
        now.policy = policy_snapshot(facts, now.sts_id, before);
    } else if (before != nullptr) {
        now.policy = before->policy;
    }
    if (facts.tls_rpt && facts.tls_rpt->status != TxtStatus::lookup_failed) {
        now.tls_rpt_txt = facts.tls_rpt->records;
    }
    now.keys = keys_snapshot(facts, before);
    return now;
}

}  // namespace relaymetry::rules
