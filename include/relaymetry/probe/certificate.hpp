#pragma once
// Certificate facts from OpenSSL objects: what a server sent, and what a current client concludes
// about it. Used by inspect_session (tls.hpp); separate so chains can be judged without a socket.

#include <ctime>
#include <string>
#include <string_view>

#include <openssl/x509.h>

#include "relaymetry/core/facts.hpp"

namespace relaymetry::probe {

// The security level current clients verify at (Debian 12 builds OpenSSL with SECLEVEL=2 as its
// default): RSA/DSA keys >= 2048 bits, EC >= 224, no SHA-1 signatures below the trust anchor.
inline constexpr int k_client_auth_level = 2;

// Subject/issuer (RFC 2253), SANs, validity, key and signature algorithm, digests and DER of one
// certificate.
CertificateInfo describe_certificate(X509* cert);

// Judges `leaf` with the chain the server sent (`sent` may include the leaf, may be null) against
// `trust`: chain_valid/verify_error at k_client_auth_level with time and host checks, trust_error
// ignoring time, host and key/digest strength, and name_match (SAN, or CN when there is no DNS SAN).
// `host` may be a DNS name or an IP literal. Validity dates are judged at `now` (the check's own
// "now", DomainFacts::started_at), so an injected clock gives the same verdict as the expiry rules.
CertificateFacts judge_certificate(X509* leaf, STACK_OF(X509) * sent, X509_STORE* trust, const std::string& host,
                                   std::time_t now);

// Lower-case hex SHA-256 of `data` (the policy body's digest, for --state).
std::string sha256_hex(std::string_view data);

}  // namespace relaymetry::probe
