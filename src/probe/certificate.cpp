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
#include "relaymetry/core/constants.hpp"
#include "relaymetry/probe/connect_to.hpp"

namespace relaymetry::probe {

namespace {

using detail::BioPtr;
using detail::BorrowedCertsPtr;
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

KeyType describe_key(X509* cert) {
    KeyType key;
    EVP_PKEY* pkey = X509_get0_pubkey(cert);
    if (pkey == nullptr) {
        return key;
    }
    key.bits = EVP_PKEY_get_bits(pkey);
    switch (EVP_PKEY_get_base_id(pkey)) {
        case EVP_PKEY_RSA:
        case EVP_PKEY_RSA_PSS: key.algorithm = KeyAlgorithm::rsa; break;
        case EVP_PKEY_EC: {
            key.algorithm = KeyAlgorithm::ec;
            std::array<char, 80> group{};
            if (EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_GROUP_NAME, group.data(), group.size(), nullptr)) {
                // "prime256v1" -> "P-256" -> "P256"; curves without a NIST name keep OpenSSL's.
                const char* nist = EC_curve_nid2nist(OBJ_txt2nid(group.data()));
                key.curve = nist != nullptr ? nist : group.data();
                std::erase(key.curve, '-');
            }
            break;
        }
        case EVP_PKEY_ED25519: key.algorithm = KeyAlgorithm::ed25519; break;
        case EVP_PKEY_ED448: key.algorithm = KeyAlgorithm::ed448; break;
        case EVP_PKEY_DSA: key.algorithm = KeyAlgorithm::dsa; break;
        default: {
            const char* name = OBJ_nid2sn(EVP_PKEY_get_base_id(pkey));
            key.other_name = name != nullptr ? name : "";
            break;
        }
    }
    return key;
}

SignatureDigest signature_digest(X509* cert) {
    int digest_nid = NID_undef;
    int key_nid = NID_undef;
    if (OBJ_find_sigid_algs(X509_get_signature_nid(cert), &digest_nid, &key_nid) != 1) {
        return SignatureDigest::other;
    }
    switch (digest_nid) {
        case NID_md5: return SignatureDigest::md5;
        case NID_sha1: return SignatureDigest::sha1;
        case NID_sha224: return SignatureDigest::sha224;
        case NID_sha256: return SignatureDigest::sha256;
        case NID_sha384: return SignatureDigest::sha384;
        case NID_sha512: return SignatureDigest::sha512;
        case NID_undef: return SignatureDigest::intrinsic;  // Ed25519/Ed448 hash inside the scheme
        default: return SignatureDigest::other;
    }
}

std::string hex(const unsigned char* data, std::size_t size) {
    static constexpr char k_digits[] = "0123456789abcdef";
    std::string text;
    text.reserve(size * 2);
    for (std::size_t i = 0; i < size; ++i) {
        text += k_digits[data[i] >> 4];
        text += k_digits[data[i] & 0x0F];
    }
    return text;
}

std::string digest_hex(const void* data, std::size_t length, const EVP_MD* md) {
    std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
    unsigned int size = 0;
    if (EVP_Digest(data, length, digest.data(), &size, md, nullptr) != 1) {
        return {};
    }
    return hex(digest.data(), size);
}

std::string digest_hex(const std::vector<std::uint8_t>& bytes, const EVP_MD* md) {
    return digest_hex(bytes.data(), bytes.size(), md);
}

// i2d_* into a vector: the DER of the certificate or of its SubjectPublicKeyInfo.
template <typename Object, typename Encode>
std::vector<std::uint8_t> der_of(Object* object, Encode encode) {
    const int size = encode(object, nullptr);
    if (size <= 0) {
        return {};
    }
    std::vector<std::uint8_t> der(static_cast<std::size_t>(size));
    unsigned char* out = der.data();
    if (encode(object, &out) != size) {
        return {};
    }
    return der;
}

struct VerifyOutcome {
    bool ok = false;
    int error = X509_V_OK;
    int depth = 0;
    std::string subject;  // of the certificate the error is about
    std::string issuer;
};

// host == nullptr: no name check. check_time == false: dates ignored; otherwise judged at `now`.
VerifyOutcome verify(X509* leaf, STACK_OF(X509) * sent, X509_STORE* trust, const std::string* host, int auth_level,
                     bool check_time, std::time_t now) {
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
    if (check_time) {
        X509_VERIFY_PARAM_set_time(param, now);
    } else {
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

VerifyError reason_of(const VerifyOutcome& outcome, bool intermediates_sent) {
    switch (outcome.error) {
        case X509_V_ERR_CERT_HAS_EXPIRED: return VerifyError::expired;
        case X509_V_ERR_CERT_NOT_YET_VALID: return VerifyError::not_yet_valid;
        case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
        case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN: return VerifyError::self_signed;
        case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
        case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
        case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
            // The issuer of the certificate at `depth` is neither sent nor trusted. For the leaf of a
            // server that sends nothing else, that is almost always the missing intermediate; higher
            // up the chain the server did send intermediates, and the CA they lead to is unknown.
            return outcome.depth == 0 && !intermediates_sent ? VerifyError::missing_intermediate
                                                             : VerifyError::unknown_issuer;
        case X509_V_ERR_HOSTNAME_MISMATCH:
        case X509_V_ERR_IP_ADDRESS_MISMATCH: return VerifyError::name_mismatch;
        case X509_V_ERR_EE_KEY_TOO_SMALL:
        case X509_V_ERR_CA_KEY_TOO_SMALL: return VerifyError::weak_key;
        case X509_V_ERR_CA_MD_TOO_WEAK: return VerifyError::weak_digest;
        default: return VerifyError::other;
    }
}

VerifyFailure failure_of(const VerifyOutcome& outcome, bool intermediates_sent) {
    VerifyFailure failure;
    failure.reason = reason_of(outcome, intermediates_sent);
    failure.openssl_code = outcome.error;
    failure.openssl_text = X509_verify_cert_error_string(outcome.error);
    failure.depth = outcome.depth;
    failure.subject = outcome.subject;
    failure.issuer = outcome.issuer;
    return failure;
}

}  // namespace

CertificateInfo describe_certificate(X509* cert) {
    CertificateInfo info;
    info.subject = name_text(X509_get_subject_name(cert));
    info.issuer = name_text(X509_get_issuer_name(cert));
    info.san = subject_alt_names(cert);
    info.not_before = epoch_seconds(X509_get0_notBefore(cert));
    info.not_after = epoch_seconds(X509_get0_notAfter(cert));
    info.key = describe_key(cert);
    const int signature_nid = X509_get_signature_nid(cert);
    const char* signature = signature_nid != NID_undef ? OBJ_nid2ln(signature_nid) : nullptr;
    info.signature = signature != nullptr ? signature : "unknown";
    info.signature_digest = signature_digest(cert);
    // Issuer name equals subject (and key identifiers agree); the signature itself is not checked.
    info.self_signed = X509_self_signed(cert, 0) == 1;
    info.der = der_of(cert, i2d_X509);
    info.sha256 = digest_hex(info.der, EVP_sha256());
    info.sha512 = digest_hex(info.der, EVP_sha512());
    info.spki_der = der_of(X509_get_X509_PUBKEY(cert), i2d_X509_PUBKEY);
    info.spki_sha256 = digest_hex(info.spki_der, EVP_sha256());
    info.spki_sha512 = digest_hex(info.spki_der, EVP_sha512());
    return info;
}

CertificateFacts judge_certificate(X509* leaf, STACK_OF(X509) * sent, X509_STORE* trust, const std::string& host,
                                   std::time_t now) {
    CertificateFacts facts;
    facts.leaf = describe_certificate(leaf);
    facts.certificates_sent = 1;
    // Only the first k_max_chain_certificates are described and offered to the verification: a chain
    // of a hundred would otherwise cost a hundred descriptions and path searches per handshake.
    BorrowedCertsPtr kept(sk_X509_new_null());
    if (sent != nullptr) {
        for (int i = 0; i < sk_X509_num(sent); ++i) {
            X509* cert = sk_X509_value(sent, i);
            if (X509_cmp(cert, leaf) == 0) {
                continue;
            }
            ++facts.certificates_sent;
            if (facts.certificates_sent <= k_max_chain_certificates && kept && sk_X509_push(kept.get(), cert) > 0) {
                facts.intermediates.push_back(describe_certificate(cert));
            }
        }
    }
    const bool intermediates_sent = !facts.intermediates.empty();

    const VerifyOutcome full = verify(leaf, kept.get(), trust, &host, k_client_auth_level, true, now);
    facts.chain_valid = full.ok;
    if (!full.ok) {
        facts.verify_error = failure_of(full, intermediates_sent);
    }
    // Dates, the host name and key/digest strength have rules of their own (cert.expired,
    // cert.name-mismatch, cert.weak-key, cert.weak-signature): trust_error is only about the path.
    // A chain that passes the full verification passes this one too: only a failure needs it.
    if (!full.ok) {
        const VerifyOutcome path = verify(leaf, kept.get(), trust, nullptr, 0, false, now);
        if (!path.ok) {
            facts.trust_error = failure_of(path, intermediates_sent);
        }
    }
    facts.name_match = is_ip_literal(host) ? X509_check_ip_asc(leaf, host.c_str(), 0) == 1
                                           : X509_check_host(leaf, host.c_str(), host.size(), 0, nullptr) == 1;
    return facts;
}

std::string sha256_hex(std::string_view data) {
    return digest_hex(data.data(), data.size(), EVP_sha256());
}

}  // namespace relaymetry::probe
