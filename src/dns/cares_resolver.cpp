// c-ares driven by the Asio loop. c-ares owns its sockets and tells us, through the socket-state
// callback, which ones to watch for reading or writing; Asio waits on them (without owning them) and
// hands readiness back through ares_process_fd. One steady_timer follows ares_timeout() so that
// c-ares' own retry timers fire, and another ends everything at the check's deadline.
#include <ares.h>
#include <arpa/inet.h>

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <type_traits>
#include <variant>
#include <vector>

#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "relaymetry/dns/answer_parser.hpp"
#include "relaymetry/dns/query.hpp"
#include "relaymetry/dns/resolver.hpp"

namespace relaymetry::dns {

namespace asio = boost::asio;

namespace {

constexpr std::uint16_t k_dns_port = 53;

struct ServerAddress {
    int family = AF_INET;
    in_addr v4{};
    ares_in6_addr v6{};
    std::uint16_t port = k_dns_port;
};

std::optional<std::uint16_t> parse_port(std::string_view text) {
    unsigned value = 0;
    const auto* end = text.data() + text.size();
    auto [ptr, ec] = std::from_chars(text.data(), end, value);
    if (text.empty() || ec != std::errc{} || ptr != end || value == 0 || value > 65535) {
        return std::nullopt;
    }
    return static_cast<std::uint16_t>(value);
}

// "ADDR", "ADDR:PORT" (IPv4), "[V6ADDR]" or "[V6ADDR]:PORT"; a bare IPv6 address is accepted too.
// Names are refused: looking them up would need a resolver first.
std::variant<ServerAddress, std::string> parse_server(std::string_view text) {
    ServerAddress server;
    std::string host;
    std::optional<std::string_view> port_text;
    if (text.empty()) {
        return std::string{"a DNS server address is empty"};
    }
    if (text.front() == '[') {
        const auto close = text.find(']');
        if (close == std::string_view::npos) {
            return "\"" + std::string{text} + "\" lacks the closing ']' of an IPv6 address";
        }
        host = std::string{text.substr(1, close - 1)};
        auto rest = text.substr(close + 1);
        if (!rest.empty()) {
            if (rest.front() != ':') {
                return "\"" + std::string{text} + "\" has unexpected text after the IPv6 address";
            }
            port_text = rest.substr(1);
        }
        server.family = AF_INET6;
    } else if (text.find(':') != text.rfind(':')) {
        host = std::string{text};  // two colons or more: a bare IPv6 address, no port
        server.family = AF_INET6;
    } else {
        const auto colon = text.find(':');
        host = std::string{text.substr(0, colon)};
        if (colon != std::string_view::npos) {
            port_text = text.substr(colon + 1);
        }
    }
    if (port_text) {
        auto port = parse_port(*port_text);
        if (!port) {
            return "\"" + std::string{text} + "\" has an invalid port (expected 1-65535)";
        }
        server.port = *port;
    }
    const int parsed = server.family == AF_INET ? inet_pton(AF_INET, host.c_str(), &server.v4)
                                                : inet_pton(AF_INET6, host.c_str(), &server.v6);
    if (parsed != 1) {
        return "\"" + std::string{text} +
               "\" is not an IP address: give the DNS server as ADDR, ADDR:PORT or [IPv6]:PORT";
    }
    return server;
}

struct ChannelDeleter {
    void operator()(ares_channel channel) const { ares_destroy(channel); }
};

// One socket c-ares asked us to watch. The descriptor never closes the fd: c-ares does.
struct Watch {
    Watch(asio::any_io_executor executor, ares_socket_t socket) : descriptor(std::move(executor)), fd(socket) {}
    ~Watch() { forget(); }
    Watch(const Watch&) = delete;
    Watch& operator=(const Watch&) = delete;

    // Stops watching without closing: release() deregisters from the reactor and aborts pending waits.
    void forget() {
        closed = true;
        if (descriptor.is_open()) {
            descriptor.release();
        }
    }

