#pragma once
// SMTP replies (RFC 5321 §4.2): a pure line parser, and a reader that applies it to any Asio stream
// with bounded reads, so the dialogue can be tested against boost::beast::test::stream.

#include <algorithm>
#include <cstddef>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <tl/expected.hpp>

#include "relaymetry/core/facts.hpp"

namespace relaymetry::probe {

// Far above RFC 5321 §4.5.3.1.5 (512 octets per reply line), low enough that a hostile server
// cannot make the probe buffer without bound.
inline constexpr std::size_t k_max_reply_line = 4096;
inline constexpr std::size_t k_max_reply_lines = 64;
inline constexpr std::size_t k_max_session_bytes = 256 * 1024;

struct SmtpReply {
    int code = 0;                    // e.g. 250
    std::vector<std::string> lines;  // the text of each line, code and separator removed

    // The text of all lines joined by '\n'.
    std::string text() const;
    bool positive() const { return code >= 200 && code < 400; }
    bool operator==(const SmtpReply&) const = default;
};

// One reply line without its line ending.
struct SmtpReplyLine {
    int code = 0;
    bool last = false;  // "250 text" (or "250") ends the reply; "250-text" continues it
    std::string text;
};

// Parses one line (CR LF already stripped): Reply-code [ ("-" / SP) textstring ] (RFC 5321 §4.2).
// The error names what is wrong, in plain English.
tl::expected<SmtpReplyLine, std::string> parse_reply_line(std::string_view line);

// The probe stopped because of what the server did or said. `status` is what the address reports.
class ProbeFailure : public std::runtime_error {
public:
    ProbeFailure(ProbeStatus status, const std::string& message) : std::runtime_error(message), m_status(status) {}
    ProbeStatus status() const { return m_status; }

private:
    ProbeStatus m_status;
};

// Accumulates reply lines into replies, enforcing the caps and code consistency. Pure: feed it the
// lines one by one; the first violation is an error naming it (a protocol error of the server).
class ReplyAssembler {
public:
    // The finished reply once its last line arrives, nullopt while it continues.
    tl::expected<std::optional<SmtpReply>, std::string> add_line(std::string_view line);

private:
    SmtpReply m_pending;
};

// Reads replies from and writes commands to `Stream` (anything with async_read_some /
// async_write_some). Bytes beyond the current reply stay buffered: after "220 Ready to start TLS"
// they must not reach the TLS layer (RFC 3207 §4 / CVE-2011-0411), so the caller asks buffered().
// Deadlines are the caller's business: it arms the stream before each step.
template <typename Stream>
class SmtpChannel {
public:
    explicit SmtpChannel(Stream& stream) : m_stream(stream) {}

    boost::asio::awaitable<SmtpReply> read_reply() {
        ReplyAssembler assembler;
        for (;;) {
            const auto line = co_await read_line();
            auto reply = assembler.add_line(line);
            if (!reply) {
                throw ProbeFailure(ProbeStatus::protocol_error, reply.error());
            }
            if (*reply) {
                co_return std::move(**reply);
            }
        }
    }

    // Sends one command line; CR LF is appended.
    boost::asio::awaitable<void> send(std::string_view command) {
        std::string line(command);
        line += "\r\n";
        co_await boost::asio::async_write(m_stream, boost::asio::buffer(line), boost::asio::use_awaitable);
    }

    // Sends one command line, ignoring failure (a polite QUIT on the way out).
    boost::asio::awaitable<void> try_send(std::string_view command) {
        std::string line(command);
        line += "\r\n";
        boost::system::error_code ignored;
        co_await boost::asio::async_write(m_stream, boost::asio::buffer(line),
                                          boost::asio::redirect_error(boost::asio::use_awaitable, ignored));
    }

    // Bytes received but not yet consumed by a reply.
    std::size_t buffered() const { return m_buffer.size(); }
    std::size_t bytes_read() const { return m_total; }

private:
    boost::asio::awaitable<std::string> read_line() {
        for (;;) {
            const auto newline = m_buffer.find('\n');
            if (newline != std::string::npos) {
                std::string line = m_buffer.substr(0, newline);
                m_buffer.erase(0, newline + 1);
                if (!line.empty() && line.back() == '\r') {
                    line.pop_back();
                }
                if (line.size() > k_max_reply_line) {
                    throw ProbeFailure(ProbeStatus::protocol_error, too_long());
                }
                co_return line;
            }
            // Without a newline, CR LF included, the line is already too long.
            if (m_buffer.size() > k_max_reply_line + 1) {
                throw ProbeFailure(ProbeStatus::protocol_error, too_long());
            }
            if (m_total >= k_max_session_bytes) {
                throw ProbeFailure(
                    ProbeStatus::protocol_error,
                    "the server sent more than " + std::to_string(k_max_session_bytes) + " bytes in one session");
            }
            char chunk[2048];
            const auto room = std::min(sizeof chunk, k_max_session_bytes - m_total);
            const auto n =
                co_await m_stream.async_read_some(boost::asio::buffer(chunk, room), boost::asio::use_awaitable);
            m_total += n;
            m_buffer.append(chunk, n);
        }
    }

    static std::string too_long() { return "reply line longer than " + std::to_string(k_max_reply_line) + " bytes"; }

    Stream& m_stream;
    std::string m_buffer;
    std::size_t m_total = 0;
};

// EHLO keywords (RFC 5321 §4.1.1.1): the lines after the greeting line of a 250 reply.
std::vector<std::string> ehlo_keywords(const SmtpReply& reply);
// Whether a keyword line advertises `extension` (upper case), e.g. STARTTLS (RFC 3207 §4) or
// REQUIRETLS (RFC 8689 §4.1); parameters after the keyword are ignored.
bool offers_extension(const std::vector<std::string>& keywords, std::string_view extension);
// The SASL mechanisms of "AUTH ..." lines (RFC 4954 §3), and of the pre-standard "AUTH=..." form,
// upper-cased, without duplicates, in order of appearance.
std::vector<std::string> auth_mechanisms(const std::vector<std::string>& keywords);

}  // namespace relaymetry::probe
