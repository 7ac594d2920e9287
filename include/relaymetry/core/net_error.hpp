#pragma once
// One vocabulary for what went wrong on the network, shared by the SMTP probe, the HTTPS policy fetch and
// the DNS lookups. io::classify() maps Asio/OpenSSL error codes to it; the DNS stage maps c-ares' status.
// `internal` is a bug in relaymetry, never the peer's fault: it is reported as internal-error, on stderr,
// and with exit code 3.

#include <string>
#include <string_view>

namespace relaymetry {

enum class NetErrorKind {
    refused,      // nothing listens (TCP RST to the SYN, ICMP port unreachable)
    timeout,      // no answer before the deadline
    reset,        // the peer reset an established connection
    closed,       // the peer closed the connection cleanly (EOF) where more was due
    unreachable,  // no route to the address (network / host unreachable, family not supported)
    tls_alert,    // the peer sent a TLS alert (`alert` names it)
    tls_error,    // the TLS handshake failed on our side (bad record, wrong version, ...)
    protocol,     // the peer broke the protocol (SMTP, HTTP, DNS)
    internal      // relaymetry's own bug
};
std::string_view to_string(NetErrorKind kind);

struct NetError {
    NetErrorKind kind = NetErrorKind::internal;
    std::string detail;  // the library's text, lower-cased start: "wrong version number", "handshake failure"
    std::string alert;   // tls_alert: the alert's name, e.g. "handshake failure"
};
// Plain English as the middle of a sentence: "connection refused", "the server closed the connection".
std::string describe(const NetError& error);

}  // namespace relaymetry