    asio::posix::stream_descriptor descriptor;
    ares_socket_t fd;
    bool want_read = false;
    bool want_write = false;
    bool read_pending = false;
    bool write_pending = false;
    bool closed = false;
};

// A lookup in flight: the c-ares callback fills `result` and cancels `wake`, which the awaiting
// coroutine waits on. The callback never resumes the coroutine inline: cancel() posts its completion.
struct QueryState {
    QueryState(asio::any_io_executor executor, std::string query_name, RecordType query_type, bool cd)
        : name(std::move(query_name)), type(query_type), checking_disabled(cd), wake(std::move(executor)) {
        wake.expires_at(asio::steady_timer::time_point::max());
    }
    std::string name;
    RecordType type;
    bool checking_disabled;
    std::optional<LookupResult> result;
    asio::steady_timer wake;
};

LookupResult failure(const std::string& name, RecordType type, LookupStatus status, std::string error) {
    LookupResult result;
    result.name = name;
    result.type = type;
    result.status = status;
    result.error = std::move(error);
    return result;
}

LookupResult result_of(const QueryState& query, int status, const unsigned char* data, int size) {
    switch (status) {
        case ARES_SUCCESS:
            if (data == nullptr || size < 0) {
                return failure(query.name, query.type, LookupStatus::malformed,
                               describe_failure(LookupStatus::malformed));
            }
            return parse_answer({data, static_cast<std::size_t>(size)}, query.name, query.type);
        case ARES_ENODATA: return failure(query.name, query.type, LookupStatus::nodata, {});
        case ARES_ENOTFOUND: return failure(query.name, query.type, LookupStatus::nxdomain, {});
        case ARES_ESERVFAIL:
            return failure(query.name, query.type, LookupStatus::servfail, describe_failure(LookupStatus::servfail));
        case ARES_EREFUSED:
            return failure(query.name, query.type, LookupStatus::refused, describe_failure(LookupStatus::refused));
        case ARES_ETIMEOUT:
            return failure(query.name, query.type, LookupStatus::timeout, describe_failure(LookupStatus::timeout));
        case ARES_ECANCELLED:
            return failure(query.name, query.type, LookupStatus::timeout,
                           "could not contact the DNS server: no answer before the check's deadline");
        case ARES_ECONNREFUSED:
            return failure(query.name, query.type, LookupStatus::unreachable,
                           describe_failure(LookupStatus::unreachable));
        case ARES_EDESTRUCTION:
            return failure(query.name, query.type, LookupStatus::timeout,
                           "the lookup was abandoned before an answer came");
        case ARES_EBADRESP:
            return failure(query.name, query.type, LookupStatus::malformed, describe_failure(LookupStatus::malformed));
        case ARES_EFORMERR:
        case ARES_ENOTIMP:
            return failure(query.name, query.type, LookupStatus::servfail,
                           std::string{"the DNS server could not process the query: "} + ares_strerror(status));
        case ARES_EBADNAME:
            return failure(query.name, query.type, LookupStatus::malformed,
                           "\"" + query.name + "\" is not a name that can be looked up");
        default:
            return failure(query.name, query.type, LookupStatus::timeout,
                           std::string{"the DNS lookup failed: "} + ares_strerror(status));
    }
}

// The channel and everything the loop needs to drive it. Shared with the pending handlers, so that a
// handler that runs after the Resolver is gone finds a closed core, not freed memory.
class CaresCore : public std::enable_shared_from_this<CaresCore> {
public:
    CaresCore(asio::any_io_executor executor, std::chrono::steady_clock::time_point deadline)
        : m_executor(executor), m_timeout_timer(executor), m_deadline_timer(executor), m_deadline(deadline) {}

    ~CaresCore() { close(); }
    CaresCore(const CaresCore&) = delete;
    CaresCore& operator=(const CaresCore&) = delete;

