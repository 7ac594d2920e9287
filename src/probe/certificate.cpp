// Certificate description and verification with OpenSSL 3. The verification here is our own
// (X509_verify_cert on a fresh X509_STORE_CTX) rather than SSL_get_verify_result, because the
// diagnostic and legacy handshakes run at @SECLEVEL=0: their verdict is not what a current client sees.

#include "relaymetry/probe/certificate.hpp"

#include <arpa/inet.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/objects.h>

#include <array>
#include <ctime>

#include "openssl_handles.hpp"

namespace relaymetry::probe {

namespace {

using detail::BioPtr;
using detail::GeneralNamesPtr;
using detail::StoreCtxPtr;

// RFC 2253, but UTF-8 kept as UTF-8 (the renderers escape control characters).
std::string name_text(const X509_NAME* name) {
    if (name == nullptr) {
        return {};
    }
    BioPtr bio(BIO_new(BIO_s_mem()));
    X509_NAME_print_ex(bio.get(), name, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB);
    char* data = nullptr;
    const long size = BIO_get_mem_data(bio.get(), &data);
    return size > 0 ? std::string(data, static_cast<std::size_t>(size)) : std::string();
}

std::int64_t epoch_seconds(const ASN1_TIME* time) {
    std::tm parts{};
    if (time == nullptr || ASN1_TIME_to_tm(time, &parts) != 1) {
        return 0;
    }
    return static_cast<std::int64_t>(timegm(&parts));
}

std::string ip_text(const ASN1_OCTET_STRING* octets) {
    const int length = ASN1_STRING_length(octets);
    const unsigned char* data = ASN1_STRING_get0_data(octets);
    std::array<char, INET6_ADDRSTRLEN> text{};
    if (length == 4 && inet_ntop(AF_INET, data, text.data(), text.size()) != nullptr) {
        return text.data();
    }
    if (length == 16 && inet_ntop(AF_INET6, data, text.data(), text.size()) != nullptr) {
        return text.data();
    }
    return "(malformed IP address)";
}

std::vector<std::string> subject_alt_names(X509* cert) {
    std::vector<std::string> names;
    GeneralNamesPtr general(
        static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr)));
    if (!general) {
        return names;
    }
    for (int i = 0; i < sk_GENERAL_NAME_num(general.get()); ++i) {
        const GENERAL_NAME* entry = sk_GENERAL_NAME_value(general.get(), i);
        if (entry->type == GEN_DNS) {
            const ASN1_IA5STRING* dns = entry->d.dNSName;
            names.emplace_back(reinterpret_cast<const char*>(ASN1_STRING_get0_data(dns)),
                               static_cast<std::size_t>(ASN1_STRING_length(dns)));
        } else if (entry->type == GEN_IPADD) {
            names.push_back(ip_text(entry->d.iPAddress));
        }
    }
    return names;
}

void describe_key(X509* cert, CertificateInfo& info) {
    EVP_PKEY* key = X509_get0_pubkey(cert);
    if (key == nullptr) {
        info.key_type = "unknown";
        info.key = "unknown";
        return;
    }
    info.key_bits = EVP_PKEY_get_bits(key);
    switch (EVP_PKEY_get_base_id(key)) {
        case EVP_PKEY_RSA:
        case EVP_PKEY_RSA_PSS: info.key_type = "RSA"; break;
        case EVP_PKEY_EC: {
            info.key_type = "EC";
            std::array<char, 80> group{};
            std::string curve = "EC-" + std::to_string(info.key_bits);
            if (EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, group.data(), group.size(), nullptr)) {
                // "prime256v1" -> "P-256" -> "EC-P256"; curves without a NIST name keep OpenSSL's.
                const char* nist = EC_curve_nid2nist(OBJ_txt2nid(group.data()));
                std::string shown = nist != nullptr ? nist : group.data();
                std::erase(shown, '-');
                curve = "EC-" + shown;
            }
            info.key = curve;
            return;
        }
        case EVP_PKEY_ED25519:
            info.key_type = "Ed25519";
            info.key = "Ed25519";
            return;
        case EVP_PKEY_ED448:
            info.key_type = "Ed448";
            info.key = "Ed448";
            return;
        case EVP_PKEY_DSA: info.key_type = "DSA"; break;
        default: {
            const char* name = OBJ_nid2sn(EVP_PKEY_get_base_id(key));
            info.key_type = name != nullptr ? name : "unknown";
            break;
        }
    }
    info.key = info.key_type + "-" + std::to_string(info.key_bits);
}

