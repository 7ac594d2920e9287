// What a conforming sender concludes from facts, where the report shows the conclusion as a fact (a
// policy status, the `valid` of lint). The rules decide these, never the stages that gather facts.
#include <algorithm>

#include "checks.hpp"

namespace relaymetry::rules {

void settle(DomainFacts& facts) {
    if (!facts.mta_sts || !facts.mta_sts->policy) {
        return;
    }
    // RFC 8461 §3.3: senders use a policy fetched over HTTPS only when the host's certificate is
    // valid; one that does not parse is no policy either (§3.2).
    auto& policy = *facts.mta_sts->policy;
    if (policy.status != PolicyFetchStatus::fetched || !policy.parse) {
        return;
    }
    const auto* certificate = policy.tls && policy.tls->certificate ? &*policy.tls->certificate : nullptr;
    if (certificate != nullptr && !certificate->chain_valid) {
        policy.status = PolicyFetchStatus::tls_failed;
        policy.error = "the certificate of the policy host is not valid: " +
                       (certificate->verify_error ? describe(*certificate->verify_error, policy.resolution.host)
                                                  : std::string("verification failed"));
    } else if (!policy.parse->valid) {
        policy.status = PolicyFetchStatus::invalid;
    }
}

bool sender_accepts(const MtaStsPolicyFacts& policy) {
    return policy.status == PolicyFetchStatus::fetched && policy.parse && policy.parse->valid;
}

bool sender_accepts(const MtaStsTxtFacts& txt) {
    return txt.status == TxtStatus::published;
}

bool sender_accepts(const TlsRptFacts& tls_rpt) {
    // A record whose every rua is unusable gets no report to anyone: not what the admin meant.
    return tls_rpt.status == TxtStatus::published &&
           std::any_of(tls_rpt.parse.rua.begin(), tls_rpt.parse.rua.end(), [](const RuaUri& rua) { return rua.valid; });
}

}  // namespace relaymetry::rules
