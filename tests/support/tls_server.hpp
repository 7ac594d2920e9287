#pragma once
// The TLS side the fake servers share: a server context from a PEM chain and key, with the protocol
// versions and cipher list a test asks for, down to what current clients refuse.

#include <filesystem>
#include <string>

#include <boost/asio/ssl/context.hpp>

namespace relaymetry::test {

enum class TlsVersion { tls1_0, tls1_1, tls1_2, tls1_3 };

// OpenSSL's TLS1_VERSION ... TLS1_3_VERSION.
int openssl_version(TlsVersion version);

struct TlsServerConfig {
    std::filesystem::path chain_file;  // PEM: leaf first, then what the server sends along; empty = none
    std::filesystem::path key_file;    // PEM
    int min_version = 0;               // OpenSSL's TLS1_VERSION ...; 0 = as openssl.cnf says
    int max_version = 0;
    std::string ciphers;  // OpenSSL cipher list (TLS 1.0-1.2 suites); empty = OpenSSL's default
    // Security level 0, so that a test can serve what current clients refuse (RSA-1024, SHA-1, TLS 1.0
    // and 1.1). Set before the certificate is loaded: a higher level rejects weak keys right there.
    bool security_level0 = false;
};

// A context for the server side of handshakes; without a chain every handshake fails. Throws
// std::runtime_error naming the cipher list or the file OpenSSL rejected.
boost::asio::ssl::context make_tls_server_context(const TlsServerConfig& config);

}  // namespace relaymetry::test
