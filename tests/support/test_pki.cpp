// The test PKI with OpenSSL 3's key generation and X.509 builder. Keys are the slow part (RSA-2048
// takes tens of milliseconds), so the leaf and intermediate keys are made once per process and shared;
// each TestPki gets its own root key (EC P-256, fast) and uniquely named CAs, so a certificate from one
// TestPki never verifies against another's root ("unknown CA" tests rely on that).

#include "support/test_pki.hpp"

#include <arpa/inet.h>
#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdlib.h>

#include <array>
#include <atomic>
#include <cstdio>
#include <fstream>
#include <map>
#include <mutex>
#include <stdexcept>
#include <system_error>

namespace relaymetry::test {

namespace {

struct PkeyDeleter {
    void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
struct X509Deleter {
    void operator()(X509* cert) const { X509_free(cert); }
};
struct BioDeleter {
    void operator()(BIO* bio) const { BIO_free(bio); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyDeleter>;
using X509Ptr = std::unique_ptr<X509, X509Deleter>;
using BioPtr = std::unique_ptr<BIO, BioDeleter>;

constexpr long k_seconds_per_day = 24 * 60 * 60;

[[noreturn]] void fail(const std::string& what) {
    throw std::runtime_error("test PKI: " + what);
}

PkeyPtr generate(KeyKind kind) {
    EVP_PKEY* key = nullptr;
    switch (kind) {
        case KeyKind::rsa2048: key = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(2048)); break;
        case KeyKind::rsa1024: key = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(1024)); break;
        case KeyKind::ec_p256: key = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"); break;
    }
    if (key == nullptr) {
        fail("key generation failed");
    }
    return PkeyPtr(key);
}

// Process-wide key cache: a key is only a key, certificates are what tests vary.
class KeyCache {
public:
    EVP_PKEY* leaf(KeyKind kind) { return get(m_leaves, kind); }
    EVP_PKEY* intermediate() { return get(m_intermediates, KeyKind::rsa2048); }

private:
    EVP_PKEY* get(std::map<KeyKind, PkeyPtr>& keys, KeyKind kind) {
        std::lock_guard lock(m_mutex);
        auto& slot = keys[kind];
        if (!slot) {
            slot = generate(kind);
        }
        return slot.get();
    }
    std::mutex m_mutex;
    std::map<KeyKind, PkeyPtr> m_leaves;
    std::map<KeyKind, PkeyPtr> m_intermediates;
};

KeyCache& key_cache() {
    static KeyCache cache;
    return cache;
}

std::string unique_suffix() {
    std::array<unsigned char, 6> bytes{};
    if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1) {
        fail("RAND_bytes failed");
    }
    std::string hex;
    for (auto byte : bytes) {
        char digits[3];
        std::snprintf(digits, sizeof digits, "%02x", byte);
        hex += digits;
    }
    return hex;
}

void add_extension(X509* cert, X509* issuer, int nid, const std::string& value) {
    X509V3_CTX context;
    X509V3_set_ctx_nodb(&context);
    X509V3_set_ctx(&context, issuer, cert, nullptr, nullptr, 0);
    X509_EXTENSION* extension = X509V3_EXT_conf_nid(nullptr, &context, nid, value.c_str());
    if (extension == nullptr) {
        fail("bad extension " + value);
    }
    X509_add_ext(cert, extension, -1);
    X509_EXTENSION_free(extension);
}

bool is_ip_literal(const std::string& name) {
    unsigned char buffer[16];
    return inet_pton(AF_INET, name.c_str(), buffer) == 1 || inet_pton(AF_INET6, name.c_str(), buffer) == 1;
}

struct CertRequest {
    std::string common_name;
    std::string organization = "Relaymetry Tests";
    std::vector<std::string> dns_names;
    long not_before_days = -1;
    long not_after_days = 90;
    bool ca = false;
    EVP_PKEY* key = nullptr;         // subject key
    X509* issuer = nullptr;          // nullptr = self-issued
    EVP_PKEY* issuer_key = nullptr;  // signs
    const EVP_MD* digest = nullptr;
};

X509Ptr make_certificate(const CertRequest& request) {
    X509Ptr cert(X509_new());
    if (!cert) {
        fail("X509_new failed");
    }
    X509_set_version(cert.get(), X509_VERSION_3);

    std::unique_ptr<BIGNUM, decltype(&BN_free)> serial(BN_new(), &BN_free);
    BN_rand(serial.get(), 63, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY);
    BN_to_ASN1_INTEGER(serial.get(), X509_get_serialNumber(cert.get()));

    X509_gmtime_adj(X509_getm_notBefore(cert.get()), request.not_before_days * k_seconds_per_day);
    X509_gmtime_adj(X509_getm_notAfter(cert.get()), request.not_after_days * k_seconds_per_day);
    X509_set_pubkey(cert.get(), request.key);

    X509_NAME* name = X509_get_subject_name(cert.get());
    X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8,
                               reinterpret_cast<const unsigned char*>(request.organization.c_str()), -1, -1, 0);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                               reinterpret_cast<const unsigned char*>(request.common_name.c_str()), -1, -1, 0);
    X509* issuer = request.issuer != nullptr ? request.issuer : cert.get();
    X509_set_issuer_name(cert.get(), X509_get_subject_name(issuer));

