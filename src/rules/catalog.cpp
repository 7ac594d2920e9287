// The rule catalogue: one static table, in the order findings are reported. Each row names its check
// (checks.hpp); docs/rules.md is generated from this table by catalog_markdown().
#include <algorithm>
#include <array>

#include "checks.hpp"

namespace relaymetry::rules {

namespace {

using namespace detail;
using enum Severity;

// clang-format off
constexpr std::array k_rules = {
    // ---- submission (RFC 6186, RFC 8314, RFC 3207) ----
    Rule{"submission.not-found", notice, "submission",
         "No submission SRV records and no smtp.<domain>: fine if the domain sends no mail through its own server",
         "Nothing to do if users submit mail through a provider; otherwise publish "
         "_submissions._tcp.<domain> SRV 0 1 465 <server>.",
         "RFC 6186 §3", check_submission_not_found},
    Rule{"submission.srv-disabled", notice, "submission",
         "An SRV target is \".\": the service is explicitly not offered",
         "Nothing to do if the service is deliberately not offered; otherwise point the SRV record at the server.",
         "RFC 6186 §3, RFC 2782", check_submission_srv_disabled},
    Rule{"submission.srv-target-unresolvable", error, "submission",
         "An SRV target has no A/AAAA record",
         "Publish A/AAAA records for the SRV target, or point the SRV record at a host that has them.",
         "RFC 6186 §3, RFC 2782", check_submission_srv_target_unresolvable},
    Rule{"submission.srv-unsigned-outside", warning, "submission",
         "The SRV records are not DNSSEC-signed and name a target outside the domain: careful clients do not "
         "trust it",
         "Sign the zone so that the SRV records are secure, or name a submission host inside the domain.",
         "RFC 8314 §5.1, RFC 6186 §6", check_submission_srv_unsigned_outside},
    Rule{"submission.unreachable", error, "submission",
         "No address of a submission endpoint could be reached (refused, timeout, unreachable)",
         "Make the server accept connections on the published port, or stop advertising it.",
         "RFC 8314 §3", check_submission_unreachable},
    Rule{"submission.address-unreachable", warning, "submission",
         "Some, not all, addresses of an endpoint fail (e.g. broken IPv6)",
         "Make the server answer on every published address, or remove the failing address from DNS.",
         "RFC 8314 §3", check_submission_address_unreachable},
    Rule{"submission.no-implicit-tls", notice, "submission",
         "Implicit TLS (port 465) is not offered; RFC 8314 prefers it to STARTTLS",
         "Offer implicit TLS on port 465 and publish _submissions._tcp.<domain> SRV 0 1 465 <server>.",
         "RFC 8314 §3.3, §5.1", check_submission_no_implicit_tls},
    Rule{"submission.not-tls", error, "submission",
         "The implicit-TLS port answers in plaintext SMTP instead of a TLS handshake",
         "Configure the port for implicit TLS (Postfix smtpd_tls_wrappermode=yes, Exim tls_on_connect_ports).",
         "RFC 8314 §3.3", check_submission_not_tls},
    Rule{"submission.tls-failed", error, "submission",
         "The TLS handshake on the implicit-TLS port failed",
         "Check the server's TLS configuration: certificate and key installed, TLS 1.2 or 1.3 enabled.",
         "RFC 8314 §3.3", check_submission_tls_failed},
    Rule{"submission.starttls-missing", error, "submission",
         "The STARTTLS port does not advertise STARTTLS",
         "Enable STARTTLS on the submission port (Postfix smtpd_tls_security_level=encrypt).",
         "RFC 3207 §4, RFC 8314 §3.4", check_submission_starttls_missing},
    Rule{"submission.starttls-failed", error, "submission",
         "STARTTLS is rejected, or the TLS handshake after it fails",
         "Check the server's TLS configuration (openssl s_client -starttls smtp -connect <host>:587).",
         "RFC 3207 §4", check_submission_starttls_failed},
    Rule{"submission.starttls-buffered-data", error, "submission",
         "The server sends bytes after its STARTTLS reply, before the handshake (command injection class)",
         "Update the mail server or remove the proxy in front of it so that nothing follows the STARTTLS reply.",
         "RFC 3207 §6, CVE-2011-0411", check_submission_starttls_buffered_data},
    Rule{"submission.auth-before-tls", warning, "submission",
         "AUTH is advertised before STARTTLS: credentials are invited in cleartext",
         "Advertise AUTH only after STARTTLS (Postfix smtpd_tls_auth_only=yes).",
         "RFC 8314 §3.4, RFC 4954 §4", check_submission_auth_before_tls},
    Rule{"submission.protocol-error", error, "submission",
         "The server broke SMTP (no 220 banner, malformed replies, oversized lines)",
         "Check that the port is served by an SMTP submission server, not another service or a broken proxy.",
         "RFC 5321 §4.2", check_submission_protocol_error},
    Rule{"submission.inconclusive", warning, "submission",
         "The server turned the probe away (421, too many connections, closed after the banner): TLS not judged",
         "Run the check again later, or from an address the server does not rate-limit.",
         "RFC 5321 §3.8", check_submission_inconclusive},
    Rule{"submission.not-probed", notice, "submission",
         "The run's own connection limits were busy until the deadline: the address was not probed",
         "Give the check more time (--timeout), fewer domains at once (--parallel), or a higher --connect-rate.",
         "docs/cli.md \"Politeness\"", check_submission_not_probed},
    Rule{"submission.probes-capped", notice, "submission",
         "The domain names more submission servers or addresses than one check probes: some were left out",
         "Nothing to do if intended; mail clients, too, try only the first few SRV targets and addresses.",
         "docs/cli.md \"Limits\"", check_submission_probes_capped},
    // ---- TLS (submission hosts and the MTA-STS policy host) ----
    Rule{"tls.version-deprecated", error, "tls",
         "Negotiated TLS 1.0 or 1.1",
         "Enable TLS 1.2 and 1.3 and disable TLS 1.0 and 1.1.",
         "RFC 8996", check_tls_version_deprecated},
    Rule{"tls.legacy-accepted", warning, "tls",
         "Negotiates a modern version but still accepts TLS 1.0/1.1 when offered",
         "Disable TLS 1.0 and 1.1 (Postfix smtpd_tls_protocols = >=TLSv1.2).",
         "RFC 8996", check_tls_legacy_accepted},
    Rule{"tls.legacy-not-tested", notice, "tls",
         "Whether TLS 1.0/1.1 are still accepted could not be tested (turned away, deadline): not a pass",
         "Run the check again later, or from an address the server does not rate-limit.",
         "RFC 8996", check_tls_legacy_not_tested},
    Rule{"tls.no-tls13", notice, "tls",
         "TLS 1.3 is not supported",
         "Enable TLS 1.3 (OpenSSL 1.1.1 or later).",
         "RFC 8446, RFC 9325 §3.1.1", check_tls_no_tls13},
    Rule{"tls.weak-cipher", warning, "tls",
         "Negotiated a suite without forward secrecy, or with RC4/3DES/NULL/EXPORT/MD5",
         "Prefer ECDHE suites with AES-GCM or ChaCha20-Poly1305; disable RC4, 3DES, NULL, EXPORT and static RSA.",
         "RFC 9325 §4.1", check_tls_weak_cipher},
    Rule{"tls.chain-too-long", warning, "tls",
         "The server sent a chain of more than 10 certificates: only the first 10 were kept and verified",
         "Send only the server's certificate and the intermediates up to (not including) the root.",
         "RFC 8446 §4.4.2, docs/cli.md \"Limits\"", check_tls_chain_too_long},
    // ---- certificates ----
    Rule{"cert.expired", error, "cert",
         "The certificate has expired",
         "Renew the certificate, reload the server, and make renewal automatic.",
         "RFC 5280 §4.1.2.5", check_cert_expired},
    Rule{"cert.not-yet-valid", error, "cert",
         "The certificate is not valid yet",
         "Check the issuing machine's clock, or install a certificate that is valid now.",
         "RFC 5280 §4.1.2.5", check_cert_not_yet_valid},
    Rule{"cert.expires-soon", warning, "cert",
         "The certificate expires within the warning period (--expiry-warning, default 14 days)",
         "Renew the certificate now, and check that automatic renewal also reloads the server.",
         "RFC 5280 §4.1.2.5", check_cert_expires_soon},
    Rule{"cert.untrusted", error, "cert",
         "The chain does not verify (unknown CA, self-signed, missing intermediate)",
         "Install a certificate from a publicly trusted CA and send the full chain.",
         "RFC 5280 §6", check_cert_untrusted},
    Rule{"cert.name-mismatch", error, "cert",
         "No SAN (or CN when no SAN) covers the host name",
         "Re-issue the certificate with the host name in its Subject Alternative Names.",
         "RFC 6125 §6", check_cert_name_mismatch},
    Rule{"cert.weak-key", error, "cert",
         "RSA/DSA key under 2048 bits or EC key under 256 bits, on the leaf or an intermediate",
         "Re-issue the certificate with an RSA key of at least 2048 bits or an EC P-256 key.",
         "RFC 9325 §4.5, CA/B Forum BR §6.1.5", check_cert_weak_key},
    Rule{"cert.weak-signature", error, "cert",
         "SHA-1 or MD5 signature on the leaf or an intermediate",
         "Re-issue the certificate signed with SHA-256 or better, with intermediates that are too.",
         "RFC 9155, CA/B Forum BR §7.1.3", check_cert_weak_signature},
    // ---- MX (RFC 5321, RFC 7505) ----
    Rule{"mx.none", notice, "mx",
         "No MX record: senders fall back to the A/AAAA of the domain",
         "Publish an MX record for the receiving host, or a null MX (\"0 .\") if the domain receives no mail.",
         "RFC 5321 §5.1", check_mx_none},
    Rule{"mx.null", notice, "mx",
         "Null MX (\"0 .\"): the domain accepts no mail; inbound TLS policy does not apply",
         "Nothing to do if the domain should receive no mail; otherwise publish real MX records.",
         "RFC 7505 §3", check_mx_null},
    Rule{"mx.probe-blocked", notice, "mx",
         "--mx-probe: every port-25 connection of the run failed the same way: outbound port 25 seems blocked here",
         "Run --mx-probe from a network that allows outbound port 25, or leave it off there.",
         "RFC 5321 §3.1", check_mx_probe_blocked},
    Rule{"mx.unreachable", warning, "mx",
         "--mx-probe: an MX address could not be reached on port 25",
         "Make the MX host accept SMTP on every published address, or remove the address.",
         "RFC 5321 §5.1", check_mx_unreachable},
    Rule{"mx.starttls-missing", warning, "mx",
         "--mx-probe: the MX host does not offer STARTTLS: mail to it travels in plaintext (error when MTA-STS "
         "enforces or DANE applies: then it is not delivered)",
         "Enable STARTTLS on the MX host, with a certificate and key.",
         "RFC 3207 §4, RFC 7435", check_mx_starttls_missing},
    Rule{"mx.starttls-failed", error, "mx",
         "--mx-probe: STARTTLS is offered but no TLS session is possible (refused, or the handshake fails)",
         "Repair the MX host's TLS configuration on port 25 (certificate, key, protocols).",
         "RFC 3207 §4", check_mx_starttls_failed},
    Rule{"mx.inconclusive", notice, "mx",
         "--mx-probe: the MX host turned the probe away (421, greylisting, tarpit) or the run's limits did: not judged",
         "Run the check again later, or from an address the MX does not rate-limit.",
         "RFC 5321 §4.2.1", check_mx_inconclusive},
    Rule{"mx.requiretls-not-offered", notice, "mx",
         "--mx-probe: MTA-STS or DANE asks for TLS, but the MX host does not advertise REQUIRETLS",
         "Nothing is broken; use an MTA that implements REQUIRETLS to accept mail that demands TLS end to end.",
         "RFC 8689 §4.1", check_mx_requiretls_not_offered},
    Rule{"mx.probes-capped", notice, "mx",
         "The domain names more MX hosts or addresses than one check resolves or probes: some were left out",
         "Nothing to do if intended; senders try MX hosts in preference order and rarely go past the first few.",
         "docs/cli.md \"Limits\"", check_mx_probes_capped},
    // ---- MTA-STS (RFC 8461) ----
    Rule{"mta-sts.not-published", warning, "mta-sts",
         "No MTA-STS TXT record at _mta-sts.<domain>",
         "Serve a policy at https://mta-sts.<domain>/.well-known/mta-sts.txt, then publish "
         "_mta-sts.<domain> TXT \"v=STSv1; id=...\".",
         "RFC 8461 §3.1", check_mta_sts_not_published},
    Rule{"mta-sts.txt-invalid", error, "mta-sts",
         "The TXT record's syntax is invalid (v=STSv1 first, id=1*32 alphanumerics)",
         "Publish exactly \"v=STSv1; id=<1 to 32 letters or digits>\".",
         "RFC 8461 §3.1", check_mta_sts_txt_invalid},
    Rule{"mta-sts.txt-multiple", error, "mta-sts",
         "More than one v=STSv1 record: senders treat that as no policy",
         "Delete all but one v=STSv1 record.",
         "RFC 8461 §3.1", check_mta_sts_txt_multiple},
    Rule{"mta-sts.policy-unreachable", error, "mta-sts",
         "mta-sts.<domain> does not resolve or does not answer on 443",
         "Make mta-sts.<domain> resolve and serve the policy over HTTPS on port 443.",
         "RFC 8461 §3.3", check_mta_sts_policy_unreachable},
    Rule{"mta-sts.policy-not-fetched", notice, "mta-sts",
         "The run's own connection limits were busy until the deadline: the policy was not fetched, not judged",
         "Give the check more time (--timeout) or check fewer domains at once (--parallel).",
         "docs/cli.md \"Politeness\"", check_mta_sts_policy_not_fetched},
    Rule{"mta-sts.policy-http-error", error, "mta-sts",
         "The policy URL answers with a status other than 200",
         "Serve the policy file with status 200.",
         "RFC 8461 §3.3", check_mta_sts_policy_http_error},
    Rule{"mta-sts.policy-redirect", error, "mta-sts",
         "The policy URL redirects (senders must not follow redirects)",
         "Serve the policy directly at https://mta-sts.<domain>/.well-known/mta-sts.txt with status 200.",
         "RFC 8461 §3.3", check_mta_sts_policy_redirect},
    Rule{"mta-sts.policy-tls-invalid", error, "mta-sts",
         "The policy host's certificate is not valid for mta-sts.<domain> (details as cert.*)",
         "Install a publicly trusted, current certificate for mta-sts.<domain>, with its full chain.",
         "RFC 8461 §3.3", check_mta_sts_policy_tls_invalid},
    Rule{"mta-sts.policy-content-type", warning, "mta-sts",
         "The policy is not served as text/plain",
         "Serve the policy with \"Content-Type: text/plain\".",
         "RFC 8461 §3.3", check_mta_sts_policy_content_type},
    Rule{"mta-sts.policy-too-large", error, "mta-sts",
         "The policy body is over 64 KiB",
         "Serve the policy file itself (a few hundred bytes), not another page.",
         "RFC 8461 §3.3", check_mta_sts_policy_too_large},
    Rule{"mta-sts.policy-invalid", error, "mta-sts",
         "Policy syntax: missing/unknown version, bad mode, max_age not 0..31557600, no mx in enforce/testing",
         "Fix the policy file: version: STSv1, mode, max_age, and one mx line per MX host.",
         "RFC 8461 §3.2", check_mta_sts_policy_invalid},
    Rule{"mta-sts.policy-line-endings", notice, "mta-sts",
         "The policy uses LF instead of CRLF line endings",
         "Save the policy file with CRLF line endings.",
         "RFC 8461 §3.2", check_mta_sts_policy_line_endings},
    Rule{"mta-sts.policy-duplicate-field", warning, "mta-sts",
         "A non-mx field appears twice: senders disagree about which one counts",
         "Keep a single line for each field other than mx.",
         "RFC 8461 §3.2", check_mta_sts_policy_duplicate_field},
    Rule{"mta-sts.policy-without-txt", warning, "mta-sts",
         "A policy is served but no TXT record announces it, so senders never fetch it",
         "Publish _mta-sts.<domain> TXT \"v=STSv1; id=...\".",
         "RFC 8461 §3.1", check_mta_sts_policy_without_txt},
    Rule{"mta-sts.mode-none", warning, "mta-sts",
         "The policy is in mode none: senders apply no TLS requirement",
         "Move to mode testing, then enforce (changing the TXT id each time).",
         "RFC 8461 §5", check_mta_sts_mode_none},
    Rule{"mta-sts.mode-testing", notice, "mta-sts",
         "The policy is in mode testing: failures are reported, mail is still delivered without TLS",
         "When TLS-RPT reports show no failures, move to mode enforce and change the TXT id.",
         "RFC 8461 §5", check_mta_sts_mode_testing},
    Rule{"mta-sts.max-age-short", notice, "mta-sts",
         "max_age is under one day (weeks are recommended)",
         "Set max_age to at least 604800 (one week).",
         "RFC 8461 §3.2", check_mta_sts_max_age_short},
    Rule{"mta-sts.mx-not-covered", error, "mta-sts",
         "An MX host matches no mx pattern (error in enforce, warning in testing)",
         "Add an mx line matching the MX host to the policy and change the TXT id.",
         "RFC 8461 §4.1", check_mta_sts_mx_not_covered},
    Rule{"mta-sts.mx-pattern-unused", notice, "mta-sts",
         "A policy mx pattern matches none of the domain's MX hosts (a stale entry)",
         "Remove the stale mx line from the policy and change the TXT id.",
         "RFC 8461 §4.1", check_mta_sts_mx_pattern_unused},
    Rule{"mta-sts.mx-certificate-invalid", error, "mta-sts",
         "--mx-probe: an MX certificate does not verify for the MX host (error in enforce, warning in testing)",
         "Install a publicly trusted certificate for the MX host name, with its full chain.",
         "RFC 8461 §4.2", check_mta_sts_mx_certificate_invalid},
    // ---- TLS-RPT (RFC 8460) ----
    Rule{"tls-rpt.not-published", warning, "tls-rpt",
         "No TLS-RPT record at _smtp._tls.<domain>",
         "Publish _smtp._tls.<domain> TXT \"v=TLSRPTv1; rua=mailto:<address>\".",
         "RFC 8460 §3", check_tls_rpt_not_published},
    Rule{"tls-rpt.invalid", error, "tls-rpt",
         "The TLS-RPT record's syntax is invalid",
         "Publish exactly \"v=TLSRPTv1; rua=mailto:<address>\".",
         "RFC 8460 §3", check_tls_rpt_invalid},
    Rule{"tls-rpt.multiple", error, "tls-rpt",
         "More than one v=TLSRPTv1 record: senders treat that as no record",
         "Merge them into one record; separate several rua URIs with commas.",
         "RFC 8460 §3", check_tls_rpt_multiple},
    Rule{"tls-rpt.rua-invalid", error, "tls-rpt",
         "A rua is not a mailto: or https: URI, or the mailto has no valid address",
         "Use mailto:<address> or https://<host>/<path> as the rua.",
         "RFC 8460 §3", check_tls_rpt_rua_invalid},
    Rule{"tls-rpt.rua-repeated", warning, "tls-rpt",
         "The record has more than one rua field: RFC 8460 allows it, but some report senders read only the first",
         "Merge them into one rua field, its URIs separated by commas: rua=<uri>,<uri>.",
         "RFC 8460 §3", check_tls_rpt_rua_repeated},
    // ---- DNS ----
    Rule{"dns.resolver-unreachable", error, "dns",
         "The resolver itself did not answer any lookup (refused, unreachable or no answer in time): nothing was "
         "judged",
         "Check the --dns address (or /etc/resolv.conf), that the resolver runs and answers this machine, and "
         "run the check again; exit code 4 says the check could not run.",
         "RFC 1035 §4.1.1", check_dns_resolver_unreachable},
    Rule{"dns.lookup-failed", error, "dns",
         "A lookup needed for an area failed (SERVFAIL, timeout, refused): the area is not judged",
         "Check that every authoritative name server answers the query, then run the check again.",
         "RFC 1035 §4.1.1", check_dns_lookup_failed},
    Rule{"dns.record-malformed", warning, "dns",
         "An answer held records that do not parse (wrong length, a name with control characters): they were "
         "ignored, the others used",
         "Correct or remove the broken record; dig shows what the name servers send.",
         "RFC 1035 §3.2.1, RFC 2181 §11", check_dns_record_malformed},
    Rule{"dns.answer-capped", notice, "dns",
         "An answer held more records than relaymetry reads (32 per answer, 8 addresses per host and family)",
         "Nothing to do if intended; a shorter RRset is checked whole.",
         "docs/cli.md \"Limits\"", check_dns_answer_capped},
    // ---- DNSSEC (RFC 4033-4035) ----
    Rule{"dnssec.resolver-not-validating", notice, "dnssec",
         "The resolver does not validate DNSSEC: DNSSEC and DANE could not be judged",
         "Check through a validating resolver: a local unbound (--dns 127.0.0.1) or a public one (--dns 9.9.9.9).",
         "RFC 6840 §5.7, RFC 7672 §2.1", check_dnssec_resolver_not_validating},
    Rule{"dnssec.bogus", error, "dnssec",
         "A lookup is DNSSEC-bogus: its signatures do not validate, so validating resolvers answer SERVFAIL",
         "Re-sign the zone if its signatures expired, or make the DS at the parent match the zone's DNSKEY.",
         "RFC 4035 §5.5, RFC 8914", check_dnssec_bogus},
    Rule{"dnssec.unsigned", notice, "dnssec",
         "The domain's zone is not DNSSEC-signed: its records can be forged, and DANE is impossible",
         "Sign the zone and publish its DS record at the registrar.",
         "RFC 4033 §3, RFC 7672 §1.3", check_dnssec_unsigned},
    // ---- DANE (RFC 6698, RFC 7671, RFC 7672, RFC 7673) ----
    Rule{"dane.tlsa-mismatch", error, "dane",
         "No usable TLSA record matches the certificate chain the server sent: DANE clients refuse it",
         "Publish the 3 1 1 record of the key the server uses now (the finding gives it), beside the old one.",
         "RFC 7671 §5, §8.1", check_dane_tlsa_mismatch},
    Rule{"dane.ta-not-in-chain", error, "dane",
         "The TLSA records name only trust anchors (DANE-TA), and the server does not send any of them",
         "Send the trust anchor's certificate in the chain, or publish the records of the CA in use.",
         "RFC 7671 §5.2.2", check_dane_ta_not_in_chain},
    Rule{"dane.tlsa-invalid", error, "dane",
         "A TLSA record is malformed (a digest of the wrong length, no data): it can never match",
         "Replace it with a well-formed record, e.g. 3 1 1 <SHA-256 of the server's public key>.",
         "RFC 6698 §2.1", check_dane_tlsa_invalid},
    Rule{"dane.tlsa-unusable", warning, "dane",
         "A TLSA record is unusable: PKIX usages 0/1 for an MX, or an unknown usage, selector or matching type",
         "Publish DANE-EE (3 1 1) or DANE-TA (2 1 1) records instead.",
         "RFC 7672 §3.1.3, RFC 7671 §4.1", check_dane_tlsa_unusable},
    Rule{"dane.no-rollover-key", notice, "dane",
         "A single DANE-EE record and none for the next key: the next key change breaks DANE",
         "Publish a second 3 1 1 record for the next key (or a 2 1 1 record for the issuing CA).",
         "RFC 7671 §8.1", check_dane_no_rollover_key},
    Rule{"dane.insecure-tlsa", notice, "dane",
         "TLSA records are published in an unsigned zone: clients ignore them",
         "Sign the zone that holds them (and publish its DS), or remove them.",
         "RFC 7672 §2.2, RFC 7673 §3", check_dane_insecure_tlsa},
    Rule{"dane.mta-sts-conflict", warning, "dane",
         "DANE fails for an MX host while MTA-STS enforces: DANE-validating senders will not deliver",
         "Repair DANE first; MTA-STS does not override a failing DANE.",
         "RFC 8461 §2", check_dane_mta_sts_conflict},
    // ---- drift (--state: what changed since the previous run) ----
    Rule{"drift.policy-changed-id-unchanged", error, "drift",
         "--state: the MTA-STS policy changed but the TXT id did not: senders keep the old policy",
         "Change the id in _mta-sts.<domain> whenever the policy changes.",
         "RFC 8461 §3.1", check_drift_policy_changed_id_unchanged},
    Rule{"drift.mx-changed-under-cached-policy", warning, "drift",
         "--state: MX hosts or mx patterns changed while senders cache a policy that does not cover the MX hosts",
         "Keep the old MX hosts until the cached policy expires (last fetch + max_age), or publish a covering "
         "policy first.",
         "RFC 8461 §5.1", check_drift_mx_changed_under_cached_policy},
    Rule{"drift.policy-unreachable-cached", warning, "drift",
         "--state: the policy host fails now; senders apply their cached policy until it expires, then none",
         "Bring the policy host back before the cached policy expires.",
         "RFC 8461 §3.3, §5.1", check_drift_policy_unreachable_cached},
    Rule{"drift.key-changed", notice, "drift",
         "--state: an address serves a new key since the previous run",
         "Publish the TLSA record of the new key first where DANE is used; otherwise nothing to do.",
         "RFC 7671 §8.1", check_drift_key_changed},
    Rule{"drift.record-changed", notice, "drift",
         "--state: an MX, MTA-STS or TLS-RPT record, or the policy (with a new id), changed",
         "Nothing to do if the change was intended.",
         "RFC 8461 §3.1", check_drift_record_changed},
};
// clang-format on

std::string pad(std::string_view text, std::size_t width) {
    std::string result(text);
    result.resize(std::max(width, text.size()), ' ');
    return result;
}

// Prose for Markdown: "<domain>" must not vanish as an HTML tag, "_submissions._tcp" must not turn italic.
std::string markdown_escape(std::string_view text) {
    std::string escaped;
    for (const char c : text) {
        switch (c) {
            case '<': escaped += "&lt;"; break;
            case '>': escaped += "&gt;"; break;
            case '_': escaped += "\\_"; break;
            case '*': escaped += "\\*"; break;
            case '|': escaped += "\\|"; break;
            default: escaped += c;
        }
    }
    return escaped;
}

// One rule's findings from `first` on: where more than k_max_alike share one target (3,476 unused mx
// patterns of one 64 KiB policy, each "on" the policy host), they become one finding that names the
// first few and the count, in the place of the first; the report stays readable and bounded.
void collapse_alike(Findings& findings, std::size_t first) {
    constexpr std::size_t k_max_alike = 5;
    constexpr std::size_t k_shown = 3;
    Findings kept(findings.begin(), findings.begin() + static_cast<std::ptrdiff_t>(first));
    std::vector<bool> taken(findings.size(), false);
    for (std::size_t i = first; i < findings.size(); ++i) {
        if (taken[i]) {
            continue;
        }
        std::vector<std::size_t> alike;
        for (std::size_t j = i; j < findings.size(); ++j) {
            if (!taken[j] && findings[j].target == findings[i].target) {
                alike.push_back(j);
            }
        }
        if (alike.size() <= k_max_alike) {
            taken[i] = true;
            kept.push_back(std::move(findings[i]));
            continue;
        }
        Finding summary = findings[i];
        std::string shown;
        for (std::size_t n = 0; n < alike.size(); ++n) {
            const auto& finding = findings[alike[n]];
            summary.severity = std::max(summary.severity, finding.severity);
            if (n < k_shown) {
                shown += (n == 0 ? "" : " | ") + finding.message;
            }
            taken[alike[n]] = true;
        }
        summary.message = std::to_string(alike.size()) + " findings of this rule here; the first " +
                          std::to_string(k_shown) + ": " + shown;
        kept.push_back(std::move(summary));
    }
    findings = std::move(kept);
}

}  // namespace

std::span<const Rule> catalog() {
    return k_rules;
}

const Rule* find_rule(std::string_view id) {
    const auto found = std::find_if(k_rules.begin(), k_rules.end(), [&](const Rule& rule) { return rule.id == id; });
    return found == k_rules.end() ? nullptr : &*found;
}

Findings evaluate(const DomainFacts& facts, const RuleOptions& options) {
    Findings findings;
    for (const auto& rule : k_rules) {
        const auto first = findings.size();
        rule.check(facts, options, findings);
        collapse_alike(findings, first);
    }
    return findings;
}

std::string catalog_markdown() {
    std::string text =
        "# Rule catalogue\n\n"
        "Generated from the table in `src/rules/catalog.cpp` by `rules::catalog_markdown()`; the unit test\n"
        "`unit.rules.catalog_test` fails when this file is stale, and rewrites it when run with\n"
        "`RELAYMETRY_UPDATE_DOCS=1`. Edit the table, not this file. `relaymetry rules` lists the rules and\n"
        "`relaymetry rules ID` explains one. Each finding also carries a fix specific to what was seen\n"
        "(host, port, address, values); the fix below is the general one.\n\n"
        "| ID | Severity | Area | Title |\n"
        "| --- | --- | --- | --- |\n";
    for (const auto& rule : k_rules) {
        text += "| `" + std::string(rule.id) + "` | " + std::string(to_string(rule.severity)) + " | " +
                std::string(rule.area) + " | " + markdown_escape(rule.title) + " |\n";
    }
    for (const auto& rule : k_rules) {
        text += "\n## " + std::string(rule.id) + "\n\n";
        text += "Severity: **" + std::string(to_string(rule.severity)) + "** · Area: " + std::string(rule.area) +
                " · Reference: " + markdown_escape(rule.reference) + "\n\n";
        text += markdown_escape(rule.title) + ".\n\n";
        text += "Fix: " + markdown_escape(rule.fix) + "\n";
    }
    return text;
}

std::string catalog_text() {
    std::size_t width = 0;
    for (const auto& rule : k_rules) {
        width = std::max(width, rule.id.size());
    }
    std::string text;
    for (const auto& rule : k_rules) {
        text += pad(rule.id, width) + "  " + pad(to_string(rule.severity), 7) + "  " + std::string(rule.title) + "\n";
    }
    return text;
}

std::string rule_text(const Rule& rule) {
    return std::string(rule.id) + " [" + std::string(to_string(rule.severity)) + "], area " + std::string(rule.area) +
           "\n" + std::string(rule.title) + ".\nFix: " + std::string(rule.fix) +
           "\nReference: " + std::string(rule.reference) + "\n";
}

}  // namespace relaymetry::rules
