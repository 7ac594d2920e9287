#pragma once
// Internal to the rules stage: every check of the catalogue (one function per rule, named after it) and
// the few helpers they share. The table in catalog.cpp is the only caller of the checks.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "relaymetry/rules/rules.hpp"

namespace relaymetry::rules::detail {

// ---- helpers (common.cpp) -----------------------------------------------------------------------

// Appends a finding of rule `id`: severity, fix and reference come from the catalogue unless given.
void emit(Findings& out, std::string_view id, Target target, std::string message, std::string fix = {},
          std::optional<Severity> severity = std::nullopt);

std::string join(const std::vector<std::string>& items, std::string_view separator = ", ");
// "\"text\"": network text quoted as it was seen (the renderers escape control characters).
std::string quoted(std::string_view text);
// "\"a\", \"b\"": several network strings, each quoted.
std::string quoted_list(const std::vector<std::string>& items);
// "2026-11-28" (UTC).
std::string format_date(std::int64_t unix_seconds);
std::string lower(std::string_view text);

// "Now" of the check, in seconds since the epoch (DomainFacts::started_at, never the system clock).
std::int64_t now_seconds(const DomainFacts& facts);
// floor((not_after - now) / 86400): negative once expired.
std::int64_t days_left(const CertificateInfo& cert, std::int64_t now);

// RFC 7505: a null MX domain takes no mail, so inbound-TLS advice (MTA-STS, TLS-RPT) does not apply.
bool is_null_mx(const DomainFacts& facts);
// The MX host names (null MX excluded), empty when MX was not checked or has no records.
std::vector<std::string> mx_hosts(const DomainFacts& facts);

// The domain, or "<domain>" when there is none (`lint` judges records without knowing their domain).
std::string domain_of(const DomainFacts& facts);

// One address of an endpoint, and the endpoint, as finding targets and as text for messages
// ("mail.example.com:465 [192.0.2.10]" / "mail.example.com:465").
Target address_target(const Endpoint& endpoint, const AddressProbe& probe);
Target endpoint_target(const Endpoint& endpoint);
std::string endpoint_text(const Endpoint& endpoint, const AddressProbe& probe);
std::string endpoint_text(const Endpoint& endpoint);
// One notice `id` per fan-out cap reached (docs/cli.md "Limits"): "Not every <what> of <domain> was
// <done> (SRV targets probed per service: 8; 24 left out: mail9.example.com:465, ... (and 19 more), ...)".
void emit_caps(Findings& out, std::string_view id, const DomainFacts& facts, const std::vector<CapReached>& caps,
               std::string_view what, std::string_view done, const std::string& fix);
// ": <the probe's error>", or empty.
std::string error_suffix(const AddressProbe& probe);
// The port-25 probes of the MX hosts (--mx-probe), empty otherwise and for a null MX.
const std::vector<Endpoint>& mx_probes(const DomainFacts& facts);
std::string policy_host(const DomainFacts& facts);     // "mta-sts.<domain>"
std::string mta_sts_record(const DomainFacts& facts);  // "_mta-sts.<domain>"
std::string tls_rpt_record(const DomainFacts& facts);  // "_smtp._tls.<domain>"

// MTA-STS is judged unless the TXT lookup at _mta-sts.<domain> failed (then only dns.lookup-failed).
const MtaStsFacts* judged_mta_sts(const DomainFacts& facts);
// Whether the domain announces a policy: a v=STSv1 TXT exists (valid or not), or there is no TXT to
// consult (`lint mta-sts-policy`). Fetch failures matter only then: without a TXT no sender fetches.
bool policy_announced(const MtaStsFacts& mta_sts);
// Whether the policy host answered 200 (a policy is being served, announced or not).
bool policy_served(const MtaStsPolicyFacts& policy);
// The policy whose content the content rules judge: valid, and fetched (or linted: no TXT facts).
const MtaStsPolicyParse* judged_policy(const DomainFacts& facts);

// Whose session it is decides which certificate rules judge it:
// - submission: every cert.* rule (mail clients verify the chain and the name, RFC 8314 §4.1);
// - mx: dates and key strength only; chain and name are what MTA-STS senders check
//   (mta-sts.mx-certificate-invalid) and DANE senders replace (dane.*), while opportunistic senders
//   take any certificate (RFC 3207, RFC 7672 §1.3);
// - policy_host: certificate problems go to mta-sts.policy-tls-invalid instead of cert.*.
enum class TlsSubjectKind { submission, mx, policy_host };

// Every TLS session to judge with tls.* and cert.*: each probed submission address, each probed MX
// address (--mx-probe), and the MTA-STS policy host when its policy matters (announced or served).
struct TlsSubject {
    Target target;
    std::string where;  // the target as text, for messages
    std::string host;   // the name the certificate must cover
    const TlsFacts* tls = nullptr;
    TlsSubjectKind kind = TlsSubjectKind::submission;
};
std::vector<TlsSubject> tls_subjects(const DomainFacts& facts);

// Certificate problems shared by cert.* and mta-sts.policy-tls-invalid (empty when none).
// Whether the session negotiated TLS 1.0 or 1.1 (RFC 8996).
bool negotiated_deprecated(const TlsFacts& tls);
// The server speaks only a deprecated version: a current client fails, and tls.version-deprecated
// (which says so) is the finding, not also a generic handshake failure.
bool only_deprecated_tls(const AddressProbe& probe);

std::optional<std::string> expired_problem(const CertificateInfo& leaf, std::int64_t now);
std::optional<std::string> not_yet_valid_problem(const CertificateInfo& leaf, std::int64_t now);
std::vector<std::string> weak_key_problems(const CertificateFacts& cert);
std::vector<std::string> weak_signature_problems(const CertificateFacts& cert);

// ---- submission (submission.cpp) ------------------------------------------------------------------
void check_submission_not_found(const DomainFacts& facts, const RuleOptions& options, Findings& out);
void check_submission_srv_disabled(const DomainFacts& facts, const RuleOptions& options, Findings& out);
void check_submission_srv_target_unresolvable(const DomainFacts& facts, const RuleOptions& options, Findings& out);
void check_submission_srv_unsigned_outside(const DomainFacts& facts, const RuleOptions& options, Findings& out);
void check_submission_unreachable(const DomainFacts& facts, const RuleOptions& options, Findings& out);
void check_submission_address_unreachable(const DomainFacts& facts, const RuleOptions& options, Findings& out);
void check_submission_no_implicit_tls(const DomainFacts& facts, const RuleOptions& options, Findings& out);
void check_submission_not_tls(const DomainFacts& facts, const RuleOptions& options, Findings& out);
void check_submission_tls_failed(const DomainFacts& facts, const RuleOptions& options, Findings& out);
void check_submission_starttls_missing(const DomainFacts& facts, const RuleOptions& options, Findings& out);
void check_submission_starttls_failed(const DomainFacts& facts, const RuleOptions& options, Findings& out);
void check_submission_starttls_buffered_data(const DomainFacts& facts, const RuleOptions& options, Findings& out);
void check_submission_auth_before_tls(const DomainFacts& facts, const RuleOptions& options, Findings& out);
void check_submission_protocol_error(const DomainFacts& facts, const RuleOptions& options, Findings& out);
void check_submission_inconclusive(const DomainFacts& facts, const RuleOptions& options, Findings& out);
void check_submission_not_probed(const DomainFacts& facts, const RuleOptions& options, Findings& out);
void check_submission_probes_capped(const DomainFacts& facts, const RuleOptions& options, Findings& out);

// ---- TLS and certificates (tls_cert.cpp) ----------------------------------------------------------
void check_tls_version_deprecated(const DomainFacts& facts, const RuleOptions& options, Findings& out);
void check_tls_legacy_accepted(const DomainFacts& facts, const RuleOptions& options, Findings& out);
void check_tls_legacy_not_tested(const DomainFacts& facts, const RuleOptions& options, Findings& out);
void check_tls_no_tls13(const DomainFacts& facts, const RuleOptions& options, Findings& out);
void check_tls_weak_cipher(const DomainFacts& facts, const RuleOptions& options, Findings& out);
void check_tls_chain_too_long(const DomainFacts& facts, const RuleOptions& options, Findings& out);
void check_cert_expired(const DomainFacts& facts, const RuleOptions& options, Findings& out);
void check_cert_not_yet_valid(const DomainFacts& facts, const RuleOptions& options, Findings& out);
void check_cert_expires_soon(const DomainFacts& facts, const RuleOptions& options, Findings& out);
void check_cert_untrusted(const DomainFacts& facts, const RuleOptions& options, Findings& out);
void check_cert_name_mismatch(const DomainFacts& facts, const RuleOptions& options, Findings& out);
void check_cert_weak_key(const DomainFacts& facts, const RuleOptions& options, Findings& out);
void check_cert_weak_signature(const DomainFacts& facts, const RuleOptions& options, Findings& out);

// ---- MX (mx.cpp) ----------------------------------------------------------------------------------
void check_mx_none(const DomainFacts& facts, const RuleOptions& options, Findings& out);
void check_mx_null(const DomainFacts& facts, const RuleOptions& options, Findings& out);
void check_mx_probe_blocked(const DomainFacts& facts, const RuleOptions& options, Findings& out);
void check_mx_unreachable(const DomainFacts& facts, const RuleOptions& options, Findings& out);
void check_mx_starttls_missing(const DomainFacts& facts, const RuleOptions& options, Findings& out);
void check_mx_starttls_failed(const DomainFacts& facts, const RuleOptions& options, Findings& out);
void check_mx_inconclusive(const DomainFacts& facts, const RuleOptions& options, Findings& out);
void check_mx_requiretls_not_offered(const DomainFacts& facts, const RuleOptions& options, Findings& out);
void check_mx_probes_capped(const DomainFacts& facts, const RuleOptions& options, Findings& out);

// ---- MTA-STS (mta_sts.cpp) ------------------------------------------------------------------------
void check_mta_sts_not_published(const DomainFacts& facts, const RuleOptions& options, Findings& out);
void check_mta_sts_txt_invalid(const DomainFacts& facts, const RuleOptions& options, Findings& out);
void check_mta_sts_txt_multiple(const DomainFacts& facts, const RuleOptions& options, Findings& out);
void check_mta_sts_policy_unreachable(const DomainFacts& facts, const RuleOptions& options, Findings& out);
void check_mta_sts_policy_not_fetched(const DomainFacts& facts, const RuleOptions& options, Findings& out);
void check_mta_sts_policy_http_error(const DomainFacts& facts, const RuleOptions& options, Findings& out);
void check_mta_sts_policy_redirect(const DomainFacts& facts, const RuleOptions& options, Findings& out);
void check_mta_sts_policy_tls_invalid(const DomainFacts& facts, const RuleOptions& options, Findings& out);
void check_mta_sts_policy_content_type(const DomainFacts& facts, const RuleOptions& options, Findings& out);
void check_mta_sts_policy_too_large(const DomainFacts& facts, const RuleOptions& options, Findings& out);
void check_mta_sts_policy_invalid(const DomainFacts& facts, const RuleOptions& options, Findings& out);
void check_mta_sts_policy_line_endings(const DomainFacts& facts, const RuleOptions& options, Findings& out);
void check_mta_sts_policy_duplicate_field(const DomainFacts& facts, const RuleOptions& options, Findings& out);
void check_mta_sts_policy_without_txt(const DomainFacts& facts, const RuleOptions& options, Findings& out);
void check_mta_sts_mode_none(const DomainFacts& facts, const RuleOptions& options, Findings& out);
void check_mta_sts_mode_testing(const DomainFacts& facts, const RuleOptions& options, Findings& out);
void check_mta_sts_max_age_short(const DomainFacts& facts, const RuleOptions& options, Findings& out);
void check_mta_sts_mx_not_covered(const DomainFacts& facts, const RuleOptions& options, Findings& out);
void check_mta_sts_mx_pattern_unused(const DomainFacts& facts, const RuleOptions& options, Findings& out);
void check_mta_sts_mx_certificate_invalid(const DomainFacts& facts, const RuleOptions& options, Findings& out);

// ---- TLS-RPT (tls_rpt.cpp) ------------------------------------------------------------------------
void check_tls_rpt_not_published(const DomainFacts& facts, const RuleOptions& options, Findings& out);
void check_tls_rpt_invalid(const DomainFacts& facts, const RuleOptions& options, Findings& out);
void check_tls_rpt_multiple(const DomainFacts& facts, const RuleOptions& options, Findings& out);
void check_tls_rpt_rua_invalid(const DomainFacts& facts, const RuleOptions& options, Findings& out);
void check_tls_rpt_rua_repeated(const DomainFacts& facts, const RuleOptions& options, Findings& out);

// ---- DNS (dns.cpp) --------------------------------------------------------------------------------
void check_dns_resolver_unreachable(const DomainFacts& facts, const RuleOptions& options, Findings& out);
void check_dns_lookup_failed(const DomainFacts& facts, const RuleOptions& options, Findings& out);
void check_dns_record_malformed(const DomainFacts& facts, const RuleOptions& options, Findings& out);
void check_dns_answer_capped(const DomainFacts& facts, const RuleOptions& options, Findings& out);

// ---- DNSSEC (dnssec.cpp) ----------------------------------------------------------------------------
// DNSSEC and DANE are judged only through a resolver known to validate.
inline bool dnssec_judged(const DomainFacts& facts) {
    return facts.dns.resolver_validates == true;
}
// Whether dnssec.bogus reports this failure (dns.lookup-failed then does not).
bool is_reported_bogus(const DomainFacts& facts, const LookupFailure& failure);
// "extended DNS error 7, Signature Expired: \"...\"", or empty.
std::string extended_error_text(const std::optional<ExtendedDnsError>& error);
void check_dnssec_resolver_not_validating(const DomainFacts& facts, const RuleOptions& options, Findings& out);
void check_dnssec_bogus(const DomainFacts& facts, const RuleOptions& options, Findings& out);
void check_dnssec_unsigned(const DomainFacts& facts, const RuleOptions& options, Findings& out);

// ---- DANE (dane.cpp) --------------------------------------------------------------------------------
// Whether a usable DANE-EE (3 x x) record, secure through a validating resolver, matched the chain
// served at `target` (an address of a probed endpoint).
bool dane_ee_matches(const DomainFacts& facts, const Target& target);
// Whether usable TLSA records for host:port are in force (secure, through a validating resolver).
bool dane_in_place(const DomainFacts& facts, const std::string& host, std::uint16_t port);
void check_dane_tlsa_invalid(const DomainFacts& facts, const RuleOptions& options, Findings& out);
void check_dane_tlsa_unusable(const DomainFacts& facts, const RuleOptions& options, Findings& out);
void check_dane_tlsa_mismatch(const DomainFacts& facts, const RuleOptions& options, Findings& out);
void check_dane_ta_not_in_chain(const DomainFacts& facts, const RuleOptions& options, Findings& out);
void check_dane_no_rollover_key(const DomainFacts& facts, const RuleOptions& options, Findings& out);
void check_dane_insecure_tlsa(const DomainFacts& facts, const RuleOptions& options, Findings& out);
void check_dane_mta_sts_conflict(const DomainFacts& facts, const RuleOptions& options, Findings& out);

// ---- drift (drift.cpp): --state, facts.previous ----------------------------------------------------
// The policy fetched now as senders take it (after settle: a valid body over a valid certificate, RFC 8461
// §3.3), or null: then senders keep what they cached (snapshot.cpp).
const MtaStsPolicyFacts* accepted_policy(const DomainFacts& facts);
// Whether a fetched policy says what a cached one says (mode, max_age, mx patterns): other bytes of
// the body (line endings, comments, field order) change nothing for senders.
bool same_policy(const PolicySnapshot& cached, const MtaStsPolicyParse& parse);
void check_drift_policy_changed_id_unchanged(const DomainFacts& facts, const RuleOptions& options, Findings& out);
void check_drift_mx_changed_under_cached_policy(const DomainFacts& facts, const RuleOptions& options, Findings& out);
void check_drift_policy_unreachable_cached(const DomainFacts& facts, const RuleOptions& options, Findings& out);
void check_drift_key_changed(const DomainFacts& facts, const RuleOptions& options, Findings& out);
void check_drift_record_changed(const DomainFacts& facts, const RuleOptions& options, Findings& out);

}  // namespace relaymetry::rules::detail
