// The fake DNS server: a hand-written message builder (RFC 1035 §4.1) served over UDP and TCP by a
// LoopbackServer. Everything that touches the script holds the mutex.
#include "support/fake_dns.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <deque>
#include <map>
#include <mutex>
#include <random>
#include <stdexcept>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <nlohmann/json.hpp>

#include "support/loopback_server.hpp"

namespace relaymetry::test {

namespace asio = boost::asio;
using asio::ip::tcp;
using asio::ip::udp;

namespace {

constexpr std::size_t k_header_size = 12;
constexpr std::uint16_t k_type_opt = 41;
constexpr std::size_t k_classic_udp_limit = 512;  // RFC 1035 §4.2.1
constexpr int k_rcode_formerr = 1;
constexpr int k_rcode_servfail = 2;
constexpr int k_rcode_nxdomain = 3;
constexpr int k_rcode_refused = 5;

std::string normalize(std::string_view name) {
    std::string out;
    out.reserve(name.size());
    for (char c : name) {
        out.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
    }
    while (out.size() > 1 && out.back() == '.') {
        out.pop_back();
    }
    return out.empty() ? std::string{"."} : out;
}

void put16(std::string& out, std::uint16_t value) {
    out.push_back(static_cast<char>(value >> 8));
    out.push_back(static_cast<char>(value & 0xFF));
}

void put32(std::string& out, std::uint32_t value) {
    put16(out, static_cast<std::uint16_t>(value >> 16));
    put16(out, static_cast<std::uint16_t>(value & 0xFFFF));
}

std::uint16_t get16(const unsigned char* data) {
    return static_cast<std::uint16_t>((data[0] << 8) | data[1]);
}

// Uncompressed wire form; "." and "" are the root.
std::string encode_name(std::string_view name) {
    std::string out;
    std::size_t start = 0;
    while (start < name.size()) {
        auto end = name.find('.', start);
        if (end == std::string_view::npos) {
            end = name.size();
        }
        const auto label = name.substr(start, std::min<std::size_t>(end - start, 63));
        if (!label.empty()) {
            out.push_back(static_cast<char>(label.size()));
            out.append(label);
        }
        start = end + 1;
    }
    out.push_back('\0');
    return out;
}

std::string rdata(const FakeRecord& record) {
    if (record.rdata_override) {
        return *record.rdata_override;
    }
    std::string out;
    switch (record.type) {
        case k_type_a: {
            std::array<unsigned char, 4> bytes{};
            inet_pton(AF_INET, record.address.c_str(), bytes.data());
            out.assign(bytes.begin(), bytes.end());
            break;
        }
        case k_type_aaaa: {
            std::array<unsigned char, 16> bytes{};
            inet_pton(AF_INET6, record.address.c_str(), bytes.data());
            out.assign(bytes.begin(), bytes.end());
            break;
        }
        case k_type_cname: out = encode_name(record.target); break;
        case k_type_mx:
            put16(out, record.preference);
            out += encode_name(record.target);
            break;
        case k_type_srv:
            put16(out, record.preference);
            put16(out, record.weight);
            put16(out, record.port);
            out += encode_name(record.target);
            break;
        case k_type_tlsa:
        case k_type_dnskey: out = record.raw; break;
        case k_type_txt: {
            auto strings = record.strings.empty() ? std::vector<std::string>{""} : record.strings;
            for (const auto& text : strings) {
                std::size_t offset = 0;
                do {
                    const auto chunk = std::string_view{text}.substr(offset, 255);
                    out.push_back(static_cast<char>(chunk.size()));
                    out.append(chunk);
                    offset += 255;
                } while (offset < text.size());
            }
            break;
        }
        default: break;
    }
    return out;
}

std::string resource_record(const FakeRecord& record) {
    std::string out = encode_name(record.name);
    put16(out, record.type);
    put16(out, 1);  // IN
    put32(out, record.ttl);
    const auto data = rdata(record);
    put16(out, static_cast<std::uint16_t>(data.size()));
    out += data;
    return out;
}

struct ParsedQuery {
    std::uint16_t id = 0;
    bool recursion_desired = false;
    std::string question;  // wire bytes of the question, echoed back as received
    FakeDnsQuery query;
};

// Reads the one question and looks for an OPT record among the additional records.
std::optional<ParsedQuery> parse_query(const unsigned char* data, std::size_t size, bool tcp) {
    if (size < k_header_size || get16(data + 4) != 1) {
        return std::nullopt;
    }
    ParsedQuery parsed;
    parsed.id = get16(data);
    parsed.recursion_desired = (data[2] & 0x01) != 0;
    parsed.query.authentic_data = (data[3] & 0x20) != 0;
    parsed.query.checking_disabled = (data[3] & 0x10) != 0;
    parsed.query.tcp = tcp;
    std::size_t pos = k_header_size;
    std::string name;
    while (true) {
        if (pos >= size || name.size() > 255) {
            return std::nullopt;
        }
        const auto length = data[pos];
        if (length == 0) {
            ++pos;
            break;
        }
        if ((length & 0xC0) != 0 || pos + 1 + length > size) {
            return std::nullopt;
        }
        name.append(reinterpret_cast<const char*>(data + pos + 1), length);
        name.push_back('.');
        pos += 1 + length;
    }
    if (pos + 4 > size) {
        return std::nullopt;
    }
    parsed.query.name = normalize(name);
    parsed.query.type = get16(data + pos);
    pos += 4;
    parsed.question.assign(reinterpret_cast<const char*>(data + k_header_size), pos - k_header_size);
    // Queries carry no answer or authority records; the additional section may hold the OPT record.
    const auto additional = get16(data + 10);
    for (std::uint16_t i = 0; i < additional; ++i) {
        while (pos < size && data[pos] != 0 && (data[pos] & 0xC0) == 0) {
            pos += 1 + data[pos];
        }
        if (pos < size && (data[pos] & 0xC0) == 0xC0) {
            pos += 2;
        } else {
            ++pos;
        }
        if (pos + 10 > size) {
            break;
        }
        const auto type = get16(data + pos);
        const auto payload = get16(data + pos + 2);
        const auto length = get16(data + pos + 8);
        if (type == k_type_opt) {
            parsed.query.edns = true;
            parsed.query.edns_payload = payload;
            parsed.query.dnssec_ok = (data[pos + 6] & 0x80) != 0;
        }
        pos += 10 + length;
    }
    return parsed;
}

std::string header(std::uint16_t id, bool recursion_desired, bool truncated, int rcode, std::uint16_t answers,
                   std::uint16_t additional, bool authentic = false) {
    std::string out;
    put16(out, id);
    out.push_back(static_cast<char>(0x80 | 0x04 | (truncated ? 0x02 : 0) | (recursion_desired ? 0x01 : 0)));
    out.push_back(static_cast<char>(0x80 | (authentic ? 0x20 : 0) | rcode));  // RA, AD
    put16(out, 1);
    put16(out, answers);
    put16(out, 0);
    put16(out, additional);
    return out;
}

// What the server does with one query.
struct Reply {
    std::optional<std::string> message;  // none = stay silent
    std::chrono::milliseconds delay{0};
    bool close_after = false;  // TCP: close the connection after this message
};

asio::awaitable<void> send_datagram(udp::socket& socket, std::string message, udp::endpoint peer,
                                    std::chrono::milliseconds delay) {
    co_await pause(delay);
    // A datagram that cannot be sent is lost, as UDP may lose it anyway.
    co_await socket.async_send_to(asio::buffer(message), peer, asio::as_tuple(asio::use_awaitable));
}

// One TCP connection (RFC 1035 §4.2.2): several queries may be pipelined and each answer is delayed on
// its own, so answers queue up for one writer at a time. Shared by the reader and the answers pending.
struct TcpConnection {
    TcpConnection(LoopbackServer& owner, tcp::socket peer) : server(owner), socket(std::move(peer)) {}
    LoopbackServer& server;
    tcp::socket socket;
    std::deque<std::pair<std::string, bool>> outbox;  // message, close after it
    bool writing = false;
};

asio::awaitable<void> write_outbox(std::shared_ptr<TcpConnection> connection) {
    while (!connection->outbox.empty()) {
        const auto& [message, close_after] = connection->outbox.front();
        auto [error, size] =
            co_await asio::async_write(connection->socket, asio::buffer(message), asio::as_tuple(asio::use_awaitable));
        const bool close_now = error || close_after;
        connection->outbox.pop_front();
        if (close_now) {
            boost::system::error_code ignored;
            connection->socket.shutdown(tcp::socket::shutdown_both, ignored);
            connection->socket.close(ignored);
            break;
        }
    }
    connection->writing = false;
}

void enqueue(const std::shared_ptr<TcpConnection>& connection, std::string message, bool close_after) {
    connection->outbox.emplace_back(std::move(message), close_after);
    if (!connection->writing) {
        connection->writing = true;  // now: the writer may only be queued to run
        connection->server.spawn(write_outbox(connection));
    }
}

asio::awaitable<void> answer_later(std::shared_ptr<TcpConnection> connection, std::string message, bool close_after,
                                   std::chrono::milliseconds delay) {
    co_await pause(delay);
    enqueue(connection, std::move(message), close_after);
}

}  // namespace

FakeRecord FakeRecord::a(std::string name, std::string address) {
    FakeRecord record;
    record.name = std::move(name);
    record.type = k_type_a;
    record.address = std::move(address);
    return record;
}

FakeRecord FakeRecord::aaaa(std::string name, std::string address) {
    auto record = a(std::move(name), std::move(address));
    record.type = k_type_aaaa;
    return record;
}

FakeRecord FakeRecord::cname(std::string name, std::string target) {
    FakeRecord record;
    record.name = std::move(name);
    record.type = k_type_cname;
    record.target = std::move(target);
    return record;
}

FakeRecord FakeRecord::mx(std::string name, std::uint16_t preference, std::string host) {
    FakeRecord record;
    record.name = std::move(name);
    record.type = k_type_mx;
    record.preference = preference;
    record.target = std::move(host);
    return record;
}

FakeRecord FakeRecord::txt(std::string name, std::vector<std::string> strings) {
    FakeRecord record;
    record.name = std::move(name);
    record.type = k_type_txt;
    record.strings = std::move(strings);
    return record;
}

FakeRecord FakeRecord::srv(std::string name, std::uint16_t priority, std::uint16_t weight, std::uint16_t port,
                           std::string target) {
    FakeRecord record;
    record.name = std::move(name);
    record.type = k_type_srv;
    record.preference = priority;
    record.weight = weight;
    record.port = port;
    record.target = std::move(target);
    return record;
}

namespace {

// "0a0b" -> "\x0a\x0b"; throws std::runtime_error on anything but pairs of hex digits.
std::string bytes_of_hex(std::string_view hex) {
    if (hex.size() % 2 != 0) {
        throw std::runtime_error("\"" + std::string{hex} + "\" has an odd number of hex digits");
    }
    std::string bytes;
    for (std::size_t i = 0; i < hex.size(); i += 2) {
        const auto digit = [&](char c) {
            if (!std::isxdigit(static_cast<unsigned char>(c))) {
                throw std::runtime_error("\"" + std::string{hex} + "\" is not hex");
            }
            return std::isdigit(static_cast<unsigned char>(c)) ? c - '0' : (std::tolower(c) - 'a' + 10);
        };
        bytes.push_back(static_cast<char>(digit(hex[i]) << 4 | digit(hex[i + 1])));
    }
    return bytes;
}

}  // namespace

FakeRecord FakeRecord::tlsa(std::string name, std::uint8_t usage, std::uint8_t selector, std::uint8_t matching_type,
                            std::string_view data) {
    FakeRecord record;
    record.name = std::move(name);
    record.type = k_type_tlsa;
    record.raw = {static_cast<char>(usage), static_cast<char>(selector), static_cast<char>(matching_type)};
    record.raw += bytes_of_hex(data);
    return record;
}

std::string build_dns_response(std::string_view name, std::uint16_t type, const std::vector<FakeRecord>& answers,
                               int rcode) {
    auto message = header(0x1234, true, false, rcode, static_cast<std::uint16_t>(answers.size()), 0);
    message += encode_name(name);
    put16(message, type);
    put16(message, 1);  // IN
    for (const auto& record : answers) {
        message += resource_record(record);
    }
    return message;
}

std::optional<DnsBehaviour> parse_dns_behaviour(std::string_view text) {
    static const std::map<std::string_view, DnsBehaviour> names = {
        {"answer", DnsBehaviour::answer},
        {"nxdomain", DnsBehaviour::nxdomain},
        {"nodata", DnsBehaviour::nodata},
        {"servfail", DnsBehaviour::servfail},
        {"refused", DnsBehaviour::refused},
        {"drop", DnsBehaviour::drop},
        {"truncate", DnsBehaviour::truncate},
        {"truncate-loop", DnsBehaviour::truncate_loop},
        {"garbage", DnsBehaviour::garbage},
        {"malformed", DnsBehaviour::malformed},
        {"truncate-always", DnsBehaviour::truncate_always},
    };
    const auto found = names.find(text);
    return found == names.end() ? std::nullopt : std::optional{found->second};
}

struct FakeDns::Impl {
    explicit Impl(std::uint16_t port)
        : loopback({.port = port, .v6 = LoopbackV6::none, .udp = true, .v4_aliases = {}},
                   [this](tcp::socket socket) { return serve_tcp(std::move(socket)); }) {
        // A check of 100 domains at once sends over a thousand queries in one burst; the default
        // receive buffer (~200 KiB) would drop some, and the test would measure c-ares' retries.
        boost::system::error_code ignored;
        loopback.udp_socket().set_option(udp::socket::receive_buffer_size(4 * 1024 * 1024), ignored);
        loopback.spawn(serve_udp());
    }

