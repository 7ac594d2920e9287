// SMTP reply parsing (RFC 5321 §4.2) and EHLO keyword helpers.
#include "relaymetry/probe/smtp_reply.hpp"

#include <cctype>

namespace relaymetry::probe {

namespace {

bool is_digit(char c) {
    return c >= '0' && c <= '9';
}

std::string upper(std::string_view text) {
    std::string result(text);
    for (auto& c : result) {
        c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    }
    return result;
}

// The first space-separated word of an EHLO line, upper-cased.
std::string keyword_of(std::string_view line) {
    return upper(line.substr(0, line.find(' ')));
}

}  // namespace

std::string SmtpReply::text() const {
    std::string result;
    for (const auto& line : lines) {
        if (!result.empty()) {
            result += '\n';
        }
        result += line;
    }
    return result;
}

tl::expected<SmtpReplyLine, std::string> parse_reply_line(std::string_view line) {
    // RFC 5321 §4.2: the first digit is 2..5, the second 0..5, the third 0..9.
    if (line.size() < 3 || !is_digit(line[0]) || !is_digit(line[1]) || !is_digit(line[2]) || line[0] < '2' ||
        line[0] > '5' || line[1] > '5') {
        return tl::make_unexpected("malformed reply line (no three-digit reply code)");
    }
    SmtpReplyLine result;
    result.code = (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
    if (line.size() == 3) {
        result.last = true;
        return result;
    }
    if (line[3] != ' ' && line[3] != '-') {
        return tl::make_unexpected("malformed reply line (reply code not followed by a space or '-')");
    }
    result.last = line[3] == ' ';
    result.text = std::string(line.substr(4));
    return result;
}

tl::expected<std::optional<SmtpReply>, std::string> ReplyAssembler::add_line(std::string_view line) {
    auto parsed = parse_reply_line(line);
    if (!parsed) {
        return tl::unexpected(parsed.error());
    }
    if (!m_pending.lines.empty() && parsed->code != m_pending.code) {
        // RFC 5321 §4.2.1: every line of a multiline reply carries the same code.
        return tl::unexpected("multiline reply changes its code from " + std::to_string(m_pending.code) + " to " +
                              std::to_string(parsed->code));
    }
    if (m_pending.lines.size() == k_max_reply_lines) {
        return tl::unexpected("reply longer than " + std::to_string(k_max_reply_lines) + " lines");
    }
    m_pending.code = parsed->code;
    m_pending.lines.push_back(std::move(parsed->text));
    if (!parsed->last) {
        return std::optional<SmtpReply>();
    }
    SmtpReply done = std::move(m_pending);
    m_pending = {};
    return std::optional<SmtpReply>(std::move(done));
}

std::vector<std::string> ehlo_keywords(const SmtpReply& reply) {
    if (reply.lines.size() < 2) {
        return {};
    }
    return {reply.lines.begin() + 1, reply.lines.end()};
}

bool offers_extension(const std::vector<std::string>& keywords, std::string_view extension) {
    for (const auto& line : keywords) {
        if (keyword_of(line) == extension) {
            return true;
        }
    }
    return false;
}

std::vector<std::string> auth_mechanisms(const std::vector<std::string>& keywords) {
    std::vector<std::string> mechanisms;
    for (const auto& line : keywords) {
        const auto word = upper(line);
        std::string_view rest;
        if (word.rfind("AUTH ", 0) == 0 || word.rfind("AUTH=", 0) == 0) {
            rest = std::string_view(word).substr(5);
        } else {
            continue;
        }
        while (!rest.empty()) {
            const auto space = rest.find(' ');
            const auto mechanism = std::string(rest.substr(0, space));
            rest = space == std::string_view::npos ? std::string_view{} : rest.substr(space + 1);
            if (!mechanism.empty() && std::find(mechanisms.begin(), mechanisms.end(), mechanism) == mechanisms.end()) {
                mechanisms.push_back(mechanism);
            }
        }
    }
    return mechanisms;
}

}  // namespace relaymetry::probe
