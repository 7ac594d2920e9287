// submission.*: discovery (RFC 6186), reachability, and the SMTP/TLS dialogue (RFC 8314, RFC 3207).
#include <algorithm>

#include "checks.hpp"

namespace relaymetry::rules::detail {

namespace {

bool is_connect_failure(ProbeStatus status) {
    return status == ProbeStatus::refused || status == ProbeStatus::timeout || status == ProbeStatus::unreachable;
}

bool all_failed(const Endpoint& endpoint) {
    return !endpoint.addresses.empty() &&
           std::all_of(endpoint.addresses.begin(), endpoint.addresses.end(),
                       [](const AddressProbe& probe) { return is_connect_failure(probe.status); });
}

bool all_refused(const Endpoint& endpoint) {
    return !endpoint.addresses.empty() &&
           std::all_of(endpoint.addresses.begin(), endpoint.addresses.end(),
                       [](const AddressProbe& probe) { return probe.status == ProbeStatus::refused; });
}

// A fallback endpoint (smtp.<domain>:465/587, RFC 8314 §5.1 guessing) whose every address refuses the
// connection is simply not offered; an SRV endpoint is offered by being published.
bool offered(const Endpoint& endpoint) {
    return endpoint.from_srv || (!endpoint.addresses.empty() && !all_refused(endpoint));
}

std::string service_name(const Endpoint& endpoint) {
    return endpoint.security == Security::implicit_tls ? "_submissions._tcp" : "_submission._tcp";
}

std::string describe_failure(const AddressProbe& probe) {
    std::string text = probe.address + " (" + std::string(to_string(probe.status));
    if (probe.error && !probe.error->empty()) {
        text += ": " + *probe.error;
    }
    return text + ")";
}

std::string failures_of(const Endpoint& endpoint) {
    std::vector<std::string> failures;
    for (const auto& probe : endpoint.addresses) {
        failures.push_back(describe_failure(probe));
    }
    return join(failures, ", ");
}

template <typename Visit>
void for_each_probe(const DomainFacts& facts, Visit visit) {
    if (!facts.submission) {
        return;
    }
    for (const auto& endpoint : facts.submission->endpoints) {
        for (const auto& probe : endpoint.addresses) {
            visit(endpoint, probe);
        }
    }
}

// `host` is `domain` or a name below it, whatever the case.
bool is_inside(const std::string& host, const std::string& domain) {
    const auto name = lower(host);
    return name == domain || (name.size() > domain.size() && name.ends_with("." + domain));
}

}  // namespace

void check_submission_not_found(const DomainFacts& facts, const RuleOptions&, Findings& out) {
    if (!facts.submission || facts.submission->source != DiscoverySource::none ||
        !facts.submission->lookup_failures.empty()) {
        return;
    }
    emit(out, "submission.not-found", Target::domain(domain_of(facts)),
         domain_of(facts) + " publishes no submission SRV records (_submissions._tcp, _submission._tcp) and smtp." +
             domain_of(facts) + " does not resolve: mail clients cannot discover a submission server.",
         "Nothing to do if the users of " + domain_of(facts) +
             " send mail through a provider's server. Otherwise publish _submissions._tcp." + domain_of(facts) +
             " SRV 0 1 465 <your server> (RFC 6186).");
}

void check_submission_srv_disabled(const DomainFacts& facts, const RuleOptions&, Findings& out) {
    if (!facts.submission) {
        return;
    }
    for (const auto& srv : facts.submission->srv) {
        if (srv.target != ".") {
            continue;
        }
        const std::string name = srv.service + "." + domain_of(facts);
        emit(out, "submission.srv-disabled", Target::record(name),
             "The SRV record " + name + " has the target \".\": the domain states that this service is not offered.");
    }
}

void check_submission_srv_target_unresolvable(const DomainFacts& facts, const RuleOptions&, Findings& out) {
    if (!facts.submission) {
        return;
    }
    for (const auto& endpoint : facts.submission->endpoints) {
        const auto& resolution = endpoint.resolution;
        if (!endpoint.from_srv || !is_absent(resolution.v4_status) || !is_absent(resolution.v6_status)) {
            continue;
        }
        emit(out, "submission.srv-target-unresolvable", endpoint_target(endpoint),
             "The SRV record " + service_name(endpoint) + "." + domain_of(facts) + " points to " + endpoint.host +
                 " (port " + std::to_string(endpoint.port) +
                 "), which has no address (A: " + std::string(to_string(resolution.v4_status)) +
                 ", AAAA: " + std::string(to_string(resolution.v6_status)) + "): clients following it cannot connect.",
             "Publish A/AAAA records for " + endpoint.host + ", or point " + service_name(endpoint) + "." +
                 domain_of(facts) + " at a host that has them.");
    }
}

void check_submission_unreachable(const DomainFacts& facts, const RuleOptions&, Findings& out) {
    if (!facts.submission) {
        return;
    }
    std::vector<const Endpoint*> fallback;
    for (const auto& endpoint : facts.submission->endpoints) {
        if (!endpoint.from_srv) {
            fallback.push_back(&endpoint);
            // Every address refusing = the port is not offered (judged below, across both ports).
            if (all_refused(endpoint) || !all_failed(endpoint)) {
                continue;
            }
        } else if (!all_failed(endpoint)) {
            continue;
        }
        emit(out, "submission.unreachable", endpoint_target(endpoint),
             "No address of " + endpoint_text(endpoint) + " (" + std::string(to_string(endpoint.security)) +
                 ") could be reached: " + failures_of(endpoint) + ".",
             "Make " + endpoint.host + " accept connections on port " + std::to_string(endpoint.port) +
                 " (firewall, service running and listening on every published address), or stop advertising it.");
    }
    const bool none_offered = !fallback.empty() && std::none_of(fallback.begin(), fallback.end(),
                                                                [](const Endpoint* e) { return offered(*e); });
    if (none_offered) {
        std::vector<std::string> ports;
        for (const Endpoint* endpoint : fallback) {
            ports.push_back("port " + std::to_string(endpoint->port) + ": " + failures_of(*endpoint));
        }
        const std::string& host = fallback.front()->host;
        emit(out, "submission.unreachable", Target::host(host),
             host + " resolves but refuses connections on every submission port tried (" + join(ports, "; ") + ").",
             "If " + host +
                 " is your submission server, open port 465 (implicit TLS) on it; if it is not, publish "
                 "_submissions._tcp." +
                 domain_of(facts) + " SRV pointing at the real server (RFC 6186).");
    }
}

void check_submission_address_unreachable(const DomainFacts& facts, const RuleOptions&, Findings& out) {
    if (!facts.submission) {
        return;
    }
    for (const auto& endpoint : facts.submission->endpoints) {
        if (all_failed(endpoint)) {
            continue;
        }
        for (const auto& probe : endpoint.addresses) {
            if (!is_connect_failure(probe.status)) {
                continue;
            }
            emit(out, "submission.address-unreachable", address_target(endpoint, probe),
                 probe.address + " of " + endpoint_text(endpoint) + " could not be reached (" +
                     std::string(to_string(probe.status)) + error_suffix(probe) +
                     ") while its other addresses answer: clients that pick this address stall or fail.",
                 "Make " + endpoint.host + " answer on " + probe.address + " port " + std::to_string(endpoint.port) +
                     ", or remove " + probe.address + " from the DNS records of " + endpoint.host + ".");
        }
    }
}

void check_submission_no_implicit_tls(const DomainFacts& facts, const RuleOptions&, Findings& out) {
    if (!facts.submission) {
        return;
    }
    const auto& submission = *facts.submission;
    const bool srv_failed = std::any_of(submission.lookup_failures.begin(), submission.lookup_failures.end(),
                                        [](const LookupFailure& failure) { return failure.type == RecordType::srv; });
    if (srv_failed || (submission.source != DiscoverySource::srv && submission.source != DiscoverySource::fallback)) {
        return;
    }
    const auto& endpoints = submission.endpoints;
    const bool any_offered =
        std::any_of(endpoints.begin(), endpoints.end(), [](const Endpoint& e) { return offered(e); });
    const bool implicit_offered = std::any_of(endpoints.begin(), endpoints.end(), [](const Endpoint& e) {
        return e.security == Security::implicit_tls && offered(e);
    });
    if (!any_offered || implicit_offered) {
        return;
    }
    if (submission.source == DiscoverySource::srv) {
        emit(out, "submission.no-implicit-tls", Target::domain(domain_of(facts)),
             domain_of(facts) +
                 " publishes no usable _submissions._tcp SRV record: clients are pointed only at "
                 "STARTTLS submission, not at implicit TLS.",
             "Offer implicit TLS on port 465 and publish _submissions._tcp." + domain_of(facts) +
                 " SRV 0 1 465 <your server> (RFC 8314 §5.1).");
    } else {
        const std::string host = endpoints.empty() ? "smtp." + domain_of(facts) : endpoints.front().host;
        emit(out, "submission.no-implicit-tls", Target::domain(domain_of(facts)),
             host + " does not accept connections on port 465: submission is offered only with STARTTLS.",
             "Offer implicit TLS on port 465 of " + host + " (RFC 8314 §3.3), and publish _submissions._tcp." +
                 domain_of(facts) + " SRV 0 1 465 " + host + ".");
    }
}

void check_submission_not_tls(const DomainFacts& facts, const RuleOptions&, Findings& out) {
    for_each_probe(facts, [&](const Endpoint& endpoint, const AddressProbe& probe) {
        if (!probe.smtp.plaintext_on_implicit_port) {
            return;
        }
        emit(out, "submission.not-tls", address_target(endpoint, probe),
             endpoint_text(endpoint, probe) + " answered in plaintext SMTP (banner " + quoted(probe.smtp.banner) +
                 ") instead of a TLS handshake: clients expecting implicit TLS fail, and nothing on this port is "
                 "encrypted.",
             "Configure port " + std::to_string(endpoint.port) + " of " + endpoint.host +
                 " for implicit TLS (e.g. Postfix smtpd_tls_wrappermode=yes, Exim tls_on_connect_ports).");
    });
}

void check_submission_tls_failed(const DomainFacts& facts, const RuleOptions&, Findings& out) {
    for_each_probe(facts, [&](const Endpoint& endpoint, const AddressProbe& probe) {
        if (endpoint.security != Security::implicit_tls || probe.status != ProbeStatus::tls_failed ||
            probe.smtp.plaintext_on_implicit_port || only_deprecated_tls(probe)) {
            return;
        }
        emit(out, "submission.tls-failed", address_target(endpoint, probe),
             "The TLS handshake with " + endpoint_text(endpoint, probe) + " failed" + error_suffix(probe) + ".",
             "Check the TLS configuration of " + endpoint.host + " on port " + std::to_string(endpoint.port) +
                 ": a certificate and key installed, TLS 1.2 or 1.3 enabled (openssl s_client -connect " +
                 endpoint.host + ":" + std::to_string(endpoint.port) + ").");
    });
}

void check_submission_starttls_missing(const DomainFacts& facts, const RuleOptions&, Findings& out) {
    for_each_probe(facts, [&](const Endpoint& endpoint, const AddressProbe& probe) {
        if (probe.status != ProbeStatus::no_starttls) {
            return;
        }
        emit(out, "submission.starttls-missing", address_target(endpoint, probe),
             endpoint_text(endpoint, probe) + " does not advertise STARTTLS (EHLO: " + join(probe.smtp.ehlo, ", ") +
                 "): clients would send passwords and mail in cleartext, or refuse to submit.",
             "Enable STARTTLS on port " + std::to_string(endpoint.port) + " of " + endpoint.host +
                 " (e.g. Postfix smtpd_tls_security_level=encrypt on the submission service).");
    });
}

void check_submission_starttls_failed(const DomainFacts& facts, const RuleOptions&, Findings& out) {
    for_each_probe(facts, [&](const Endpoint& endpoint, const AddressProbe& probe) {
        const bool rejected = probe.status == ProbeStatus::starttls_rejected;
        const bool handshake = probe.status == ProbeStatus::tls_failed && endpoint.security == Security::starttls;
        if ((!rejected && !handshake) || only_deprecated_tls(probe)) {
            return;
        }
        const std::string what =
            rejected ? " rejected the STARTTLS command" : " failed the TLS handshake after STARTTLS";
        emit(out, "submission.starttls-failed", address_target(endpoint, probe),
             endpoint_text(endpoint, probe) + what + error_suffix(probe) + ".",
             "Check the TLS configuration of " + endpoint.host + " on port " + std::to_string(endpoint.port) +
                 " (openssl s_client -starttls smtp -connect " + endpoint.host + ":" + std::to_string(endpoint.port) +
                 ").");
    });
}

void check_submission_starttls_buffered_data(const DomainFacts& facts, const RuleOptions&, Findings& out) {
    for_each_probe(facts, [&](const Endpoint& endpoint, const AddressProbe& probe) {
        if (!probe.smtp.data_after_starttls_reply) {
            return;
        }
        emit(out, "submission.starttls-buffered-data", address_target(endpoint, probe),
             endpoint_text(endpoint, probe) +
                 " sent bytes after its STARTTLS \"220\" reply and before the TLS handshake: a server (or a "
                 "middlebox) that mixes cleartext into the TLS session lets an attacker inject commands.",
             "Update the mail server or remove the proxy in front of " + endpoint.host +
                 " so that nothing follows the STARTTLS reply (CVE-2011-0411 class).");
    });
}

void check_submission_auth_before_tls(const DomainFacts& facts, const RuleOptions&, Findings& out) {
    for_each_probe(facts, [&](const Endpoint& endpoint, const AddressProbe& probe) {
        if (endpoint.security != Security::starttls || probe.smtp.auth_before_tls.empty()) {
            return;
        }
        emit(out, "submission.auth-before-tls", address_target(endpoint, probe),
             endpoint_text(endpoint, probe) + " offers AUTH " + join(probe.smtp.auth_before_tls, " ") +
                 " before STARTTLS: clients are invited to send credentials in cleartext.",
             "Advertise AUTH on " + endpoint.host +
                 " only after STARTTLS (e.g. Postfix smtpd_tls_auth_only=yes, "
                 "Exim auth_advertise_hosts = ${if eq{$tls_in_cipher}{}{}{*}}).");
    });
}

void check_submission_protocol_error(const DomainFacts& facts, const RuleOptions&, Findings& out) {
    for_each_probe(facts, [&](const Endpoint& endpoint, const AddressProbe& probe) {
        if (probe.status != ProbeStatus::protocol_error || probe.smtp.plaintext_on_implicit_port) {
            return;
        }
        emit(out, "submission.protocol-error", address_target(endpoint, probe),
             endpoint_text(endpoint, probe) + " broke the SMTP protocol" + error_suffix(probe) + ".",
             "Check that port " + std::to_string(endpoint.port) + " of " + endpoint.host +
                 " is served by an SMTP submission server and not by another service or a broken proxy.");
    });
}

void check_submission_inconclusive(const DomainFacts& facts, const RuleOptions&, Findings& out) {
    for_each_probe(facts, [&](const Endpoint& endpoint, const AddressProbe& probe) {
        if (probe.status != ProbeStatus::inconclusive) {
            return;
        }
        emit(out, "submission.inconclusive", address_target(endpoint, probe),
             endpoint_text(endpoint, probe) + " turned the probe away" + error_suffix(probe) +
                 ": its TLS posture could not be judged (this is not a finding of missing TLS).",
             "Run the check again later, or from an address the server does not rate-limit.");
    });
}

void check_submission_not_probed(const DomainFacts& facts, const RuleOptions&, Findings& out) {
    for_each_probe(facts, [&](const Endpoint& endpoint, const AddressProbe& probe) {
        if (probe.status != ProbeStatus::not_probed) {
            return;
        }
        emit(out, "submission.not-probed", address_target(endpoint, probe),
             endpoint_text(endpoint, probe) + " was not probed" + error_suffix(probe) +
                 ": this says nothing about the server.",
             "Give the check more time (--timeout), check fewer domains at once (--parallel), or allow more new "
             "connections per second (--connect-rate).");
    });
}

// RFC 8314 §5.1, RFC 6186 §6: SRV records that are not signed can be forged; a target inside the
// domain at least stays under the domain's own name (and its certificate must cover that name).
void check_submission_srv_unsigned_outside(const DomainFacts& facts, const RuleOptions&, Findings& out) {
    if (!dnssec_judged(facts) || !facts.submission) {
        return;
    }
    std::vector<std::string> reported;
    for (const auto& endpoint : facts.submission->endpoints) {
        if (!endpoint.from_srv || endpoint.srv_dnssec != DnssecStatus::insecure ||
            is_inside(endpoint.host, facts.domain) ||
            std::find(reported.begin(), reported.end(), endpoint.host) != reported.end()) {
            continue;
        }
        reported.push_back(endpoint.host);
        emit(out, "submission.srv-unsigned-outside", endpoint_target(endpoint),
             "The submission SRV records of " + domain_of(facts) + " are not DNSSEC-signed and name " + endpoint.host +
                 ", outside " + domain_of(facts) +
                 ": RFC 8314 §5.1 (and RFC 6186 §6) tell mail clients not to trust such a target, since a forged "
                 "answer could send their passwords to any server; careful clients ignore it or ask the user.",
             "Sign the zone of " + domain_of(facts) +
                 " so that its SRV records are secure, or name a submission host inside " + domain_of(facts) +
                 " (an A/AAAA record such as submission." + domain_of(facts) +
                 " for the provider's server, covered by its certificate).");
    }
}

void check_submission_probes_capped(const DomainFacts& facts, const RuleOptions&, Findings& out) {
    if (!facts.submission) {
        return;
    }
    emit_caps(out, "submission.probes-capped", facts, facts.submission->caps, "submission server", "probed",
              "Nothing to do if the servers are intended; mail clients try only the first few SRV targets and "
              "addresses, so a shorter list is also the one they use.");
}

}  // namespace relaymetry::rules::detail
