// tls.* and cert.*: every TLS session the check saw (submission addresses, MX addresses with
// --mx-probe, and the MTA-STS policy host). For the policy host, certificate problems that make senders
// reject the policy are one mta-sts.policy-tls-invalid finding (mta_sts.cpp) instead of cert.* (RFC 8461
// §3.3); for MX hosts, chain and name are judged by mta-sts.mx-certificate-invalid and dane.* (see
// TlsSubjectKind).
#include "checks.hpp"

namespace relaymetry::rules::detail {

namespace {

std::string cert_summary(const CertificateInfo& leaf) {
    return "subject " + quoted(leaf.subject) + ", SANs " + (leaf.san.empty() ? "none" : join(leaf.san, ", "));
}

// Which sessions a certificate check judges (TlsSubjectKind says why).
enum class Judged { submission_only, submission_and_mx, everything };

template <typename Visit>
void for_each_certificate(const DomainFacts& facts, Judged judged, Visit visit) {
    for (const auto& subject : tls_subjects(facts)) {
        const bool included = subject.kind == TlsSubjectKind::submission ||
                              (subject.kind == TlsSubjectKind::mx && judged != Judged::submission_only) ||
                              judged == Judged::everything;
        if (subject.tls->certificate && included) {
            visit(subject, *subject.tls->certificate);
        }
    }
}

// RFC 7672 §3.1.1: a DANE-EE match makes names and dates irrelevant to DANE senders; an MX finding
// about its dates says so.
std::string dane_ee_note(const DomainFacts& facts, const TlsSubject& subject) {
    if (subject.kind != TlsSubjectKind::mx || !dane_ee_matches(facts, subject.target)) {
        return "";
    }
    return " DANE senders are not affected: a DANE-EE (3 1 x) TLSA record matches this server's key, and DANE-EE "
           "ignores names and dates (RFC 7672 §3.1.1); MTA-STS and certificate-checking senders are.";
}

}  // namespace

void check_tls_version_deprecated(const DomainFacts& facts, const RuleOptions&, Findings& out) {
    for (const auto& subject : tls_subjects(facts)) {
        if (!negotiated_deprecated(*subject.tls)) {
            continue;
        }
        emit(out, "tls.version-deprecated", subject.target,
             subject.where + " negotiated " + version_name(subject.tls->version) + " (" + subject.tls->cipher +
                 "): TLS 1.0 and 1.1 are deprecated (RFC 8996)" +
                 (subject.tls->modern_client_failed ? " and a current client cannot connect at all." : "."),
             "Enable TLS 1.2 and 1.3 on " + subject.host + " and disable TLS 1.0 and 1.1.");
    }
}

// docs/cli.md "Limits": only the first k_max_chain_certificates are kept and verified.
void check_tls_chain_too_long(const DomainFacts& facts, const RuleOptions&, Findings& out) {
    for_each_certificate(facts, Judged::everything, [&](const TlsSubject& subject, const CertificateFacts& cert) {
        if (cert.certificates_sent <= k_max_chain_certificates) {
            return;
        }
        emit(out, "tls.chain-too-long", subject.target,
             subject.where + " sent a chain of " + std::to_string(cert.certificates_sent) +
                 " certificates; relaymetry kept and verified the first " + std::to_string(k_max_chain_certificates) +
                 " (docs/cli.md \"Limits\"). Real chains have two to four: clients that stop at a verification depth "
                 "(Postfix's default is 9) may reject this one, and every client spends time on it.",
             "Configure " + subject.host +
                 " to send only its certificate and the intermediates up to (not including) the root.");
    });
}

void check_tls_legacy_accepted(const DomainFacts& facts, const RuleOptions&, Findings& out) {
    for (const auto& subject : tls_subjects(facts)) {
        const auto& tls = *subject.tls;
        if (tls.legacy_versions_accepted.empty() || !tls.version || negotiated_deprecated(tls)) {
            continue;
        }
        std::vector<std::string> accepted;
        for (const auto version : tls.legacy_versions_accepted) {
            accepted.emplace_back(to_string(version));
        }
        emit(out, "tls.legacy-accepted", subject.target,
             subject.where + " negotiates " + version_name(tls.version) + " but still accepts " +
                 join(accepted, " and ") +
                 " when a client offers nothing newer: a downgrade-prone, deprecated protocol (RFC 8996).",
             "Disable TLS 1.0 and 1.1 on " + subject.host + " (e.g. Postfix smtpd_tls_protocols = >=TLSv1.2).");
    }
}

void check_tls_legacy_not_tested(const DomainFacts& facts, const RuleOptions&, Findings& out) {
    for (const auto& subject : tls_subjects(facts)) {
        std::vector<std::string> untested;
        for (const auto& test : subject.tls->versions) {
            if (is_deprecated(test.version) && test.outcome == VersionOutcome::not_tested) {
                untested.push_back(std::string(to_string(test.version)) + " (" + test.reason + ")");
            }
        }
        if (untested.empty()) {
            continue;
        }
        emit(out, "tls.legacy-not-tested", subject.target,
             subject.where + ": whether it still accepts " + join(untested, " and ") +
                 " could not be tested; this is not a pass.",
             "Run the check again later, or from an address " + subject.host + " does not rate-limit.");
    }
}

void check_tls_no_tls13(const DomainFacts& facts, const RuleOptions&, Findings& out) {
    for (const auto& subject : tls_subjects(facts)) {
        if (subject.tls->tls13_supported) {
            continue;
        }
        emit(out, "tls.no-tls13", subject.target,
             subject.where + " does not support TLS 1.3 (negotiated " + version_name(subject.tls->version) + ").",
             "Enable TLS 1.3 on " + subject.host + " (OpenSSL 1.1.1 or later supports it).");
    }
}

void check_tls_weak_cipher(const DomainFacts& facts, const RuleOptions&, Findings& out) {
    for (const auto& subject : tls_subjects(facts)) {
        const auto& tls = *subject.tls;
        if (tls.forward_secrecy && !tls.weak_cipher) {
            continue;
        }
        const std::string reason(describe(tls.weak_cipher.value_or(CipherWeakness::no_forward_secrecy)));
        emit(out, "tls.weak-cipher", subject.target,
             subject.where + " negotiated the weak cipher suite " + tls.cipher + " (" + reason + ").",
             "Prefer ECDHE suites with AES-GCM or ChaCha20-Poly1305 on " + subject.host +
                 " and disable RC4, 3DES, NULL, EXPORT and static-RSA key exchange.");
    }
}

void check_cert_expired(const DomainFacts& facts, const RuleOptions&, Findings& out) {
    const auto now = now_seconds(facts);
    for_each_certificate(facts, Judged::submission_and_mx,
                         [&](const TlsSubject& subject, const CertificateFacts& cert) {
                             if (auto problem = expired_problem(cert.leaf, now)) {
                                 emit(out, "cert.expired", subject.target,
                                      "At " + subject.where + ", " + *problem + "; " + cert_summary(cert.leaf) + "." +
                                          dane_ee_note(facts, subject),
                                      "Renew the certificate of " + subject.host +
                                          ", install it, reload the mail server, and make sure renewal is automatic.");
                             }
                         });
}

void check_cert_not_yet_valid(const DomainFacts& facts, const RuleOptions&, Findings& out) {
    const auto now = now_seconds(facts);
    for_each_certificate(facts, Judged::submission_and_mx,
                         [&](const TlsSubject& subject, const CertificateFacts& cert) {
                             if (auto problem = not_yet_valid_problem(cert.leaf, now)) {
                                 emit(out, "cert.not-yet-valid", subject.target,
                                      "At " + subject.where + ", " + *problem + "; " + cert_summary(cert.leaf) + "." +
                                          dane_ee_note(facts, subject),
                                      "Check the clock of the machine that issued the certificate of " + subject.host +
                                          ", or install a certificate that is valid now.");
                             }
                         });
}

void check_cert_expires_soon(const DomainFacts& facts, const RuleOptions& options, Findings& out) {
    const auto now = now_seconds(facts);
    for_each_certificate(facts, Judged::everything, [&](const TlsSubject& subject, const CertificateFacts& cert) {
        const auto left = days_left(cert.leaf, now);
        if (cert.leaf.not_after < now || left >= options.expiry_warning_days) {
            return;
        }
        emit(out, "cert.expires-soon", subject.target,
             "The certificate of " + subject.where + " expires on " + format_date(cert.leaf.not_after) + ", in " +
                 std::to_string(left) + (left == 1 ? " day" : " days") + " (" + cert_summary(cert.leaf) + ").",
             "Renew the certificate of " + subject.host +
                 " now, and check that automatic renewal also reloads the server that uses it.");
    });
}

void check_cert_untrusted(const DomainFacts& facts, const RuleOptions&, Findings& out) {
    for_each_certificate(facts, Judged::submission_only, [&](const TlsSubject& subject, const CertificateFacts& cert) {
        if (!cert.trust_error) {
            return;
        }
        const VerifyError reason = cert.trust_error->reason;
        std::string fix;
        if (cert.leaf.self_signed || reason == VerifyError::self_signed) {
            fix = "Replace the self-signed certificate of " + subject.host +
                  " with one from a public CA (e.g. Let's Encrypt): mail clients do not trust it.";
        } else if (reason == VerifyError::unknown_issuer || reason == VerifyError::missing_intermediate) {
            fix = "Configure " + subject.host +
                  " to send the full chain (leaf followed by every intermediate, e.g. fullchain.pem), and check "
                  "that the CA is publicly trusted.";
        } else {
            fix = "Install a certificate for " + subject.host + " from a publicly trusted CA, with its full chain.";
        }
        emit(out, "cert.untrusted", subject.target,
             "The certificate chain of " + subject.where + " does not verify: " +
                 describe(*cert.trust_error, subject.host) + " (issuer " + quoted(cert.leaf.issuer) + ").",
             fix);
    });
}

void check_cert_name_mismatch(const DomainFacts& facts, const RuleOptions&, Findings& out) {
    for_each_certificate(facts, Judged::submission_only, [&](const TlsSubject& subject, const CertificateFacts& cert) {
        if (cert.name_match) {
            return;
        }
        emit(out, "cert.name-mismatch", subject.target,
             "The certificate of " + subject.where + " is not valid for " + subject.host + ": it covers " +
                 (cert.leaf.san.empty() ? "no Subject Alternative Name (subject " + quoted(cert.leaf.subject) + ")"
                                        : join(cert.leaf.san, ", ")) +
                 ".",
             "Re-issue the certificate with " + subject.host + " in its Subject Alternative Names.");
    });
}

void check_cert_weak_key(const DomainFacts& facts, const RuleOptions&, Findings& out) {
    for_each_certificate(
        facts, Judged::submission_and_mx, [&](const TlsSubject& subject, const CertificateFacts& cert) {
            const auto problems = weak_key_problems(cert);
            if (problems.empty()) {
                return;
            }
            emit(out, "cert.weak-key", subject.target,
                 "The chain of " + subject.where + " has a key too weak for current clients: " + join(problems, "; ") +
                     ".",
                 "Re-issue the certificate of " + subject.host +
                     " with an RSA key of at least 2048 bits or an EC P-256 key, from a CA whose chain meets the same "
                     "bar.");
        });
}

void check_cert_weak_signature(const DomainFacts& facts, const RuleOptions&, Findings& out) {
    for_each_certificate(facts, Judged::submission_and_mx,
                         [&](const TlsSubject& subject, const CertificateFacts& cert) {
                             const auto problems = weak_signature_problems(cert);
                             if (problems.empty()) {
                                 return;
                             }
                             emit(out, "cert.weak-signature", subject.target,
                                  "The chain of " + subject.where +
                                      " uses a signature current clients refuse: " + join(problems, "; ") + ".",
                                  "Re-issue the certificate of " + subject.host +
                                      " signed with SHA-256 or better, and send intermediates that are too.");
                         });
}

}  // namespace relaymetry::rules::detail
