// TLS client contexts (three handshake profiles) and the inspection of a completed session.

#include "relaymetry/probe/tls.hpp"

#include <arpa/inet.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>

#include <array>
#include <filesystem>
#include <stdexcept>
#include <string_view>

#include "openssl_handles.hpp"
#include "relaymetry/core/constants.hpp"
#include "relaymetry/probe/certificate.hpp"
#include "relaymetry/probe/connect_to.hpp"

namespace relaymetry::probe {

namespace {

namespace ssl = boost::asio::ssl;

// Whether an OpenSSL certificate directory has the subject-hash links ("5ad8a5d6.0") that lookups by
// directory need (Debian's update-ca-certificates makes them).
bool has_hash_links(const char* directory) {
    std::error_code error;
    for (const auto& entry : std::filesystem::directory_iterator(directory, error)) {
        const auto name = entry.path().filename().string();
        if (name.size() == 10 && name[8] == '.' && name[9] == '0') {
            return true;
        }
    }
    return false;
}

// The trust anchors, loaded once for the three contexts. The system store is looked up by subject
// hash in its certificate directory, certificate by certificate as chains need them, instead of
// parsing the whole bundle file at start (about 50 ms of every run); where the directory has no
// hash links, the bundle file is read.
detail::StorePtr load_trust_store(const TlsClientOptions& options) {
    detail::StorePtr store(X509_STORE_new());
    if (!store) {
        throw std::runtime_error("out of memory creating the certificate store");
    }
    bool loaded = false;
    std::string source;
    if (options.ca_file) {
        source = "the CA file " + *options.ca_file;
        loaded = X509_STORE_load_file(store.get(), options.ca_file->c_str()) == 1;
    } else if (has_hash_links(X509_get_default_cert_dir())) {
        source = std::string("the system certificate directory ") + X509_get_default_cert_dir();
        loaded = X509_STORE_load_path(store.get(), X509_get_default_cert_dir()) == 1;
    } else {
        source = std::string("the system certificate file ") + X509_get_default_cert_file();
        loaded = X509_STORE_load_file(store.get(), X509_get_default_cert_file()) == 1;
    }
    if (!loaded) {
        ERR_clear_error();
        throw std::runtime_error("cannot read " + source);
    }
    return store;
}

// Stands in for X509_verify_cert in the handshake. With SSL_VERIFY_NONE libssl still builds and verifies
// the server's chain, only to ignore the verdict; inspect_session verifies it again (judge_certificate),
// so the handshake's own pass was a second chain verification per connection for nothing.
int skip_handshake_verification(X509_STORE_CTX* /*context*/, void* /*arg*/) {
    return 1;
}

void configure(ssl::context& context, int min_version, int max_version, const char* ciphers, X509_STORE* trust) {
    SSL_CTX* handle = context.native_handle();
    SSL_CTX_set_min_proto_version(handle, min_version);
    SSL_CTX_set_max_proto_version(handle, max_version);
    if (ciphers != nullptr) {
        // TLS 1.0-1.2 suites; TLS 1.3 suites stay OpenSSL's defaults. @SECLEVEL=0 also lets the
        // handshake complete with small keys and SHA-1 signatures, which the rules then report.
        if (SSL_CTX_set_cipher_list(handle, ciphers) != 1) {
            throw std::runtime_error(std::string("cannot set the TLS cipher list ") + ciphers);
        }
        // Servers old enough to need TLS 1.0 may predate RFC 5746; OpenSSL 3 refuses them by default.
        SSL_CTX_set_options(handle, SSL_OP_LEGACY_SERVER_CONNECT);
    }
    SSL_CTX_set1_cert_store(handle, trust);
    SSL_CTX_set_max_cert_list(handle, k_max_certificate_list_bytes);
    // inspect_session judges the chain itself (judge_certificate); the handshake need not.
    SSL_CTX_set_verify(handle, SSL_VERIFY_NONE, nullptr);
    SSL_CTX_set_cert_verify_callback(handle, skip_handshake_verification, nullptr);
}

bool has_forward_secrecy(const SSL* ssl, const SSL_CIPHER* cipher) {
    if (SSL_version(ssl) >= TLS1_3_VERSION) {
        return true;  // RFC 8446: every TLS 1.3 key exchange is (EC)DHE
    }
    switch (SSL_CIPHER_get_kx_nid(cipher)) {
        case NID_kx_ecdhe:
        case NID_kx_dhe:
        case NID_kx_ecdhe_psk:
        case NID_kx_dhe_psk: return true;
        default: return false;
    }
}

// The worst property of the suite, for tls.weak-cipher.
std::optional<CipherWeakness> weakness_of(const SSL_CIPHER* cipher, bool forward_secrecy) {
    switch (SSL_CIPHER_get_cipher_nid(cipher)) {
        case NID_undef: return CipherWeakness::null_cipher;
        case NID_rc4:
        case NID_rc4_40: return CipherWeakness::rc4;
        case NID_des_ede3_cbc: return CipherWeakness::triple_des;
        case NID_des_cbc: return CipherWeakness::des;
        default: break;
    }
    // OpenSSL 3 has no property for export-grade suites; their names all carry "EXP".
    if (std::string_view(SSL_CIPHER_get_name(cipher)).find("EXP") != std::string_view::npos) {
        return CipherWeakness::export_grade;
    }
    if (SSL_CIPHER_get_digest_nid(cipher) == NID_md5) {
        return CipherWeakness::md5_mac;
    }
    if (!forward_secrecy) {
        return CipherWeakness::no_forward_secrecy;
    }
    return std::nullopt;
}

}  // namespace

std::optional<TlsVersion> negotiated_version(const SSL* ssl) {
    switch (SSL_version(ssl)) {
        case TLS1_VERSION: return TlsVersion::tls1_0;
        case TLS1_1_VERSION: return TlsVersion::tls1_1;
        case TLS1_2_VERSION: return TlsVersion::tls1_2;
        case TLS1_3_VERSION: return TlsVersion::tls1_3;
        default: return std::nullopt;  // SSL 3 and DTLS are never offered
    }
}

struct TlsContexts::Impl {
    explicit Impl(const TlsClientOptions& options)
        : modern(ssl::context::tls_client),
          diagnostic(ssl::context::tls_client),
          legacy_only(ssl::context::tls_client) {
        // Each context takes its own reference (SSL_CTX_set1_cert_store).
        const auto trust = load_trust_store(options);
        configure(modern, TLS1_2_VERSION, TLS1_3_VERSION, nullptr, trust.get());
        configure(diagnostic, TLS1_VERSION, TLS1_3_VERSION, "DEFAULT:@SECLEVEL=0", trust.get());
        configure(legacy_only, TLS1_VERSION, TLS1_1_VERSION, "DEFAULT:@SECLEVEL=0", trust.get());
    }
    ssl::context modern;
    ssl::context diagnostic;
    ssl::context legacy_only;
};

TlsContexts::TlsContexts(const TlsClientOptions& options) : m_impl(std::make_unique<Impl>(options)) {}

TlsContexts::~TlsContexts() = default;

boost::asio::ssl::context& TlsContexts::get(HandshakeProfile profile) {
    switch (profile) {
        case HandshakeProfile::diagnostic: return m_impl->diagnostic;
        case HandshakeProfile::legacy_only: return m_impl->legacy_only;
        case HandshakeProfile::modern: break;
    }
    return m_impl->modern;
}

void prepare_client(SSL* ssl, const std::string& host) {
    if (is_ip_literal(host)) {
        // RFC 6066 §3: literal IP addresses are not permitted in SNI.
        X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), host.c_str());
        return;
    }
    SSL_set_tlsext_host_name(ssl, host.c_str());
    SSL_set1_host(ssl, host.c_str());
}

TlsFacts inspect_session(SSL* ssl, const std::string& host, std::chrono::system_clock::time_point now) {
    TlsFacts facts;
    facts.version = negotiated_version(ssl);
    facts.tls13_supported = facts.version == TlsVersion::tls1_3;
    if (const SSL_CIPHER* cipher = SSL_get_current_cipher(ssl); cipher != nullptr) {
        facts.cipher = SSL_CIPHER_get_name(cipher);
        const char* standard = SSL_CIPHER_standard_name(cipher);
        facts.cipher_iana = standard != nullptr ? standard : facts.cipher;
        facts.forward_secrecy = has_forward_secrecy(ssl, cipher);
        facts.weak_cipher = weakness_of(cipher, facts.forward_secrecy);
    }
    if (X509* leaf = SSL_get0_peer_certificate(ssl); leaf != nullptr) {
        X509_STORE* trust = SSL_CTX_get_cert_store(SSL_get_SSL_CTX(ssl));
        facts.certificate = judge_certificate(leaf, SSL_get_peer_cert_chain(ssl), trust, host,
                                              std::chrono::system_clock::to_time_t(now));
    }
    return facts;
}

}  // namespace relaymetry::probe
