#pragma once
// TLS client setup and inspection shared by the submission probe and the MTA-STS policy fetch.

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include <openssl/ssl.h>
#include <boost/asio/ssl/context.hpp>

#include "relaymetry/core/facts.hpp"

namespace relaymetry::probe {

enum class HandshakeProfile {
    modern,      // what a current mail client offers: TLS 1.2-1.3, OpenSSL's default suites and security level
    diagnostic,  // TLS 1.0-1.3 at @SECLEVEL=0: tells "server only speaks TLS 1.0" from "handshake broken"
    legacy_only  // TLS 1.0-1.1 only at @SECLEVEL=0: does the server still accept them?
};

struct TlsClientOptions {
    std::optional<std::string> ca_file;  // trust anchors instead of the system store
};

// The three client contexts of one run, built once (loading trust anchors is not free). Peer
// verification never aborts a handshake: the report needs the facts either way.
class TlsContexts {
public:
    explicit TlsContexts(const TlsClientOptions& options);  // throws std::runtime_error on an unreadable ca_file
    TlsContexts(const TlsContexts&) = delete;
    TlsContexts& operator=(const TlsContexts&) = delete;
    ~TlsContexts();

    boost::asio::ssl::context& get(HandshakeProfile profile);

private:
    struct Impl;
    std::unique_ptr<Impl> m_impl;
};

// Before the handshake: SNI and the name to verify are `host`.
void prepare_client(SSL* ssl, const std::string& host);

// The version a completed handshake settled on.
std::optional<TlsVersion> negotiated_version(const SSL* ssl);

// After a completed handshake: version, suite, and the certificate facts judged against `host`
// with the same trust anchors as the context, at the check's `now` (CertificateFacts documents
// each field).
TlsFacts inspect_session(SSL* ssl, const std::string& host, std::chrono::system_clock::time_point now);

}  // namespace relaymetry::probe
