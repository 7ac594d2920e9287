// The fakes' TLS server configuration (see tls_server.hpp).
#include "support/tls_server.hpp"

#include <stdexcept>

#include <openssl/ssl.h>

namespace relaymetry::test {

int openssl_version(TlsVersion version) {
    switch (version) {
        case TlsVersion::tls1_0: return TLS1_VERSION;
        case TlsVersion::tls1_1: return TLS1_1_VERSION;
        case TlsVersion::tls1_2: return TLS1_2_VERSION;
        case TlsVersion::tls1_3: break;
    }
    return TLS1_3_VERSION;
}

boost::asio::ssl::context make_tls_server_context(const TlsServerConfig& config) {
    boost::asio::ssl::context context(boost::asio::ssl::context::tls_server);
    SSL_CTX* handle = context.native_handle();
    if (config.security_level0) {
        SSL_CTX_set_security_level(handle, 0);
    }
    if (!config.ciphers.empty() && SSL_CTX_set_cipher_list(handle, config.ciphers.c_str()) != 1) {
        throw std::runtime_error("bad cipher list " + config.ciphers);
    }
    if (config.min_version != 0) {
        SSL_CTX_set_min_proto_version(handle, config.min_version);
    }
    if (config.max_version != 0) {
        SSL_CTX_set_max_proto_version(handle, config.max_version);
    }
    if (!config.chain_file.empty()) {
        try {
            context.use_certificate_chain_file(config.chain_file.string());
            context.use_private_key_file(config.key_file.string(), boost::asio::ssl::context::pem);
        } catch (const boost::system::system_error& error) {
            throw std::runtime_error("cannot load " + config.chain_file.string() + ": " + error.what());
        }
    }
    return context;
}

}  // namespace relaymetry::test
