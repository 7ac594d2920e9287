#pragma once
// A scripted submission server on loopback for the probe's tests: implicit TLS (465) or STARTTLS
// (587), with the misbehaviours the probe must survive. It runs on its own thread and io_context,
// listens on 127.0.0.1 (and, unless disabled, ::1) on one ephemeral port, and records every command
// line it received, so tests can assert that the probe never sends AUTH or MAIL.

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace relaymetry::test {

enum class SmtpMode { starttls, implicit_tls };

enum class SmtpBehaviour {
    normal,
    stall,                // accept, never speak
    drip,                 // the banner, one byte every drip_interval
    oversized_line,       // a 10 MiB banner without a newline
    endless_reply,        // answers EHLO with "250-..." lines that never end
    busy,                 // "421 4.7.0 Too many connections" instead of the banner, then close
    close_after_banner,   // the 220 banner, then close
    reset_in_handshake,   // reads the start of the ClientHello, then resets the connection (RST)
    data_after_starttls,  // "220 Ready to start TLS" followed, in the same write, by an injected line
    plaintext,            // implicit_tls mode, but speaks plaintext SMTP as if it were 587
    silent_after_tls,     // implicit_tls mode: completes the TLS handshake, then never greets
};

// Exim's smtp_accept_max_per_host: connections counted per client address, across every fake that
// shares one counter (give the 465 and the 587 fake the same one, as one Exim serves both ports).
// A connection over the limit gets Exim's plaintext "421 ... Too many concurrent SMTP connections
// from this IP address" and is closed, on the implicit-TLS port too (before any TLS).
class ClientLimit {
public:
    // `linger`: a closed connection still counts this long (Exim counts it until it has reaped the
    // process that served it).
    explicit ClientLimit(std::size_t per_client, std::chrono::milliseconds linger = {})
        : m_per_client(per_client), m_linger(linger) {}
    bool enter(const std::string& client);  // false: over the limit, turned away (counted)
    void leave(const std::string& client);
    std::size_t turned_away() const;
    std::size_t peak() const;  // most connections from one client at once (admitted ones)

private:
    mutable std::mutex m_mutex;
    std::size_t m_per_client;
    std::chrono::milliseconds m_linger;
    std::map<std::string, std::size_t> m_open;
    std::map<std::string, std::vector<std::chrono::steady_clock::time_point>> m_closed;  // within linger
    std::size_t m_turned_away = 0;
    std::size_t m_peak = 0;
};

// TLS versions as OpenSSL's TLS1_VERSION ... TLS1_3_VERSION; 0 = OpenSSL's default.
struct FakeSmtpConfig {
    SmtpMode mode = SmtpMode::starttls;
    SmtpBehaviour behaviour = SmtpBehaviour::normal;
    std::string banner = "220 fake.test ESMTP ready";  // the whole reply line(s), CR LF added
    std::vector<std::string> capabilities = {"PIPELINING", "8BITMIME", "ENHANCEDSTATUSCODES"};
    std::vector<std::string> capabilities_after_tls = {"PIPELINING", "8BITMIME", "AUTH PLAIN LOGIN"};
    bool offer_starttls = true;    // STARTTLS in the plaintext EHLO reply (starttls mode)
    bool auth_before_tls = false;  // "AUTH PLAIN LOGIN" in the plaintext EHLO reply
    bool refuse_starttls = false;  // "454 4.7.0 TLS not available due to temporary reason"
    std::chrono::milliseconds banner_delay{0};
    std::chrono::milliseconds step_delay{0};  // before each reply, to keep connections open for a while
    std::chrono::milliseconds drip_interval{50};
    int tls_min_version = 0;
    int tls_max_version = 0;
    bool tls_seclevel0 = false;       // "DEFAULT:@SECLEVEL=0", needed to serve TLS 1.0/1.1 at all
    std::filesystem::path cert_file;  // PEM chain (leaf first)
    std::filesystem::path key_file;
    bool listen_v6 = true;                      // also ::1, on the same port; false: [::1]:port refuses connections
    std::vector<std::string> v4_aliases;        // more 127.x.y.z addresses to serve on, on the same port
    std::shared_ptr<ClientLimit> client_limit;  // none: any number of connections
};

class FakeSmtp {
public:
    explicit FakeSmtp(FakeSmtpConfig config);  // listening when the constructor returns
    ~FakeSmtp();                               // stops the thread, closes everything
    FakeSmtp(const FakeSmtp&) = delete;
    FakeSmtp& operator=(const FakeSmtp&) = delete;

    std::uint16_t port() const;
    bool listening_v6() const;

    // Every command line received, in order, across all connections.
    std::vector<std::string> commands() const;
    std::size_t connections() const;       // accepted so far
    std::size_t peak_connections() const;  // most open at once
    std::size_t handshakes() const;        // TLS handshakes completed

private:
    struct Impl;
    std::unique_ptr<Impl> m_impl;
};

}  // namespace relaymetry::test