struct VerifyOutcome {
    bool ok = false;
    int error = X509_V_OK;
    int depth = 0;
    std::string subject;  // of the certificate the error is about
    std::string issuer;
};

bool is_ip_literal(const std::string& host) {
    std::array<unsigned char, 16> buffer{};
    return inet_pton(AF_INET, host.c_str(), buffer.data()) == 1 ||
           inet_pton(AF_INET6, host.c_str(), buffer.data()) == 1;
}

// host == nullptr: no name check. check_time == false: dates ignored.
VerifyOutcome verify(X509* leaf, STACK_OF(X509) * sent, X509_STORE* trust, const std::string* host, int auth_level,
                     bool check_time) {
    VerifyOutcome outcome;
    StoreCtxPtr context(X509_STORE_CTX_new());
    if (!context || X509_STORE_CTX_init(context.get(), trust, leaf, sent) != 1) {
        outcome.error = X509_V_ERR_OUT_OF_MEM;
        return outcome;
    }
    // The same purpose and defaults as a TLS client verifying a server.
    X509_STORE_CTX_set_default(context.get(), "ssl_server");
    X509_VERIFY_PARAM* param = X509_STORE_CTX_get0_param(context.get());
    X509_VERIFY_PARAM_set_auth_level(param, auth_level);
    if (!check_time) {
        X509_VERIFY_PARAM_set_flags(param, X509_V_FLAG_NO_CHECK_TIME);
    }
    if (host != nullptr) {
        if (is_ip_literal(*host)) {
            X509_VERIFY_PARAM_set1_ip_asc(param, host->c_str());
        } else {
            X509_VERIFY_PARAM_set1_host(param, host->c_str(), host->size());
        }
    }
    outcome.ok = X509_verify_cert(context.get()) == 1;
    if (!outcome.ok) {
        outcome.error = X509_STORE_CTX_get_error(context.get());
        outcome.depth = X509_STORE_CTX_get_error_depth(context.get());
        if (X509* current = X509_STORE_CTX_get_current_cert(context.get()); current != nullptr) {
            outcome.subject = name_text(X509_get_subject_name(current));
            outcome.issuer = name_text(X509_get_issuer_name(current));
        }
        if (outcome.error == X509_V_OK) {  // failed without saying why
            outcome.error = X509_V_ERR_UNSPECIFIED;
        }
    }
    return outcome;
}

std::string which(const VerifyOutcome& outcome) {
    if (outcome.depth == 0) {
        return "the server certificate";
    }
    return "the certificate at depth " + std::to_string(outcome.depth) + " in the chain (" + outcome.subject + ")";
}

