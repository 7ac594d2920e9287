// The one place where enum values get the names that users see in JSON and text.
#include <array>

#include "relaymetry/core/dns_types.hpp"
#include "relaymetry/core/facts.hpp"
#include "relaymetry/core/finding.hpp"
#include "relaymetry/core/net_error.hpp"
#include "relaymetry/core/policy_types.hpp"
#include "relaymetry/core/tls_types.hpp"

namespace relaymetry {

std::string_view to_string(LookupStatus status) {
    switch (status) {
        case LookupStatus::answer: return "answer";
        case LookupStatus::nxdomain: return "nxdomain";
        case LookupStatus::nodata: return "nodata";
        case LookupStatus::servfail: return "servfail";
        case LookupStatus::refused: return "refused";
        case LookupStatus::timeout: return "timeout";
        case LookupStatus::malformed: return "malformed";
        case LookupStatus::unreachable: return "unreachable";
    }
    return "unknown";
}

std::string_view to_string(RecordType type) {
    switch (type) {
        case RecordType::a: return "A";
        case RecordType::mx: return "MX";
        case RecordType::txt: return "TXT";
        case RecordType::aaaa: return "AAAA";
        case RecordType::srv: return "SRV";
        case RecordType::dnskey: return "DNSKEY";
        case RecordType::tlsa: return "TLSA";
    }
    return "unknown";
}

std::string_view to_string(DnssecStatus status) {
    switch (status) {
        case DnssecStatus::secure: return "secure";
        case DnssecStatus::insecure: return "insecure";
        case DnssecStatus::bogus: return "bogus";
        case DnssecStatus::indeterminate: return "indeterminate";
    }
    return "unknown";
}

DnssecStatus weaker(DnssecStatus left, DnssecStatus right) {
    const auto rank = [](DnssecStatus status) {
        switch (status) {
            case DnssecStatus::bogus: return 0;
            case DnssecStatus::indeterminate: return 1;
            case DnssecStatus::insecure: return 2;
            case DnssecStatus::secure: return 3;
        }
        return 1;
    };
    return rank(left) <= rank(right) ? left : right;
}

std::string_view extended_error_name(std::uint16_t code) {
    static constexpr std::array<std::string_view, 25> k_names = {"Other Error",
                                                                 "Unsupported DNSKEY Algorithm",
                                                                 "Unsupported DS Digest Type",
                                                                 "Stale Answer",
                                                                 "Forged Answer",
                                                                 "DNSSEC Indeterminate",
                                                                 "DNSSEC Bogus",
                                                                 "Signature Expired",
                                                                 "Signature Not Yet Valid",
                                                                 "DNSKEY Missing",
                                                                 "RRSIGs Missing",
                                                                 "No Zone Key Bit Set",
                                                                 "NSEC Missing",
                                                                 "Cached Error",
                                                                 "Not Ready",
                                                                 "Blocked",
                                                                 "Censored",
                                                                 "Filtered",
                                                                 "Prohibited",
                                                                 "Stale NXDOMAIN Answer",
                                                                 "Not Authoritative",
                                                                 "Not Supported",
                                                                 "No Reachable Authority",
                                                                 "Network Error",
                                                                 "Invalid Data"};
    return code < k_names.size() ? k_names[code] : "Unknown";
}

std::string to_hex(const std::vector<std::uint8_t>& bytes) {
    static constexpr char k_digits[] = "0123456789abcdef";
    std::string out;
    out.reserve(bytes.size() * 2);
    for (const auto byte : bytes) {
        out.push_back(k_digits[byte >> 4]);
        out.push_back(k_digits[byte & 0x0F]);
    }
    return out;
}

std::string presentation(const TlsaRecord& record) {
    return std::to_string(record.usage) + " " + std::to_string(record.selector) + " " +
           std::to_string(record.matching_type) + " " + to_hex(record.data);
}

std::string_view to_string(TlsaProblem problem) {
    switch (problem) {
        case TlsaProblem::none: return "none";
        case TlsaProblem::unknown_usage: return "unknown-usage";
        case TlsaProblem::unknown_selector: return "unknown-selector";
        case TlsaProblem::unknown_matching_type: return "unknown-matching-type";
        case TlsaProblem::pkix_usage_for_mx: return "pkix-usage-for-mx";
        case TlsaProblem::wrong_length: return "wrong-length";
        case TlsaProblem::empty_data: return "empty-data";
    }
    return "unknown";
}

std::string_view to_string(Severity severity) {
    switch (severity) {
        case Severity::notice: return "notice";
        case Severity::warning: return "warning";
        case Severity::error: return "error";
    }
    return "unknown";
}

std::optional<Severity> parse_severity(std::string_view text) {
    for (auto severity : {Severity::notice, Severity::warning, Severity::error}) {
        if (to_string(severity) == text) {
            return severity;
        }
    }
    return std::nullopt;
}

Summary summarize(const Findings& findings) {
    Summary summary;
    for (const auto& finding : findings) {
        switch (finding.severity) {
            case Severity::error: ++summary.errors; break;
            case Severity::warning: ++summary.warnings; break;
            case Severity::notice: ++summary.notices; break;
        }
    }
    return summary;
}

std::string_view to_string(StsMode mode) {
    switch (mode) {
        case StsMode::enforce: return "enforce";
        case StsMode::testing: return "testing";
        case StsMode::none: return "none";
    }
    return "unknown";
}

std::string_view to_string(DiscoverySource source) {
    switch (source) {
        case DiscoverySource::srv: return "srv";
        case DiscoverySource::fallback: return "fallback";
        case DiscoverySource::none: return "none";
        case DiscoverySource::disabled: return "disabled";
        case DiscoverySource::lookup_failed: return "lookup-failed";
    }
    return "unknown";
}

std::string_view to_string(Security security) {
    return security == Security::implicit_tls ? "implicit-tls" : "starttls";
}

std::string_view to_string(ProbeStatus status) {
    switch (status) {
        case ProbeStatus::ok: return "ok";
        case ProbeStatus::refused: return "refused";
        case ProbeStatus::timeout: return "timeout";
        case ProbeStatus::unreachable: return "unreachable";
        case ProbeStatus::no_starttls: return "no-starttls";
        case ProbeStatus::starttls_rejected: return "starttls-rejected";
        case ProbeStatus::tls_failed: return "tls-failed";
        case ProbeStatus::protocol_error: return "protocol-error";
        case ProbeStatus::inconclusive: return "inconclusive";
        case ProbeStatus::not_probed: return "not-probed";
        case ProbeStatus::internal_error: return "internal-error";
    }
    return "unknown";
}

std::string_view to_string(VersionOutcome outcome) {
    switch (outcome) {
        case VersionOutcome::accepted: return "accepted";
        case VersionOutcome::refused: return "refused";
        case VersionOutcome::not_tested: return "not-tested";
    }
    return "unknown";
}

std::string_view to_string(TxtStatus status) {
    switch (status) {
        case TxtStatus::published: return "published";
        case TxtStatus::not_published: return "not-published";
        case TxtStatus::invalid: return "invalid";
        case TxtStatus::multiple: return "multiple";
        case TxtStatus::lookup_failed: return "lookup-failed";
    }
    return "unknown";
}

std::string_view to_string(PolicyFetchStatus status) {
    switch (status) {
        case PolicyFetchStatus::fetched: return "fetched";
        case PolicyFetchStatus::not_fetched: return "not-fetched";
        case PolicyFetchStatus::http_error: return "http-error";
        case PolicyFetchStatus::redirect: return "redirect";
        case PolicyFetchStatus::tls_failed: return "tls-failed";
        case PolicyFetchStatus::too_large: return "too-large";
        case PolicyFetchStatus::invalid: return "invalid";
        case PolicyFetchStatus::unreachable: return "unreachable";
        case PolicyFetchStatus::timeout: return "timeout";
        case PolicyFetchStatus::internal_error: return "internal-error";
    }
    return "unknown";
}

std::string resolvers_text(const DnsFacts& dns) {
    if (dns.resolvers.empty()) {
        return "the system's resolvers (/etc/resolv.conf)";
    }
    std::string text;
    for (const auto& server : dns.resolvers) {
        text += (text.empty() ? "" : ", ") + server;
    }
    return text;
}

std::string_view to_string(TargetKind kind) {
    switch (kind) {
        case TargetKind::domain: return "domain";
        case TargetKind::record: return "record";
        case TargetKind::host: return "host";
        case TargetKind::endpoint: return "endpoint";
        case TargetKind::address: return "address";
    }
    return "domain";
}

std::string to_string(const Target& target) {
    switch (target.kind) {
        case TargetKind::endpoint: return target.name + ":" + std::to_string(target.port);
        case TargetKind::address: return target.name + ":" + std::to_string(target.port) + " [" + target.address + "]";
        default: return target.name;
    }
}

std::string_view to_string(TlsVersion version) {
    switch (version) {
        case TlsVersion::tls1_0: return "TLSv1";
        case TlsVersion::tls1_1: return "TLSv1.1";
        case TlsVersion::tls1_2: return "TLSv1.2";
        case TlsVersion::tls1_3: return "TLSv1.3";
    }
    return "unknown";
}

std::string version_name(const std::optional<TlsVersion>& version) {
    return version ? std::string(to_string(*version)) : "no version";
}

std::optional<TlsVersion> parse_tls_version(std::string_view name) {
    for (auto version : {TlsVersion::tls1_0, TlsVersion::tls1_1, TlsVersion::tls1_2, TlsVersion::tls1_3}) {
        if (to_string(version) == name) {
            return version;
        }
    }
    return std::nullopt;
}

std::string_view algorithm_name(const KeyType& key) {
    switch (key.algorithm) {
        case KeyAlgorithm::rsa: return "RSA";
        case KeyAlgorithm::ec: return "EC";
        case KeyAlgorithm::ed25519: return "Ed25519";
        case KeyAlgorithm::ed448: return "Ed448";
        case KeyAlgorithm::dsa: return "DSA";
        case KeyAlgorithm::other: break;
    }
    return key.other_name.empty() ? std::string_view("unknown") : std::string_view(key.other_name);
}

std::string display_name(const KeyType& key) {
    switch (key.algorithm) {
        case KeyAlgorithm::ed25519:
        case KeyAlgorithm::ed448: return std::string(algorithm_name(key));
        case KeyAlgorithm::ec: return "EC-" + (key.curve.empty() ? std::to_string(key.bits) : key.curve);
        default: break;
    }
    if (key.algorithm == KeyAlgorithm::other && key.other_name.empty()) {
        return "unknown";
    }
    return std::string(algorithm_name(key)) + "-" + std::to_string(key.bits);
}

bool is_weak(const KeyType& key) {
    switch (key.algorithm) {
        case KeyAlgorithm::rsa: return key.bits < k_min_rsa_bits;
        case KeyAlgorithm::dsa: return key.bits < k_min_dsa_bits;
        case KeyAlgorithm::ec: return key.bits < k_min_ec_bits;
        default: return false;
    }
}

std::string_view to_string(VerifyError error) {
    switch (error) {
        case VerifyError::expired: return "expired";
        case VerifyError::not_yet_valid: return "not-yet-valid";
        case VerifyError::unknown_issuer: return "unknown-issuer";
        case VerifyError::self_signed: return "self-signed";
        case VerifyError::missing_intermediate: return "missing-intermediate";
        case VerifyError::name_mismatch: return "name-mismatch";
        case VerifyError::weak_key: return "weak-key";
        case VerifyError::weak_digest: return "weak-digest";
        case VerifyError::other: return "other";
    }
    return "other";
}

namespace {

// "the server certificate" / "the certificate at depth 1 in the chain (CN=...)".
std::string which_certificate(const VerifyFailure& failure) {
    if (failure.depth == 0) {
        return "the server certificate";
    }
    return "the certificate at depth " + std::to_string(failure.depth) + " in the chain (" + failure.subject + ")";
}

// The name a certificate was checked against is an IP literal (IPv6 has a colon, IPv4 only digits and
// dots); host names never look like either.
bool looks_like_ip_literal(std::string_view host) {
    return host.find(':') != std::string_view::npos ||
           (!host.empty() && host.find_first_not_of("0123456789.") == std::string_view::npos);
}

}  // namespace

std::string describe(const VerifyFailure& failure, std::string_view host) {
    switch (failure.reason) {
        case VerifyError::expired:
            return failure.depth == 0 ? "certificate has expired" : which_certificate(failure) + " has expired";
        case VerifyError::not_yet_valid:
            return failure.depth == 0 ? "certificate is not yet valid"
                                      : which_certificate(failure) + " is not yet valid";
        case VerifyError::self_signed:
            if (failure.depth == 0) {
                return "self-signed certificate: it is not issued by a trusted certificate authority";
            }
            return "self-signed certificate in the chain: its root (" + failure.subject +
                   ") is not a trusted authority";
        case VerifyError::unknown_issuer:
        case VerifyError::missing_intermediate:
            return "unable to get local issuer certificate: the issuing CA (" + failure.issuer +
                   ") is unknown, or the server does not send the intermediate certificate";
        case VerifyError::name_mismatch:
            return "certificate does not match the " +
                   std::string(looks_like_ip_literal(host) ? "IP address " : "host name ") + std::string(host);
        case VerifyError::weak_key:
            if (failure.depth == 0) {
                return "the server certificate's key is too small: current clients refuse it";
            }
            return "the key of a CA certificate in the chain (" + failure.subject +
                   ") is too small: current clients refuse it";
        case VerifyError::weak_digest:
            return which_certificate(failure) +
                   " is signed with a weak digest (such as SHA-1): current clients refuse it";
        case VerifyError::other: break;
    }
    return failure.openssl_text + " (at depth " + std::to_string(failure.depth) + ")";
}

std::string_view describe(CipherWeakness weakness) {
    switch (weakness) {
        case CipherWeakness::null_cipher: return "NULL cipher (no encryption)";
        case CipherWeakness::rc4: return "RC4";
        case CipherWeakness::triple_des: return "3DES";
        case CipherWeakness::des: return "DES";
        case CipherWeakness::export_grade: return "EXPORT";
        case CipherWeakness::md5_mac: return "MD5 MAC";
        case CipherWeakness::no_forward_secrecy: return "no forward secrecy";
    }
    return "weak";
}

std::string_view to_string(NetErrorKind kind) {
    switch (kind) {
        case NetErrorKind::refused: return "refused";
        case NetErrorKind::timeout: return "timeout";
        case NetErrorKind::reset: return "reset";
        case NetErrorKind::closed: return "closed";
        case NetErrorKind::unreachable: return "unreachable";
        case NetErrorKind::tls_alert: return "tls-alert";
        case NetErrorKind::tls_error: return "tls-error";
        case NetErrorKind::protocol: return "protocol-error";
        case NetErrorKind::internal: return "internal-error";
    }
    return "internal-error";
}

std::string describe(const NetError& error) {
    switch (error.kind) {
        case NetErrorKind::refused: return "connection refused";
        case NetErrorKind::timeout: return "no answer within the deadline";
        case NetErrorKind::reset: return "the server reset the connection";
        case NetErrorKind::closed: return "the server closed the connection";
        case NetErrorKind::unreachable: return error.detail.empty() ? "unreachable" : error.detail;
        case NetErrorKind::tls_alert: return "the server sent the TLS alert \"" + error.alert + "\"";
        case NetErrorKind::tls_error:
        case NetErrorKind::protocol: return error.detail;
        case NetErrorKind::internal: return "internal error: " + error.detail;
    }
    return error.detail;
}

}  // namespace relaymetry