    void open(const ResolverConfig& config) {
        static std::once_flag library_once;
        std::call_once(library_once, [] { ares_library_init(ARES_LIB_INIT_ALL); });

        std::vector<ServerAddress> servers;
        for (const auto& text : config.servers) {
            auto parsed = parse_server(text);
            if (auto* error = std::get_if<std::string>(&parsed)) {
                m_setup_error = "invalid DNS server: " + *error;
                return;
            }
            servers.push_back(std::get<ServerAddress>(parsed));
        }

        ares_options options{};
        // NOCHECKRESP: a SERVFAIL or REFUSED answer is the result, not a reason to report "could not
        // contact the server". The queries carry their own OPT record (query.hpp); ARES_FLAG_EDNS
        // sizes c-ares' receive buffer to match. Truncated UDP answers are retried over TCP
        // (RFC 7766 §5), c-ares' default as long as IGNTC stays unset.
        options.flags = ARES_FLAG_NOCHECKRESP | ARES_FLAG_EDNS;
        options.timeout = static_cast<int>(std::clamp<std::int64_t>(config.try_timeout.count(), 1, 60'000));
        options.tries = std::max(config.tries, 1);
        options.ednspsz = k_edns_payload;
        options.sock_state_cb = &CaresCore::on_socket_state;
        options.sock_state_cb_data = this;
        const int mask =
            ARES_OPT_FLAGS | ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES | ARES_OPT_EDNSPSZ | ARES_OPT_SOCK_STATE_CB;
        ares_channel channel = nullptr;
        if (const int status = ares_init_options(&channel, &options, mask); status != ARES_SUCCESS) {
            m_setup_error = std::string{"could not set up the DNS resolver: "} + ares_strerror(status);
            return;
        }
        m_channel.reset(channel);
        if (!servers.empty()) {
            std::vector<ares_addr_port_node> nodes(servers.size());
            for (std::size_t i = 0; i < servers.size(); ++i) {
                nodes[i].next = i + 1 < servers.size() ? &nodes[i + 1] : nullptr;
                nodes[i].family = servers[i].family;
                if (servers[i].family == AF_INET) {
                    nodes[i].addr.addr4 = servers[i].v4;
                } else {
                    nodes[i].addr.addr6 = servers[i].v6;
                }
                nodes[i].udp_port = servers[i].port;
                nodes[i].tcp_port = servers[i].port;
            }
            if (const int status = ares_set_servers_ports(m_channel.get(), nodes.data()); status != ARES_SUCCESS) {
                m_setup_error = std::string{"could not configure the DNS servers: "} + ares_strerror(status);
                return;
            }
        }
    }

    // Starts a query; the returned state may already hold the result (c-ares can call back at once).
    std::shared_ptr<QueryState> start(std::string name, RecordType type, bool checking_disabled) {
        auto state = std::make_shared<QueryState>(m_executor, std::move(name), type, checking_disabled);
        if (!m_setup_error.empty() || m_channel == nullptr) {
            state->result = failure(state->name, type, LookupStatus::timeout,
                                    m_setup_error.empty() ? "the DNS resolver is shut down" : m_setup_error);
            return state;
        }
        if (m_expired || std::chrono::steady_clock::now() >= m_deadline) {
            state->result = result_of(*state, ARES_ECANCELLED, nullptr, 0);
            return state;
        }
        const auto query = build_query(state->name, type, checking_disabled);
        if (!query) {
            state->result = result_of(*state, ARES_EBADNAME, nullptr, 0);
            return state;
        }
        if (m_pending++ == 0) {
            arm_deadline();
        }
        auto* pending = new PendingQuery{state, this};  // owned by c-ares until the callback
        ares_send(m_channel.get(), query->data(), static_cast<int>(query->size()), &CaresCore::on_query_done, pending);
        schedule_timeout();
        return state;
    }

    // Ends every pending lookup (their callbacks run with ARES_EDESTRUCTION) and lets go of the sockets.
    void close() {
        if (m_closed) {
            return;
        }
        m_closed = true;
        m_channel.reset();  // null while ares_destroy runs the callbacks: nothing new can start
        for (auto& [fd, watch] : m_watches) {
            watch->forget();
        }
        m_watches.clear();
        m_timeout_timer.cancel();
        m_deadline_timer.cancel();
    }

private:
    // What c-ares holds for one query: c-ares calls back exactly once per query, also when the
    // channel is cancelled or destroyed, always from inside a call the core made.
    struct PendingQuery {
        std::shared_ptr<QueryState> state;
        CaresCore* core;
    };

    static void on_query_done(void* arg, int status, int /*timeouts*/, unsigned char* data, int size) noexcept {
        std::unique_ptr<PendingQuery> pending(static_cast<PendingQuery*>(arg));
        auto& state = *pending->state;
        try {
            state.result = result_of(state, status, data, size);
        } catch (...) {  // out of memory: the awaiting coroutine reports an abandoned lookup
        }
        state.wake.cancel();
        if (--pending->core->m_pending == 0) {
            pending->core->m_deadline_timer.cancel();  // an idle resolver keeps no work on the loop
        }
    }

    void arm_deadline() {
        m_deadline_timer.expires_at(m_deadline);
        m_deadline_timer.async_wait([self = shared_from_this()](boost::system::error_code error) {
            if (!error) {
                self->expire();
            }
        });
    }

    static void on_socket_state(void* data, ares_socket_t fd, int readable, int writable) noexcept {
        static_cast<CaresCore*>(data)->socket_state(fd, readable != 0, writable != 0);
    }

    void socket_state(ares_socket_t fd, bool readable, bool writable) noexcept {
        auto found = m_watches.find(fd);
        if (!readable && !writable) {  // c-ares is about to close the socket
            if (found != m_watches.end()) {
                found->second->forget();
                m_watches.erase(found);
            }
            return;
        }
        try {
            if (found == m_watches.end()) {
                auto watch = std::make_shared<Watch>(m_executor, fd);
                boost::system::error_code error;
                watch->descriptor.assign(fd, error);
                if (error) {
                    return;  // unwatchable: c-ares' own timeout ends the query
                }
                found = m_watches.emplace(fd, std::move(watch)).first;
            }
            found->second->want_read = readable;
            found->second->want_write = writable;
            if (!m_closed) {
                arm(found->second);
            }
        } catch (...) {  // out of memory: c-ares' own timeout ends the query
        }
    }

    void arm(const std::shared_ptr<Watch>& watch) {
        if (watch->want_read && !watch->read_pending) {
            watch->read_pending = true;
            watch->descriptor.async_wait(asio::posix::descriptor_base::wait_read,
                                         [self = shared_from_this(), watch](boost::system::error_code error) {
                                             self->on_ready(watch, true, error);
                                         });
        }
        if (watch->want_write && !watch->write_pending) {
            watch->write_pending = true;
            watch->descriptor.async_wait(asio::posix::descriptor_base::wait_write,
                                         [self = shared_from_this(), watch](boost::system::error_code error) {
                                             self->on_ready(watch, false, error);
                                         });
        }
    }

    void on_ready(const std::shared_ptr<Watch>& watch, bool readable, boost::system::error_code error) {
        (readable ? watch->read_pending : watch->write_pending) = false;
        if (error || watch->closed || m_closed) {
            return;
        }
        const auto read_fd = readable ? watch->fd : ARES_SOCKET_BAD;
        const auto write_fd = readable ? ARES_SOCKET_BAD : watch->fd;
        ares_process_fd(m_channel.get(), read_fd, write_fd);
        if (!watch->closed && !m_closed) {
            arm(watch);
        }
        schedule_timeout();
    }

    // Follows c-ares' next retry/timeout; no timer while nothing is pending.
    void schedule_timeout() {
        if (m_closed || m_channel == nullptr) {
            return;
        }
        timeval storage{};
        const timeval* next = ares_timeout(m_channel.get(), nullptr, &storage);
        if (next == nullptr) {
            m_timeout_timer.cancel();
            return;
        }
        m_timeout_timer.expires_after(std::chrono::seconds(next->tv_sec) + std::chrono::microseconds(next->tv_usec));
        m_timeout_timer.async_wait([self = shared_from_this()](boost::system::error_code error) {
            if (error || self->m_closed) {
                return;  // re-armed or closed
            }
            ares_process_fd(self->m_channel.get(), ARES_SOCKET_BAD, ARES_SOCKET_BAD);
            self->schedule_timeout();
        });
    }

    void expire() {
        if (m_closed) {
            return;
        }
        m_expired = true;
        ares_cancel(m_channel.get());  // every pending callback runs now with ARES_ECANCELLED
        schedule_timeout();
    }

    asio::any_io_executor m_executor;
    std::string m_setup_error;
    std::map<ares_socket_t, std::shared_ptr<Watch>> m_watches;
    asio::steady_timer m_timeout_timer;
    asio::steady_timer m_deadline_timer;
    std::chrono::steady_clock::time_point m_deadline;
    std::size_t m_pending = 0;  // queries c-ares has not called back yet
    bool m_expired = false;
    bool m_closed = false;
    // Last, so that it is destroyed first; close() normally has destroyed it already.
    std::unique_ptr<std::remove_pointer_t<ares_channel>, ChannelDeleter> m_channel;
};

class CaresResolver final : public Resolver {
public:
    explicit CaresResolver(std::shared_ptr<CaresCore> core) : m_core(std::move(core)) {}
    ~CaresResolver() override { m_core->close(); }
    CaresResolver(const CaresResolver&) = delete;
    CaresResolver& operator=(const CaresResolver&) = delete;

    // RFC 4035 §3.2.2: a validating resolver answers SERVFAIL when the signatures do not validate,
    // and answers normally when asked again with CD (checking disabled). So a SERVFAIL is asked once
    // more with CD: an answer then means bogus, another failure means the zone's servers are broken.
    asio::awaitable<LookupResult> lookup(std::string name, RecordType type) override {
        auto result = co_await ask(name, type, false);
        if (result.status != LookupStatus::servfail) {
            co_return result;
        }
        const auto unchecked = co_await ask(std::move(name), type, true);
        if (!is_failure(unchecked.status)) {
            result.dnssec = DnssecStatus::bogus;
            result.error =
                "the resolver rejected the answer as DNSSEC-bogus (SERVFAIL; asked again with checking "
                "disabled, it answered " +
                std::string{to_string(unchecked.status)} + ")";
        }
        co_return result;
    }

private:
    asio::awaitable<LookupResult> ask(std::string name, RecordType type, bool checking_disabled) {
        // Only the state is touched after the suspension: the resolver itself may be gone by then,
        // in which case close() has already completed the state.
        auto state = m_core->start(std::move(name), type, checking_disabled);
        if (!state->result) {
            boost::system::error_code ignored;
            co_await state->wake.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
        }
        if (!state->result) {  // the awaiting operation was cancelled from outside, or out of memory
            co_return failure(state->name, state->type, LookupStatus::timeout,
                              "the lookup was abandoned before an answer came");
        }
        co_return std::move(*state->result);
    }

    std::shared_ptr<CaresCore> m_core;
};

}  // namespace

std::optional<std::string> validate_server(std::string_view server) {
    auto parsed = parse_server(server);
    if (auto* error = std::get_if<std::string>(&parsed)) {
        return *error;
    }
    return std::nullopt;
}

std::unique_ptr<Resolver> make_cares_resolver(asio::any_io_executor executor, const ResolverConfig& config,
                                              std::chrono::steady_clock::time_point deadline) {
    auto core = std::make_shared<CaresCore>(std::move(executor), deadline);
    core->open(config);
    return std::make_unique<CaresResolver>(std::move(core));
}

namespace {

class CaresResolverFactory : public ResolverFactory {
public:
    explicit CaresResolverFactory(ResolverConfig config) : m_config(std::move(config)) {}

    std::unique_ptr<Resolver> make(asio::any_io_executor executor,
                                   std::chrono::steady_clock::time_point deadline) override {
        return make_cares_resolver(std::move(executor), m_config, deadline);
    }
    std::vector<std::string> servers() const override { return m_config.servers; }

private:
    ResolverConfig m_config;
};

}  // namespace

std::shared_ptr<ResolverFactory> make_cares_resolver_factory(ResolverConfig config) {
    return std::make_shared<CaresResolverFactory>(std::move(config));
}

}  // namespace relaymetry::dns