    if (request.ca) {
        add_extension(cert.get(), issuer, NID_basic_constraints, "critical,CA:TRUE");
        add_extension(cert.get(), issuer, NID_key_usage, "critical,keyCertSign,cRLSign");
    } else {
        add_extension(cert.get(), issuer, NID_basic_constraints, "critical,CA:FALSE");
        add_extension(cert.get(), issuer, NID_key_usage, "critical,digitalSignature,keyEncipherment");
        add_extension(cert.get(), issuer, NID_ext_key_usage, "serverAuth");
    }
    add_extension(cert.get(), issuer, NID_subject_key_identifier, "hash");
    if (request.issuer != nullptr) {
        add_extension(cert.get(), issuer, NID_authority_key_identifier, "keyid:always");
    }
    if (!request.dns_names.empty()) {
        std::string san;
        for (const auto& dns_name : request.dns_names) {
            san += san.empty() ? "" : ",";
            san += (is_ip_literal(dns_name) ? "IP:" : "DNS:") + dns_name;
        }
        add_extension(cert.get(), issuer, NID_subject_alt_name, san);
    }
    if (X509_sign(cert.get(), request.issuer_key, request.digest) == 0) {
        fail("X509_sign failed for " + request.common_name);
    }
    return cert;
}

std::string to_pem(X509* cert) {
    BioPtr bio(BIO_new(BIO_s_mem()));
    PEM_write_bio_X509(bio.get(), cert);
    char* data = nullptr;
    long size = BIO_get_mem_data(bio.get(), &data);
    return std::string(data, static_cast<std::size_t>(size));
}

std::string to_pem(EVP_PKEY* key) {
    BioPtr bio(BIO_new(BIO_s_mem()));
    PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr);
    char* data = nullptr;
    long size = BIO_get_mem_data(bio.get(), &data);
    return std::string(data, static_cast<std::size_t>(size));
}

void write_file(const std::filesystem::path& path, const std::string& text) {
    std::ofstream out(path, std::ios::binary);
    out << text;
    if (!out) {
        fail("cannot write " + path.string());
    }
}

}  // namespace

struct TestPki::Impl {
    std::filesystem::path directory;
    std::filesystem::path root_file;
    std::string root_pem;
    PkeyPtr root_key;
    X509Ptr root;
    X509Ptr intermediate;
    std::string intermediate_pem;
    int issued = 0;
};

TestPki::TestPki() : m_impl(std::make_unique<Impl>()) {
    std::string pattern = (std::filesystem::temp_directory_path() / "relaymetry-pki-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) {
        fail("mkdtemp failed");
    }
    m_impl->directory = pattern;

    const std::string suffix = unique_suffix();
    m_impl->root_key = generate(KeyKind::ec_p256);
    CertRequest root;
    root.common_name = "Relaymetry Test Root " + suffix;
    root.not_before_days = -30;
    root.not_after_days = 3650;
    root.ca = true;
    root.key = m_impl->root_key.get();
    root.issuer_key = m_impl->root_key.get();
    root.digest = EVP_sha256();
    m_impl->root = make_certificate(root);
    m_impl->root_pem = to_pem(m_impl->root.get());
    m_impl->root_file = m_impl->directory / "root.pem";
    write_file(m_impl->root_file, m_impl->root_pem);

    CertRequest intermediate;
    intermediate.common_name = "Relaymetry Test Intermediate " + suffix;
    intermediate.not_before_days = -30;
    intermediate.not_after_days = 1825;
    intermediate.ca = true;
    intermediate.key = key_cache().intermediate();
    intermediate.issuer = m_impl->root.get();
    intermediate.issuer_key = m_impl->root_key.get();
    intermediate.digest = EVP_sha256();
    m_impl->intermediate = make_certificate(intermediate);
    m_impl->intermediate_pem = to_pem(m_impl->intermediate.get());
}

TestPki::~TestPki() {
    std::error_code ignored;
    std::filesystem::remove_all(m_impl->directory, ignored);
}

const std::filesystem::path& TestPki::root_file() const {
    return m_impl->root_file;
}

const std::string& TestPki::root_pem() const {
    return m_impl->root_pem;
}

IssuedCertificate TestPki::issue(const LeafSpec& spec) {
    CertRequest leaf;
    leaf.common_name = spec.common_name;
    leaf.dns_names = spec.dns_names;
    leaf.not_before_days = spec.not_before_days;
    leaf.not_after_days = spec.not_after_days;
    leaf.key = key_cache().leaf(spec.key);
    leaf.digest = spec.digest == Digest::sha1 ? EVP_sha1() : EVP_sha256();
    switch (spec.issuer) {
        case Issuer::intermediate:
            leaf.issuer = m_impl->intermediate.get();
            leaf.issuer_key = key_cache().intermediate();
            break;
        case Issuer::root:
            leaf.issuer = m_impl->root.get();
            leaf.issuer_key = m_impl->root_key.get();
            break;
        case Issuer::self: leaf.issuer_key = leaf.key; break;
    }
    X509Ptr cert = make_certificate(leaf);

    IssuedCertificate issued;
    issued.chain_pem = to_pem(cert.get());
    if (spec.issuer == Issuer::intermediate && spec.send_intermediate) {
        issued.chain_pem += m_impl->intermediate_pem;
    }
    issued.key_pem = to_pem(leaf.key);
    const std::string stem = "leaf-" + std::to_string(++m_impl->issued);
    issued.chain_file = m_impl->directory / (stem + ".chain.pem");
    issued.key_file = m_impl->directory / (stem + ".key.pem");
    write_file(issued.chain_file, issued.chain_pem);
    write_file(issued.key_file, issued.key_pem);
    return issued;
}

}  // namespace relaymetry::test
