// drift.*: what changed since the previous run (--state, facts.previous), judged by what senders still
// cache: an MTA-STS policy is refetched only when the TXT id changes (RFC 8461 §3.1) and is kept for
// max_age (§3.3, §5.1); a new key needs its TLSA record first (RFC 7671 §8.1).
#include <algorithm>

#include "checks.hpp"

namespace relaymetry::rules::detail {

namespace {

const DomainSnapshot* before(const DomainFacts& facts) {
    return facts.previous ? &*facts.previous : nullptr;
}

// The policy a sender that fetched it in the previous run still applies now (enforce or testing, not
// expired), or null.
const PolicySnapshot* cached_policy(const DomainFacts& facts) {
    const auto* previous = before(facts);
    if (previous == nullptr || !previous->policy || previous->policy->mode == "none" ||
        previous->policy->mode.empty()) {
        return nullptr;
    }
    const auto& policy = *previous->policy;
    return policy.fetched_at + policy.max_age > now_seconds(facts) ? &policy : nullptr;
}

std::string until(const PolicySnapshot& policy) {
    return format_date(policy.fetched_at + policy.max_age);
}

std::vector<std::string> missing_from(const std::vector<std::string>& items, const std::vector<std::string>& other) {
    std::vector<std::string> missing;
    for (const auto& item : items) {
        if (std::find(other.begin(), other.end(), item) == other.end()) {
            missing.push_back(item);
        }
    }
    return missing;
}

// "mode enforce → testing; mx added x, removed y; max_age 86400 → 604800"
std::string policy_changes(const PolicySnapshot& old_policy, const MtaStsPolicyParse* now) {
    std::vector<std::string> changes;
    if (now == nullptr) {
        return "the new body does not parse";
    }
    const std::string mode = now->mode ? std::string(to_string(*now->mode)) : std::string("(none)");
    if (mode != old_policy.mode) {
        changes.push_back("mode " + old_policy.mode + " → " + mode);
    }
    const auto added = missing_from(now->mx, old_policy.mx);
    const auto removed = missing_from(old_policy.mx, now->mx);
    if (!added.empty()) {
        changes.push_back("mx added " + join(added));
    }
    if (!removed.empty()) {
        changes.push_back("mx removed " + join(removed));
    }
    const auto max_age = static_cast<std::int64_t>(now->max_age.value_or(0));
    if (max_age != old_policy.max_age) {
        changes.push_back("max_age " + std::to_string(old_policy.max_age) + " → " + std::to_string(max_age));
    }
    return changes.empty() ? "other lines of the body" : join(changes, "; ");
}

}  // namespace

void check_drift_policy_changed_id_unchanged(const DomainFacts& facts, const RuleOptions&, Findings& out) {
    const auto* cached = cached_policy(facts);
    const auto* policy = accepted_policy(facts);
    const auto* txt = facts.mta_sts ? (facts.mta_sts->txt ? &*facts.mta_sts->txt : nullptr) : nullptr;
    if (cached == nullptr || policy == nullptr || txt == nullptr || !txt->parse.valid || txt->parse.id.empty() ||
        cached->id != txt->parse.id || *policy->body_sha256 == cached->sha256) {
        return;
    }
    const auto& old_policy = *cached;
    const auto* parse = &*policy->parse;
    if (same_policy(old_policy, *parse)) {
        return;  // senders apply the same policy
    }
    emit(out, "drift.policy-changed-id-unchanged", Target::record(mta_sts_record(facts)),
         "The MTA-STS policy of " + domain_of(facts) + " changed since " + format_date(old_policy.fetched_at) + " (" +
             policy_changes(old_policy, parse) + "; SHA-256 " + old_policy.sha256 + " → " + *policy->body_sha256 +
             ") but the id in " + mta_sts_record(facts) + " is still " + quoted(txt->parse.id) +
             ": senders that cached the old policy do not fetch the new one (RFC 8461 §3.1) and apply the old "
             "one until " +
             until(old_policy) + ".",
         "Change the id in " + mta_sts_record(facts) +
             " (e.g. to the current date and time, id=YYYYMMDDhhmmss) whenever the policy changes.");
}

void check_drift_mx_changed_under_cached_policy(const DomainFacts& facts, const RuleOptions&, Findings& out) {
    const auto* cached = cached_policy(facts);
    const auto* previous = before(facts);
    if (cached == nullptr || !facts.mta_sts || is_null_mx(facts)) {
        return;
    }
    const auto hosts = mx_hosts(facts);
    const bool mx_changed = previous->mx && *previous->mx != hosts;
    const auto* policy = accepted_policy(facts);
    const bool patterns_changed = policy != nullptr && policy->parse && policy->parse->mx != cached->mx;
    if (!mx_changed && !patterns_changed) {
        return;
    }
    std::vector<std::string> refused;
    for (const auto& coverage : facts.mta_sts->cached_coverage) {
        if (!coverage.covered) {
            refused.push_back(coverage.mx);
        }
    }
    if (refused.empty()) {
        return;
    }
    emit(out, "drift.mx-changed-under-cached-policy", Target::domain(domain_of(facts)),
         std::string(mx_changed ? "The MX hosts of " + domain_of(facts) + " changed"
                                : "The policy's mx patterns changed") +
             " since " + format_date(cached->fetched_at) + ": senders that cached the policy fetched then (mode " +
             cached->mode + ", mx " + join(cached->mx) + ") " +
             (cached->mode == "enforce" ? "refuse to deliver to " : "report failures for ") + join(refused) +
             " until " + until(*cached) + " (RFC 8461 §5.1).",
         "Keep the old MX hosts (or a policy covering the new ones, with a new id) until " + until(*cached) +
             "; change MX hosts only after a policy that covers them has been out for max_age.");
}

void check_drift_policy_unreachable_cached(const DomainFacts& facts, const RuleOptions&, Findings& out) {
    const auto* cached = cached_policy(facts);
    const auto* mta_sts = judged_mta_sts(facts);
    if (cached == nullptr || mta_sts == nullptr || !mta_sts->policy || accepted_policy(facts) != nullptr) {
        return;
    }
    const auto& policy = *mta_sts->policy;
    emit(out, "drift.policy-unreachable-cached", Target::host(policy_host(facts)),
         "The MTA-STS policy of " + domain_of(facts) + " could not be fetched now (" +
             std::string(to_string(policy.status)) + (policy.error ? ": " + *policy.error : std::string()) +
             "); senders that fetched it on " + format_date(cached->fetched_at) + " keep applying it (mode " +
             cached->mode + ") until " + until(*cached) + ", then mail to " + domain_of(facts) +
             " loses its MTA-STS protection without any error.",
         "Bring " + policy_host(facts) + " back (HTTPS, a valid certificate, the policy at " + policy.url +
             ") before " + until(*cached) + ".");
}

void check_drift_key_changed(const DomainFacts& facts, const RuleOptions&, Findings& out) {
    const auto* previous = before(facts);
    if (previous == nullptr || !previous->keys) {
        return;
    }
    const auto now = snapshot(facts);
    for (const auto& key : now.keys.value_or(std::vector<KeySnapshot>{})) {
        const auto old_key = std::find_if(previous->keys->begin(), previous->keys->end(), [&](const KeySnapshot& old) {
            return old.host == key.host && old.port == key.port && old.address == key.address;
        });
        if (old_key == previous->keys->end() || old_key->spki_sha256 == key.spki_sha256) {
            continue;
        }
        emit(out, "drift.key-changed", Target::at_address(key.host, key.port, key.address),
             to_string(Target::at_address(key.host, key.port, key.address)) +
                 " serves a new key since the previous check: public-key SHA-256 " + old_key->spki_sha256 + " → " +
                 key.spki_sha256 + " (certificate until " + format_date(key.not_after) +
                 "). DANE clients need its TLSA record first (dane.tlsa-mismatch says whether they have it).",
             "If TLSA records are published for this service, make sure _" + std::to_string(key.port) + "._tcp." +
                 key.host + " has 3 1 1 " + key.spki_sha256 + "; otherwise nothing to do.");
    }
}

void check_drift_record_changed(const DomainFacts& facts, const RuleOptions&, Findings& out) {
    const auto* previous = before(facts);
    if (previous == nullptr) {
        return;
    }
    const auto now = snapshot(facts);
    const auto changed = [&](const std::optional<std::vector<std::string>>& old_value,
                             const std::optional<std::vector<std::string>>& new_value, const std::string& name) {
        if (old_value && new_value && *old_value != *new_value) {
            emit(out, "drift.record-changed", Target::record(name),
                 name +
                     " changed since the previous check: " + (old_value->empty() ? "(none)" : quoted_list(*old_value)) +
                     " → " + (new_value->empty() ? "(none)" : quoted_list(*new_value)) + ".",
                 "Nothing to do if the change was intended.");
        }
    };
    changed(previous->mx, now.mx, domain_of(facts) + " MX");
    changed(previous->mta_sts_txt, now.mta_sts_txt, mta_sts_record(facts));
    changed(previous->tls_rpt_txt, now.tls_rpt_txt, tls_rpt_record(facts));
    const auto* policy = accepted_policy(facts);
    const bool id_unchanged = previous->policy && previous->policy->id == now.sts_id;
    if (policy != nullptr && previous->policy && *policy->body_sha256 != previous->policy->sha256 && !id_unchanged) {
        emit(out, "drift.record-changed", Target::host(policy_host(facts)),
             "The MTA-STS policy of " + domain_of(facts) + " changed since the previous check (" +
                 policy_changes(*previous->policy, policy->parse ? &*policy->parse : nullptr) +
                 "), with a new id: senders fetch it when they next see the id.",
             "Nothing to do if the change was intended.");
    }
}

}  // namespace relaymetry::rules::detail