// Plain English for the verification errors a mail admin meets; OpenSSL's own text otherwise.
std::string explain(const VerifyOutcome& outcome, const std::string& host) {
    switch (outcome.error) {
        case X509_V_ERR_CERT_HAS_EXPIRED:
            return outcome.depth == 0 ? "certificate has expired" : which(outcome) + " has expired";
        case X509_V_ERR_CERT_NOT_YET_VALID:
            return outcome.depth == 0 ? "certificate is not yet valid" : which(outcome) + " is not yet valid";
        case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
            return "self-signed certificate: it is not issued by a trusted certificate authority";
        case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
            return "self-signed certificate in the chain: its root (" + outcome.subject +
                   ") is not a trusted authority";
        case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
        case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
        case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
            return "unable to get local issuer certificate: the issuing CA (" + outcome.issuer +
                   ") is unknown, or the server does not send the intermediate certificate";
        case X509_V_ERR_HOSTNAME_MISMATCH: return "certificate does not match the host name " + host;
        case X509_V_ERR_IP_ADDRESS_MISMATCH: return "certificate does not match the IP address " + host;
        case X509_V_ERR_EE_KEY_TOO_SMALL: return "the server certificate's key is too small: current clients refuse it";
        case X509_V_ERR_CA_KEY_TOO_SMALL:
            return "the key of a CA certificate in the chain (" + outcome.subject +
                   ") is too small: current clients refuse it";
        case X509_V_ERR_CA_MD_TOO_WEAK:
            return which(outcome) + " is signed with a weak digest (such as SHA-1): current clients refuse it";
        case X509_V_ERR_CERT_SIGNATURE_FAILURE: return "the signature on " + which(outcome) + " does not verify";
        case X509_V_ERR_INVALID_CA: return which(outcome) + " is used as a CA but is not one";
        case X509_V_ERR_INVALID_PURPOSE: return which(outcome) + " is not valid for TLS server authentication";
        case X509_V_ERR_CERT_REVOKED: return which(outcome) + " has been revoked";
        default:
            return std::string(X509_verify_cert_error_string(outcome.error)) + " (at depth " +
                   std::to_string(outcome.depth) + ")";
    }
}

}  // namespace

CertificateInfo describe_certificate(X509* cert) {
    CertificateInfo info;
    info.subject = name_text(X509_get_subject_name(cert));
    info.issuer = name_text(X509_get_issuer_name(cert));
    info.san = subject_alt_names(cert);
    info.not_before = epoch_seconds(X509_get0_notBefore(cert));
    info.not_after = epoch_seconds(X509_get0_notAfter(cert));
    describe_key(cert, info);
    const int signature_nid = X509_get_signature_nid(cert);
    const char* signature = signature_nid != NID_undef ? OBJ_nid2ln(signature_nid) : nullptr;
    info.signature = signature != nullptr ? signature : "unknown";
    // Issuer name equals subject (and key identifiers agree); the signature itself is not checked.
    info.self_signed = X509_self_signed(cert, 0) == 1;
    return info;
}

CertificateFacts judge_certificate(X509* leaf, STACK_OF(X509) * sent, X509_STORE* trust, const std::string& host) {
    CertificateFacts facts;
    facts.leaf = describe_certificate(leaf);
    if (sent != nullptr) {
        for (int i = 0; i < sk_X509_num(sent); ++i) {
            X509* cert = sk_X509_value(sent, i);
            if (X509_cmp(cert, leaf) != 0) {
                facts.intermediates.push_back(describe_certificate(cert));
            }
        }
    }

    const VerifyOutcome full = verify(leaf, sent, trust, &host, k_client_auth_level, true);
    facts.chain_valid = full.ok;
    if (!full.ok) {
        facts.verify_error = explain(full, host);
    }
    // Dates, the host name and key/digest strength have rules of their own (cert.expired,
    // cert.name-mismatch, cert.weak-key, cert.weak-signature): trust_error is only about the path.
    // A chain that passes the full verification passes this one too: only a failure needs it.
    if (!full.ok) {
        const VerifyOutcome path = verify(leaf, sent, trust, nullptr, 0, false);
        if (!path.ok) {
            facts.trust_error = explain(path, host);
        }
    }
    facts.name_match = is_ip_literal(host) ? X509_check_ip_asc(leaf, host.c_str(), 0) == 1
                                           : X509_check_host(leaf, host.c_str(), host.size(), 0, nullptr) == 1;
    return facts;
}

}  // namespace relaymetry::probe
