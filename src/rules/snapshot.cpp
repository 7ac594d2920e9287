// rules::snapshot: what --state keeps of a check (core/snapshot.hpp), derived from the facts alone.
#include <algorithm>

#include "checks.hpp"

namespace relaymetry::rules {

namespace {

using namespace detail;

std::string mode_name(const std::optional<StsMode>& mode) {
    return mode ? std::string(to_string(*mode)) : std::string();
}

// The policy senders fetched now, or (when they could not: no answer, a bad certificate, a body that
// does not parse, RFC 8461 §5.1) the one they may still cache.
std::optional<PolicySnapshot> policy_snapshot(const DomainFacts& facts, const std::optional<std::string>& id,
                                              const DomainSnapshot* before) {
    const auto now = now_seconds(facts);
    const auto* policy = accepted_policy(facts);
    const bool cached =
        before != nullptr && before->policy && before->policy->fetched_at + before->policy->max_age > now;
    // RFC 8461 §3.1: a policy changed under the same id is not refetched; senders keep the one they have.
    if (cached && policy != nullptr && before->policy->id == id && !same_policy(*before->policy, *policy->parse)) {
        return before->policy;
    }
    if (policy != nullptr) {
        PolicySnapshot fetched;
        fetched.sha256 = *policy->body_sha256;
        fetched.mode = mode_name(policy->parse->mode);
        fetched.max_age = policy->parse->max_age.value_or(0);
        fetched.mx = policy->parse->mx;
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

// The keys probed now; a previous key is kept while no probe this time replaced it (not probed, a failed
// lookup or probe) and its certificate has not expired.
std::optional<std::vector<KeySnapshot>> keys_snapshot(const DomainFacts& facts, const DomainSnapshot* before) {
    std::vector<KeySnapshot> keys;
    if (facts.submission) {
        keys = keys_of(facts.submission->endpoints);
    }
    if (facts.mx) {
        const auto more = keys_of(facts.mx->probes);
        keys.insert(keys.end(), more.begin(), more.end());
    }
    if (before != nullptr && before->keys) {
        const auto now = now_seconds(facts);
        for (const auto& old : *before->keys) {
            const bool replaced = std::any_of(keys.begin(), keys.end(), [&](const KeySnapshot& key) {
                return key.host == old.host && key.port == old.port && key.address == old.address;
            });
            if (!replaced && old.not_after > now) {
                keys.push_back(old);
            }
        }
    }
    if (keys.empty() && !facts.submission && !(facts.mx && facts.mx->probed)) {
        return before != nullptr ? before->keys : std::nullopt;
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

namespace relaymetry::rules::detail {

bool same_policy(const PolicySnapshot& cached, const MtaStsPolicyParse& parse) {
    return cached.mode == mode_name(parse.mode) &&
           cached.max_age == static_cast<std::int64_t>(parse.max_age.value_or(0)) && cached.mx == parse.mx;
}

const MtaStsPolicyFacts* accepted_policy(const DomainFacts& facts) {
    const auto* mta_sts = judged_mta_sts(facts);
    if (mta_sts == nullptr || !mta_sts->policy) {
        return nullptr;
    }
    const auto& policy = *mta_sts->policy;
    const bool accepted =
        policy.status == PolicyFetchStatus::fetched && policy.parse && policy.parse->valid && policy.body_sha256;
    return accepted ? &policy : nullptr;
}

}  // namespace relaymetry::rules::detail