    mutable std::mutex mutex;
    std::vector<FakeRecord> records;
    std::map<std::pair<std::string, std::uint16_t>, DnsBehaviour> behaviours;  // type 0 = every type
    std::chrono::milliseconds delay{0};
    std::map<std::string, std::chrono::milliseconds> name_delays;
    std::map<std::string, FakeDnssec> zones{{".", FakeDnssec::secure}};  // by normalized zone name
    bool validating = true;
    std::mt19937 random{20261128};
    ReceivedLog<FakeDnsQuery> queries;
    LoopbackServer loopback;  // last: stops before the script its sessions read

    std::string garbage(std::uint16_t id) {
        std::uniform_int_distribution<int> length(12, 100);
        std::uniform_int_distribution<int> byte(0, 255);
        std::string out(static_cast<std::size_t>(length(random)), '\0');
        for (auto& c : out) {
            c = static_cast<char>(byte(random));
        }
        const auto wrong_id = static_cast<std::uint16_t>(id ^ 0x5A5A);
        out[0] = static_cast<char>(wrong_id >> 8);
        out[1] = static_cast<char>(wrong_id & 0xFF);
        return out;
    }

    // The answer section for `name`/`type`, following CNAMEs (at most 8); nullopt = the name is unknown.
    std::optional<std::vector<const FakeRecord*>> find_records(const std::string& name, std::uint16_t type) const {
        std::vector<const FakeRecord*> answer;
        bool name_exists = false;
        std::string current = name;
        for (int depth = 0; depth < 8; ++depth) {
            const FakeRecord* alias = nullptr;
            bool found = false;
            for (const auto& record : records) {
                if (normalize(record.name) != current) {
                    continue;
                }
                name_exists = true;
                if (record.type == type) {
                    answer.push_back(&record);
                    found = true;
                } else if (record.type == k_type_cname) {
                    alias = &record;
                }
            }
            if (found || alias == nullptr) {
                break;
            }
            answer.push_back(alias);
            current = normalize(alias->target);
        }
        if (!name_exists) {
            return std::nullopt;
        }
        return answer;
    }

