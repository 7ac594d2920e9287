#pragma once
// TLS and certificate properties as values. The probe stage fills them from OpenSSL; the rules compare
// them; only the renderers and the rules' messages turn them into prose (names.cpp has the names).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace relaymetry {

// Ordered: a later version compares greater. Compare these, never their names.
enum class TlsVersion { tls1_0, tls1_1, tls1_2, tls1_3 };
std::string_view to_string(TlsVersion version);  // OpenSSL's names: "TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3"
std::optional<TlsVersion> parse_tls_version(std::string_view name);
// The version's name, or "no version" when no handshake completed.
std::string version_name(const std::optional<TlsVersion>& version);

// RFC 8996: TLS 1.0 and 1.1 are deprecated.
inline bool is_deprecated(TlsVersion version) {
    return version < TlsVersion::tls1_2;
}

enum class KeyAlgorithm { rsa, ec, ed25519, ed448, dsa, other };

struct KeyType {
    KeyAlgorithm algorithm = KeyAlgorithm::other;
    int bits = 0;            // RSA/DSA modulus size, EC field size
    std::string curve;       // EC only: the NIST name without dash ("P256") or OpenSSL's group name
    std::string other_name;  // KeyAlgorithm::other: OpenSSL's short name of the key type, or empty
};
// "RSA-2048", "EC-P256", "Ed25519", "DSA-1024".
std::string display_name(const KeyType& key);
// "RSA", "EC", "Ed25519", ...
std::string_view algorithm_name(const KeyType& key);

// The weak-key thresholds, the one place they are set: what current clients refuse (OpenSSL's
// security level 2 on Debian 12 refuses RSA/DSA below 2048 bits; EC below 256 bits is below
// every curve in use for TLS).
inline constexpr int k_min_rsa_bits = 2048;
inline constexpr int k_min_dsa_bits = 2048;
inline constexpr int k_min_ec_bits = 256;
bool is_weak(const KeyType& key);

// The digest of a certificate's signature algorithm.
enum class SignatureDigest { md5, sha1, sha224, sha256, sha384, sha512, intrinsic, other };
// MD5 and SHA-1 signatures are refused by current clients (below the trust anchor).
inline bool is_weak(SignatureDigest digest) {
    return digest == SignatureDigest::md5 || digest == SignatureDigest::sha1;
}

// Why a chain does not verify. `verify_error_code` in JSON is the name (docs/json.md lists them).
enum class VerifyError {
    expired,
    not_yet_valid,
    unknown_issuer,        // the chain ends at a CA that is not a trust anchor
    self_signed,           // the leaf, or the root the server sends, is self-signed and not trusted
    missing_intermediate,  // the leaf's issuer is neither sent nor trusted (usually a missing intermediate)
    name_mismatch,
    weak_key,
    weak_digest,
    other  // OpenSSL's code and text say what
};
std::string_view to_string(VerifyError error);  // "expired", "not-yet-valid", ...

struct VerifyFailure {
    VerifyError reason = VerifyError::other;
    int openssl_code = 0;      // X509_V_ERR_*
    std::string openssl_text;  // X509_verify_cert_error_string, for `other`
    int depth = 0;             // 0 = the server's certificate
    std::string subject;       // of the certificate the error is about
    std::string issuer;
};
// Plain English, e.g. "certificate has expired"; `host` is the name that was checked.
std::string describe(const VerifyFailure& failure, std::string_view host);

// What makes a negotiated suite weak, worst first (tls.weak-cipher).
enum class CipherWeakness { null_cipher, rc4, triple_des, des, export_grade, md5_mac, no_forward_secrecy };
std::string_view describe(CipherWeakness weakness);  // "RC4", "no forward secrecy", ...

}  // namespace relaymetry
