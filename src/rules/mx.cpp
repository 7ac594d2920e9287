// mx.*: how the domain receives mail (RFC 5321 §5.1, RFC 7505).
#include <algorithm>

#include "checks.hpp"

namespace relaymetry::rules::detail {

void check_mx_none(const DomainFacts& facts, const RuleOptions&, Findings& out) {
    if (!facts.mx || !is_absent(facts.mx->status)) {
        return;
    }
    emit(out, "mx.none", Target::domain(domain_of(facts)),
         domain_of(facts) + " has no MX record (" + std::string(to_string(facts.mx->status)) +
             "): senders fall back to its A/AAAA address (RFC 5321 §5.1), and MTA-STS has no MX host to cover.",
         "Publish an MX record naming the host that receives mail for " + domain_of(facts) +
             ", or a null MX (\"0 .\", RFC 7505) if it receives none.");
}

void check_mx_null(const DomainFacts& facts, const RuleOptions&, Findings& out) {
    if (!is_null_mx(facts)) {
        return;
    }
    emit(out, "mx.null", Target::domain(domain_of(facts)),
         domain_of(facts) +
             " publishes a null MX (\"0 .\"): it accepts no mail, so inbound TLS policy (MTA-STS, "
             "TLS-RPT) does not apply.",
         "Nothing to do if " + domain_of(facts) +
             " should receive no mail; otherwise replace the null MX with real MX "
             "records.");
}

}  // namespace relaymetry::rules::detail

// ---- --mx-probe: each MX address on port 25 (RFC 3207, RFC 5321 §3.1) ------------------------------