    // The DNSSEC of the longest zone that holds `name`.
    FakeDnssec dnssec_of(const std::string& name) const {
        if (!validating) {
            return FakeDnssec::insecure;
        }
        std::string zone = name;
        for (;;) {
            if (auto found = zones.find(zone); found != zones.end()) {
                return found->second;
            }
            if (zone == ".") {
                return FakeDnssec::insecure;
            }
            const auto dot = zone.find('.');
            zone = dot == std::string::npos ? std::string{"."} : zone.substr(dot + 1);
        }
    }

    Reply respond(const unsigned char* data, std::size_t size, bool tcp) {
        Reply reply;
        auto parsed = parse_query(data, size, tcp);
        if (!parsed) {
            if (size >= k_header_size) {
                std::string out = header(get16(data), false, false, k_rcode_formerr, 0, 0);
                out[5] = 0;  // no question
                reply.message = out;
            }
            return reply;
        }
        std::lock_guard lock(mutex);
        const auto& query = parsed->query;
        queries.record(query);

        auto behaviour = DnsBehaviour::answer;
        if (auto found = behaviours.find({query.name, query.type}); found != behaviours.end()) {
            behaviour = found->second;
        } else if (auto any = behaviours.find({query.name, 0}); any != behaviours.end()) {
            behaviour = any->second;
        }
        const auto named_delay = name_delays.find(query.name);
        reply.delay = named_delay != name_delays.end() ? named_delay->second : delay;

        const auto dnssec = dnssec_of(query.name);
        const bool bogus = dnssec == FakeDnssec::bogus && !query.checking_disabled;
        const bool authentic = dnssec == FakeDnssec::secure && (query.authentic_data || query.dnssec_ok);
        if (bogus && behaviour == DnsBehaviour::answer) {
            behaviour = DnsBehaviour::servfail;
        }
        const std::uint16_t opt_count = query.edns ? 1 : 0;
        auto finish = [&](std::string message) {
            message += parsed->question;
            return message;
        };
        auto add_opt = [&](std::string& message) {
            if (query.edns) {  // RFC 6891 §7: an EDNS responder answers with an OPT record of its own
                message.push_back('\0');
                put16(message, k_type_opt);
                put16(message, 1232);
                put32(message, query.dnssec_ok ? 0x8000 : 0);
                if (bogus) {  // RFC 8914 §2: option 15, INFO-CODE 7, EXTRA-TEXT
                    const std::string text = "signature expired for " + query.name;
                    put16(message, static_cast<std::uint16_t>(6 + text.size()));
                    put16(message, 15);
                    put16(message, static_cast<std::uint16_t>(2 + text.size()));
                    put16(message, 7);
                    message += text;
                } else {
                    put16(message, 0);
                }
            }
        };
        auto rcode_only = [&](int rcode, bool truncated) {
            const bool ad = authentic && (rcode == 0 || rcode == k_rcode_nxdomain);
            auto message = finish(header(parsed->id, parsed->recursion_desired, truncated, rcode, 0, opt_count, ad));
            add_opt(message);
            return message;
        };

        switch (behaviour) {
            case DnsBehaviour::drop: return reply;
            case DnsBehaviour::garbage:
                reply.message = garbage(parsed->id);
                reply.close_after = true;
                return reply;
            case DnsBehaviour::malformed: {
                auto message = finish(header(parsed->id, parsed->recursion_desired, false, 0, 1, 0));
                message += "\xC0\xFF";  // a compression pointer past the end of the message
                put16(message, query.type);
                reply.message = message;
                return reply;
            }
            case DnsBehaviour::nxdomain: reply.message = rcode_only(k_rcode_nxdomain, false); return reply;
            case DnsBehaviour::nodata: reply.message = rcode_only(0, false); return reply;
            case DnsBehaviour::servfail: reply.message = rcode_only(k_rcode_servfail, false); return reply;
            case DnsBehaviour::refused: reply.message = rcode_only(k_rcode_refused, false); return reply;
            case DnsBehaviour::truncate_loop:
                if (tcp) {
                    reply.message = garbage(parsed->id);
                    reply.close_after = true;
                    return reply;
                }
                reply.message = rcode_only(0, true);
                return reply;
            case DnsBehaviour::truncate_always: reply.message = rcode_only(0, true); return reply;
            case DnsBehaviour::truncate:
                if (!tcp) {
                    reply.message = rcode_only(0, true);
                    return reply;
                }
                break;
            case DnsBehaviour::answer: break;
        }

        const auto answer = find_records(query.name, query.type);
        if (!answer) {
            reply.message = rcode_only(k_rcode_nxdomain, false);
            return reply;
        }
        auto message = finish(header(parsed->id, parsed->recursion_desired, false, 0,
                                     static_cast<std::uint16_t>(answer->size()), opt_count, authentic));
        for (const auto* record : *answer) {
            message += resource_record(*record);
        }
        add_opt(message);
        // RFC 1035 §4.2.1 / RFC 6891 §6.2.5: over UDP, an answer larger than the client accepts is
        // replaced by a truncated one, and the client asks again over TCP.
        const std::size_t limit =
            query.edns ? std::max<std::size_t>(k_classic_udp_limit, query.edns_payload) : k_classic_udp_limit;
        if (!tcp && message.size() > limit) {
            message = rcode_only(0, true);
        }
        reply.message = message;
        return reply;
    }

