#pragma once
// A scripted HTTPS server on 127.0.0.1 (ephemeral port) with its own thread and io_context, for the
// policy fetch and TLS inspection tests. It serves the certificate a test chooses (a TestPki leaf:
// wrong name, expired, unknown CA...) at @SECLEVEL=0, so weak keys and TLS 1.0 can be served too.

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "support/tls_server.hpp"

namespace relaymetry::test {

struct HttpsResponse {
    int status = 200;
    std::string content_type = "text/plain";  // empty = no Content-Type header
    std::string body;
    std::string location;               // Location header when not empty (for 3xx)
    bool chunked = false;               // Transfer-Encoding: chunked, the body in chunks of up to 4 KiB
    bool end_chunked = true;            // false: the last chunk is never sent (a body that never ends)
    std::chrono::milliseconds drip{0};  // > 0: the whole response, one byte per interval
    bool stall_after_headers = false;   // send the header, then nothing until the client gives up
};

struct FakeHttpsOptions {
    std::filesystem::path chain_file;  // PEM: leaf first, then what the server sends along
    std::filesystem::path key_file;
    TlsVersion min_version = TlsVersion::tls1_0;
    TlsVersion max_version = TlsVersion::tls1_3;
    std::string ciphers = "DEFAULT:@SECLEVEL=0";     // TLS 1.0-1.2 suites (OpenSSL cipher list)
    std::map<std::string, HttpsResponse> responses;  // by request target, e.g. "/.well-known/mta-sts.txt"
    std::optional<HttpsResponse> fallback;           // any other target; none = 404
    bool silent = false;                             // accept connections, never answer (the TLS handshake stalls)
};

class FakeHttps {
public:
    // Listening when the constructor returns; throws std::runtime_error on unusable certificate files.
    explicit FakeHttps(FakeHttpsOptions options);
    ~FakeHttps();
    FakeHttps(const FakeHttps&) = delete;
    FakeHttps& operator=(const FakeHttps&) = delete;

    std::uint16_t port() const;
    // The header block of every request received (request line and fields), in arrival order.
    std::vector<std::string> requests() const;
    // TCP connections accepted so far.
    std::size_t connections() const;

private:
    struct Impl;
    std::unique_ptr<Impl> m_impl;
};

}  // namespace relaymetry::test
