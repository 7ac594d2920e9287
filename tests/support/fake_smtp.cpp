// The scripted submission server (see fake_smtp.hpp).
#include "support/fake_smtp.hpp"

#include <algorithm>
#include <atomic>
#include <cctype>

#include <boost/asio/read_until.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include "support/loopback_server.hpp"
#include "support/tls_server.hpp"

namespace relaymetry::test {

namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

constexpr std::size_t k_max_command_line = 8192;
constexpr std::size_t k_oversized_bytes = 10 * 1024 * 1024;

TlsServerConfig tls_config(const FakeSmtpConfig& config) {
    TlsServerConfig tls;
    tls.chain_file = config.cert_file;
    tls.key_file = config.key_file;
    tls.min_version = config.tls_min_version;
    tls.max_version = config.tls_max_version;
    if (config.tls_seclevel0) {
        tls.ciphers = "DEFAULT:@SECLEVEL=0";
        tls.security_level0 = true;
    }
    return tls;
}

// The dialogue's state, shared by the sessions and the test that queries it.
struct Server {
    explicit Server(FakeSmtpConfig c) : config(std::move(c)), tls(make_tls_server_context(tls_config(config))) {}

    FakeSmtpConfig config;
    asio::ssl::context tls;
    ReceivedLog<std::string> commands;
    std::atomic<std::size_t> handshakes{0};
};

template <typename Stream>
asio::awaitable<void> write_text(Stream& stream, std::string text) {
    co_await asio::async_write(stream, asio::buffer(text), asio::use_awaitable);
}

template <typename Stream>
asio::awaitable<void> reply(Server* impl, Stream& stream, std::string text) {
    co_await pause(impl->config.step_delay);
    co_await write_text(stream, std::move(text));
}

// Reads until the peer closes; what a stalling server does with its input.
template <typename Stream>
asio::awaitable<void> swallow(Stream& stream) {
    char chunk[4096];
    for (;;) {
        co_await stream.async_read_some(asio::buffer(chunk), asio::use_awaitable);
    }
}

std::string ehlo_reply(const Server* impl, const std::string& argument, bool tls_active) {
    const auto& config = impl->config;
    std::vector<std::string> lines{"fake.test greets " + argument};
    const auto& capabilities = tls_active ? config.capabilities_after_tls : config.capabilities;
    lines.insert(lines.end(), capabilities.begin(), capabilities.end());
    if (!tls_active) {
        if (config.auth_before_tls) {
            lines.emplace_back("AUTH PLAIN LOGIN");
        }
        if (config.mode == SmtpMode::starttls && config.offer_starttls) {
            lines.emplace_back("STARTTLS");
        }
    }
    std::string text;
    for (std::size_t i = 0; i < lines.size(); ++i) {
        text += (i + 1 == lines.size() ? "250 " : "250-") + lines[i] + "\r\n";
    }
    return text;
}

template <typename Stream>
asio::awaitable<void> endless_reply(Stream& stream) {
    for (std::size_t block = 0;; ++block) {
        std::string text;
        for (int i = 0; i < 100; ++i) {
            text += "250-fake.test line " + std::to_string(block * 100 + i) + "\r\n";
        }
        co_await write_text(stream, std::move(text));
    }
}

enum class DialogueEnd { closed, starttls };

// The SMTP command loop. Returns starttls once "220 Ready to start TLS" is written (plaintext only).
template <typename Stream>
asio::awaitable<DialogueEnd> converse(Server* impl, Stream& stream, bool tls_active) {
    const auto& config = impl->config;
    std::string buffer;
    for (;;) {
        boost::system::error_code error;
        const auto n = co_await asio::async_read_until(stream, asio::dynamic_buffer(buffer, k_max_command_line), "\n",
                                                       asio::redirect_error(asio::use_awaitable, error));
        if (error) {
            co_return DialogueEnd::closed;
        }
        std::string line = buffer.substr(0, n);
        buffer.erase(0, n);
        while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) {
            line.pop_back();
        }
        impl->commands.record(line);
        std::string verb = line.substr(0, line.find(' '));
        std::transform(verb.begin(), verb.end(), verb.begin(),
                       [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
        const auto argument = line.size() > verb.size() ? line.substr(verb.size() + 1) : std::string();
        if (verb == "EHLO") {
            if (config.behaviour == SmtpBehaviour::endless_reply) {
                co_await endless_reply(stream);
            }
            co_await reply(impl, stream, ehlo_reply(impl, argument, tls_active));
        } else if (verb == "HELO") {
            co_await reply(impl, stream, "250 fake.test\r\n");
        } else if (verb == "STARTTLS" && !tls_active && config.mode == SmtpMode::starttls) {
            if (config.refuse_starttls) {
                co_await reply(impl, stream, "454 4.7.0 TLS not available due to temporary reason\r\n");
                continue;
            }
            std::string text = "220 2.0.0 Ready to start TLS\r\n";
            if (config.behaviour == SmtpBehaviour::data_after_starttls) {
                text += "250-injected before the handshake\r\n";
            }
            co_await reply(impl, stream, text);
            co_return DialogueEnd::starttls;
        } else if (verb == "QUIT") {
            co_await reply(impl, stream, "221 2.0.0 Bye\r\n");
            co_return DialogueEnd::closed;
        } else if (verb == "NOOP" || verb == "RSET") {
            co_await reply(impl, stream, "250 2.0.0 OK\r\n");
        } else {
            co_await reply(impl, stream, "502 5.5.1 Command not implemented\r\n");
        }
    }
}

template <typename Stream>
asio::awaitable<void> send_banner(Server* impl, Stream& stream) {
    const auto& config = impl->config;
    co_await pause(config.banner_delay);
    const auto banner = config.banner + "\r\n";
    switch (config.behaviour) {
        case SmtpBehaviour::drip:
            for (const char c : banner) {
                co_await write_text(stream, std::string(1, c));
                co_await pause(config.drip_interval);
            }
            break;
        case SmtpBehaviour::oversized_line: {
            const std::string chunk(64 * 1024, 'x');
            for (std::size_t sent = 0; sent < k_oversized_bytes; sent += chunk.size()) {
                co_await write_text(stream, chunk);
            }
            break;
        }
        case SmtpBehaviour::busy:
            co_await write_text(stream, "421 4.7.0 fake.test Too many connections, try again later\r\n");
            break;
        default: co_await write_text(stream, banner); break;
    }
}

// Reads the first bytes of the ClientHello, then aborts the connection with a TCP reset.
asio::awaitable<void> reset_connection(tcp::socket& socket) {
    char chunk[64];
    co_await socket.async_read_some(asio::buffer(chunk), asio::use_awaitable);
    socket.set_option(asio::socket_base::linger(true, 0));
    socket.close();
}

asio::awaitable<void> serve_tls(Server* impl, tcp::socket socket, bool banner_first) {
    asio::ssl::stream<tcp::socket> tls(std::move(socket), impl->tls);
    co_await tls.async_handshake(asio::ssl::stream_base::server, asio::use_awaitable);
    ++impl->handshakes;
    if (impl->config.behaviour == SmtpBehaviour::silent_after_tls) {
        co_await swallow(tls);
    }
    if (banner_first) {
        co_await send_banner(impl, tls);
    }
    co_await converse(impl, tls, true);
}

// Holds one client's place in a ClientLimit for the life of a connection.
class ClientPlace {
public:
    ClientPlace(std::shared_ptr<ClientLimit> limit, std::string client)
        : m_limit(std::move(limit)), m_client(std::move(client)), m_admitted(!m_limit || m_limit->enter(m_client)) {}
    ~ClientPlace() {
        if (m_limit && m_admitted) {
            m_limit->leave(m_client);
        }
    }
    ClientPlace(const ClientPlace&) = delete;
    ClientPlace& operator=(const ClientPlace&) = delete;
    bool admitted() const { return m_admitted; }

private:
    std::shared_ptr<ClientLimit> m_limit;
    std::string m_client;
    bool m_admitted;
};

std::string client_of(const tcp::socket& socket) {
    boost::system::error_code error;
    const auto peer = socket.remote_endpoint(error);
    return error ? std::string() : peer.address().to_string();
}

asio::awaitable<void> serve_admitted(Server* impl, tcp::socket socket);

asio::awaitable<void> serve(Server* impl, tcp::socket socket) {
    ClientPlace place(impl->config.client_limit, client_of(socket));
    if (!place.admitted()) {
        co_await write_text(socket,
                            "421 fake.test Too many concurrent SMTP connections from this IP address; please try "
                            "again later.\r\n");
        co_return;
    }
    co_await serve_admitted(impl, std::move(socket));
}

asio::awaitable<void> serve_admitted(Server* impl, tcp::socket socket) {
    const auto& config = impl->config;
    if (config.behaviour == SmtpBehaviour::stall) {
        co_await swallow(socket);
    }
    const bool implicit = config.mode == SmtpMode::implicit_tls && config.behaviour != SmtpBehaviour::plaintext;
    if (implicit) {
        if (config.behaviour == SmtpBehaviour::reset_in_handshake) {
            co_await reset_connection(socket);
            co_return;
        }
        co_await serve_tls(impl, std::move(socket), true);
        co_return;
    }
    co_await send_banner(impl, socket);
    if (config.behaviour == SmtpBehaviour::busy || config.behaviour == SmtpBehaviour::oversized_line) {
        co_return;
    }
    if (config.behaviour == SmtpBehaviour::close_after_banner) {
        socket.close();
        co_return;
    }
    if (co_await converse(impl, socket, false) != DialogueEnd::starttls) {
        co_return;
    }
    if (config.behaviour == SmtpBehaviour::reset_in_handshake) {
        co_await reset_connection(socket);
        co_return;
    }
    co_await serve_tls(impl, std::move(socket), false);
}

}  // namespace

bool ClientLimit::enter(const std::string& client) {
    std::lock_guard lock(m_mutex);
    auto& open = m_open[client];
    auto& closed = m_closed[client];
    const auto now = std::chrono::steady_clock::now();
    std::erase_if(closed, [&](auto at) { return now - at >= m_linger; });
    if (open + closed.size() >= m_per_client) {
        ++m_turned_away;
        return false;
    }
    m_peak = std::max(m_peak, ++open);
    return true;
}

void ClientLimit::leave(const std::string& client) {
    std::lock_guard lock(m_mutex);
    if (auto found = m_open.find(client); found != m_open.end() && found->second > 0) {
        --found->second;
        if (m_linger.count() > 0) {
            m_closed[client].push_back(std::chrono::steady_clock::now());
        }
    }
}

std::size_t ClientLimit::turned_away() const {
    std::lock_guard lock(m_mutex);
    return m_turned_away;
}

std::size_t ClientLimit::peak() const {
    std::lock_guard lock(m_mutex);
    return m_peak;
}

struct FakeSmtp::Impl : Server {
    explicit Impl(FakeSmtpConfig config)
        : Server(std::move(config)),
          loopback({.port = 0,
                    .v6 = this->config.listen_v6 ? LoopbackV6::listen : LoopbackV6::refuse,
                    .udp = false,
                    .v4_aliases = this->config.v4_aliases},
                   [this](tcp::socket socket) { return serve(this, std::move(socket)); }) {}

    LoopbackServer loopback;
};

FakeSmtp::FakeSmtp(FakeSmtpConfig config) : m_impl(std::make_unique<Impl>(std::move(config))) {}

FakeSmtp::~FakeSmtp() = default;

std::uint16_t FakeSmtp::port() const {
    return m_impl->loopback.port();
}

bool FakeSmtp::listening_v6() const {
    return m_impl->loopback.listening_v6();
}

std::vector<std::string> FakeSmtp::commands() const {
    return m_impl->commands.entries();
}

std::size_t FakeSmtp::connections() const {
    return m_impl->loopback.connections();
}

std::size_t FakeSmtp::peak_connections() const {
    return m_impl->loopback.peak_connections();
}

std::size_t FakeSmtp::handshakes() const {
    return m_impl->handshakes;
}

}  // namespace relaymetry::test