    asio::awaitable<void> serve_udp() {
        auto& socket = loopback.udp_socket();
        std::vector<unsigned char> buffer(65536);
        udp::endpoint peer;
        for (;;) {
            auto [error, size] =
                co_await socket.async_receive_from(asio::buffer(buffer), peer, asio::as_tuple(asio::use_awaitable));
            if (error == asio::error::operation_aborted) {
                co_return;
            }
            if (error) {
                continue;
            }
            auto reply = respond(buffer.data(), size, false);
            if (reply.message) {
                loopback.spawn(send_datagram(socket, std::move(*reply.message), peer, reply.delay));
            }
        }
    }

    asio::awaitable<void> serve_tcp(tcp::socket socket) {
        const auto connection = std::make_shared<TcpConnection>(loopback, std::move(socket));
        for (;;) {
            std::array<unsigned char, 2> length{};
            boost::system::error_code error;
            co_await asio::async_read(connection->socket, asio::buffer(length),
                                      asio::redirect_error(asio::use_awaitable, error));
            if (error) {
                co_return;
            }
            std::vector<unsigned char> body(get16(length.data()));
            co_await asio::async_read(connection->socket, asio::buffer(body),
                                      asio::redirect_error(asio::use_awaitable, error));
            if (error) {
                co_return;
            }
            auto reply = respond(body.data(), body.size(), true);
            if (!reply.message) {
                continue;
            }
            std::string framed;
            put16(framed, static_cast<std::uint16_t>(reply.message->size()));
            framed += *reply.message;
            if (reply.delay.count() > 0) {
                loopback.spawn(answer_later(connection, std::move(framed), reply.close_after, reply.delay));
            } else {
                enqueue(connection, std::move(framed), reply.close_after);
            }
        }
    }
};

FakeDns::FakeDns(std::uint16_t port) : m_impl(std::make_unique<Impl>(port)) {}

FakeDns::~FakeDns() = default;

std::uint16_t FakeDns::port() const {
    return m_impl->loopback.port();
}

std::string FakeDns::server() const {
    return "127.0.0.1:" + std::to_string(m_impl->loopback.port());
}

void FakeDns::add(FakeRecord record) {
    std::lock_guard lock(m_impl->mutex);
    m_impl->records.push_back(std::move(record));
}

void FakeDns::set_behaviour(std::string name, DnsBehaviour behaviour) {
    std::lock_guard lock(m_impl->mutex);
    m_impl->behaviours[{normalize(name), 0}] = behaviour;
}

void FakeDns::set_behaviour(std::string name, std::uint16_t type, DnsBehaviour behaviour) {
    std::lock_guard lock(m_impl->mutex);
    m_impl->behaviours[{normalize(name), type}] = behaviour;
}

void FakeDns::set_delay(std::chrono::milliseconds delay) {
    std::lock_guard lock(m_impl->mutex);
    m_impl->delay = delay;
}

void FakeDns::set_delay(std::string name, std::chrono::milliseconds delay) {
    std::lock_guard lock(m_impl->mutex);
    m_impl->name_delays[normalize(name)] = delay;
}

void FakeDns::set_dnssec(std::string zone, FakeDnssec dnssec) {
    std::lock_guard lock(m_impl->mutex);
    m_impl->zones[normalize(zone)] = dnssec;
}

void FakeDns::set_validating(bool validating) {
    std::lock_guard lock(m_impl->mutex);
    m_impl->validating = validating;
}

std::vector<FakeDnsQuery> FakeDns::queries() const {
    return m_impl->queries.entries();
}

std::size_t FakeDns::query_count(std::string_view name, std::uint16_t type) const {
    const auto wanted = normalize(name);
    const auto queries = m_impl->queries.entries();
    return static_cast<std::size_t>(std::count_if(queries.begin(), queries.end(), [&](const FakeDnsQuery& query) {
        return query.name == wanted && query.type == type;
    }));
}

namespace {

std::uint16_t parse_type(const std::string& text) {
    static const std::map<std::string, std::uint16_t> types = {
        {"A", k_type_a},     {"AAAA", k_type_aaaa}, {"CNAME", k_type_cname},   {"MX", k_type_mx},
        {"TXT", k_type_txt}, {"SRV", k_type_srv},   {"DNSKEY", k_type_dnskey}, {"TLSA", k_type_tlsa},
    };
    std::string upper;
    for (char c : text) {
        upper.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
    }
    const auto found = types.find(upper);
    if (found == types.end()) {
        throw std::runtime_error("unknown record type \"" + text + "\"");
    }
    return found->second;
}

FakeRecord parse_record(const nlohmann::json& entry) {
    FakeRecord record;
    record.name = entry.at("name").get<std::string>();
    record.type = parse_type(entry.at("type").get<std::string>());
    record.ttl = entry.value("ttl", 300U);
    if (entry.contains("rdata_hex")) {  // any type: the RDATA as these bytes, the other fields unread
        record.rdata_override = bytes_of_hex(entry.at("rdata_hex").get<std::string>());
        return record;
    }
    switch (record.type) {
        case k_type_a:
        case k_type_aaaa: record.address = entry.at("address").get<std::string>(); break;
        case k_type_cname: record.target = entry.at("target").get<std::string>(); break;
        case k_type_mx:
            record.preference = entry.at("preference").get<std::uint16_t>();
            record.target = entry.at("host").get<std::string>();
            break;
        case k_type_srv:
            record.preference = entry.at("priority").get<std::uint16_t>();
            record.weight = entry.at("weight").get<std::uint16_t>();
            record.port = entry.at("port").get<std::uint16_t>();
            record.target = entry.at("target").get<std::string>();
            break;
        case k_type_txt:
            if (entry.contains("strings")) {
                record.strings = entry.at("strings").get<std::vector<std::string>>();
            } else {
                record.strings = {entry.at("text").get<std::string>()};
            }
            break;
        case k_type_tlsa: {
            auto tlsa = FakeRecord::tlsa(
                record.name, entry.at("usage").get<std::uint8_t>(), entry.at("selector").get<std::uint8_t>(),
                entry.at("matching_type").get<std::uint8_t>(), entry.at("data").get<std::string>());
            record.raw = std::move(tlsa.raw);
            break;
        }
        case k_type_dnskey: record.raw = "\x01\x01\x03\x0d"; break;  // flags 257, protocol 3, ECDSA P-256: no key
        default: break;
    }
    return record;
}

}  // namespace

void load_dns_scenario(FakeDns& server, std::string_view json_text) {
    nlohmann::json scenario;
    try {
        scenario = nlohmann::json::parse(json_text);
    } catch (const nlohmann::json::exception& error) {
        throw std::runtime_error(std::string{"scenario is not valid JSON: "} + error.what());
    }
    if (!scenario.is_object()) {
        throw std::runtime_error("scenario must be a JSON object");
    }
    auto describe = [](const nlohmann::json& entry) { return entry.dump(); };
    for (const auto& entry : scenario.value("records", nlohmann::json::array())) {
        try {
            server.add(parse_record(entry));
        } catch (const std::exception& error) {
            throw std::runtime_error("bad record " + describe(entry) + ": " + error.what());
        }
    }
    for (const auto& entry : scenario.value("behaviours", nlohmann::json::array())) {
        try {
            const auto name = entry.at("name").get<std::string>();
            const auto text = entry.at("behaviour").get<std::string>();
            const auto behaviour = parse_dns_behaviour(text);
            if (!behaviour) {
                throw std::runtime_error("unknown behaviour \"" + text + "\"");
            }
            if (entry.contains("type")) {
                server.set_behaviour(name, parse_type(entry.at("type").get<std::string>()), *behaviour);
            } else {
                server.set_behaviour(name, *behaviour);
            }
            if (entry.contains("delay_ms")) {
                server.set_delay(name, std::chrono::milliseconds(entry.at("delay_ms").get<int>()));
            }
        } catch (const std::exception& error) {
            throw std::runtime_error("bad behaviour " + describe(entry) + ": " + error.what());
        }
    }
    for (const auto& entry : scenario.value("delays", nlohmann::json::array())) {
        try {
            server.set_delay(entry.at("name").get<std::string>(),
                             std::chrono::milliseconds(entry.at("delay_ms").get<int>()));
        } catch (const std::exception& error) {
            throw std::runtime_error("bad delay " + describe(entry) + ": " + error.what());
        }
    }
    for (const auto& entry : scenario.value("dnssec", nlohmann::json::array())) {
        try {
            const auto status = entry.at("status").get<std::string>();
            const std::map<std::string, FakeDnssec> statuses = {
                {"secure", FakeDnssec::secure}, {"insecure", FakeDnssec::insecure}, {"bogus", FakeDnssec::bogus}};
            const auto found = statuses.find(status);
            if (found == statuses.end()) {
                throw std::runtime_error("unknown status \"" + status + "\"");
            }
            server.set_dnssec(entry.at("zone").get<std::string>(), found->second);
        } catch (const std::exception& error) {
            throw std::runtime_error("bad dnssec entry " + describe(entry) + ": " + error.what());
        }
    }
    if (scenario.contains("validating")) {
        server.set_validating(scenario.at("validating").get<bool>());
    }
    if (scenario.contains("delay_ms")) {
        server.set_delay(std::chrono::milliseconds(scenario.at("delay_ms").get<int>()));
    }
}

}  // namespace relaymetry::test