namespace relaymetry::rules::detail {

namespace {

template <typename Visit>
void for_each_mx_probe(const DomainFacts& facts, Visit visit) {
    for (const auto& endpoint : mx_probes(facts)) {
        for (const auto& probe : endpoint.addresses) {
            visit(endpoint, probe);
        }
    }
}

bool blocked_here(const DomainFacts& facts) {
    return facts.mx && facts.mx->egress_blocked;
}

// Whether a policy (MTA-STS enforce or testing) or DANE (usable TLSA records behind DNSSEC) asks
// senders for TLS to this MX host: then REQUIRETLS (RFC 8689) can carry that demand on.
bool tls_required(const DomainFacts& facts, const Endpoint& endpoint) {
    const auto* policy = judged_policy(facts);
    if (policy != nullptr && policy->mode && *policy->mode != StsMode::none) {
        return true;
    }
    return dane_in_place(facts, endpoint.host, endpoint.port);
}

}  // namespace

void check_mx_probe_blocked(const DomainFacts& facts, const RuleOptions&, Findings& out) {
    if (!blocked_here(facts)) {
        return;
    }
    emit(out, "mx.probe-blocked", Target::domain(domain_of(facts)),
         "The MX hosts of " + domain_of(facts) + " could not be probed: " + *facts.mx->egress_blocked +
             ". That is this machine's network, not the domain: the MX probe results are inconclusive.",
         "Run --mx-probe from a network that allows outbound port 25 (most clouds block it; some lift the block "
         "on request), or leave --mx-probe off here.");
}

void check_mx_unreachable(const DomainFacts& facts, const RuleOptions&, Findings& out) {
    if (blocked_here(facts)) {
        return;
    }
    for_each_mx_probe(facts, [&](const Endpoint& endpoint, const AddressProbe& probe) {
        if (!never_connected(probe)) {
            return;
        }
        emit(out, "mx.unreachable", address_target(endpoint, probe),
             "The MX host " + endpoint_text(endpoint, probe) + " could not be reached on port 25 (" +
                 std::string(to_string(probe.status)) + error_suffix(probe) +
                 "): senders that pick it queue the mail and retry elsewhere or later. (If this machine cannot "
                 "reach port 25 anywhere, that is its network: see mx.probe-blocked.)",
             "Make " + endpoint.host + " accept SMTP on " + probe.address +
                 " port 25 (service running, firewall open), or remove the address or the MX record.");
    });
}

void check_mx_starttls_missing(const DomainFacts& facts, const RuleOptions&, Findings& out) {
    for_each_mx_probe(facts, [&](const Endpoint& endpoint, const AddressProbe& probe) {
        if (probe.status != ProbeStatus::no_starttls) {
            return;
        }
        // RFC 8461 §5 (enforce), RFC 7672 §2.2: senders that apply the policy or DANE do not deliver at all.
        const auto* policy = judged_policy(facts);
        const bool enforced = (policy != nullptr && policy->mode == StsMode::enforce) ||
                              dane_in_place(facts, endpoint.host, endpoint.port);
        emit(out, "mx.starttls-missing", address_target(endpoint, probe),
             "The MX host " + endpoint_text(endpoint, probe) + " does not offer STARTTLS after EHLO: " +
                 (enforced ? "senders that apply the domain's MTA-STS enforce policy or its DANE records do not "
                             "deliver to it, and the others deliver in plaintext."
                           : "every sender delivers to it in plaintext."),
             "Enable STARTTLS on " + endpoint.host +
                 " (e.g. Postfix smtpd_tls_security_level = may with a certificate and key).",
             enforced ? std::optional<Severity>(Severity::error) : std::nullopt);
    });
}

void check_mx_starttls_failed(const DomainFacts& facts, const RuleOptions&, Findings& out) {
    for_each_mx_probe(facts, [&](const Endpoint& endpoint, const AddressProbe& probe) {
        // Only once STARTTLS was offered: a dialogue that broke before (silence, a refused EHLO) is
        // mx.inconclusive.
        const bool failed =
            probe.smtp.starttls_offered && (probe.status == ProbeStatus::starttls_rejected ||
                                            (probe.status == ProbeStatus::tls_failed && !only_deprecated_tls(probe)) ||
                                            (probe.status == ProbeStatus::protocol_error && !probe.tls));
        if (!failed) {
            return;
        }
        emit(out, "mx.starttls-failed", address_target(endpoint, probe),
             "The MX host " + endpoint_text(endpoint, probe) + " offers STARTTLS, but no TLS session came of it" +
                 error_suffix(probe) +
                 ". Opportunistic senders then deliver in plaintext or not at all, with any certificate.",
             "Check the TLS configuration of " + endpoint.host +
                 " on port 25 (certificate and key readable, protocols TLS 1.2 and 1.3 enabled), e.g. with openssl "
                 "s_client -starttls smtp -connect " +
                 probe.address + ":25.");
    });
}

void check_mx_inconclusive(const DomainFacts& facts, const RuleOptions&, Findings& out) {
    if (blocked_here(facts)) {
        return;
    }
    for_each_mx_probe(facts, [&](const Endpoint& endpoint, const AddressProbe& probe) {
        // A tarpit's silence before the greeting, or an EHLO refused (550 "your IP is listed", or no ESMTP
        // at all): push-back, or an MTA too old to judge, never a TLS verdict.
        const bool before_starttls = probe.status == ProbeStatus::protocol_error && !probe.smtp.starttls_offered;
        if (probe.status != ProbeStatus::inconclusive && probe.status != ProbeStatus::not_probed && !before_starttls) {
            return;
        }
        emit(out, "mx.inconclusive", address_target(endpoint, probe),
             "The MX host " + endpoint_text(endpoint, probe) + " could not be judged" + error_suffix(probe) +
                 ": receivers turn probes away (421, greylisting, tarpits, rate limits), and that is not a finding of "
                 "missing TLS.",
             "Run the check again later, or from an address the MX does not rate-limit.");
    });
}

void check_mx_requiretls_not_offered(const DomainFacts& facts, const RuleOptions&, Findings& out) {
    for (const auto& endpoint : mx_probes(facts)) {
        const bool tls_seen = std::any_of(endpoint.addresses.begin(), endpoint.addresses.end(),
                                          [](const AddressProbe& probe) { return probe.status == ProbeStatus::ok; });
        const bool offered = std::any_of(endpoint.addresses.begin(), endpoint.addresses.end(),
                                         [](const AddressProbe& probe) { return probe.smtp.requiretls_offered; });
        if (!tls_seen || offered || !tls_required(facts, endpoint)) {
            continue;
        }
        emit(out, "mx.requiretls-not-offered", endpoint_target(endpoint),
             "The MX host " + endpoint_text(endpoint) +
                 " does not advertise REQUIRETLS after STARTTLS, though the domain asks senders for TLS (MTA-STS or "
                 "DANE): a message sent with REQUIRETLS cannot be delivered to it.",
             "Nothing is broken; to accept REQUIRETLS mail, use an MTA that implements RFC 8689 on " + endpoint.host +
                 ".");
    }
}

void check_mx_probes_capped(const DomainFacts& facts, const RuleOptions&, Findings& out) {
    if (!facts.mx) {
        return;
    }
    emit_caps(out, "mx.probes-capped", facts, facts.mx->caps, "MX host", "checked",
              "Nothing to do if the MX hosts are intended; senders try them in preference order and rarely go "
              "past the first few.");
}

}  // namespace relaymetry::rules::detail
