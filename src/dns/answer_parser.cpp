// DNS response parsing by hand (RFC 1035 §4.1): every count, length and name read from the message is
// bounds-checked here. c-ares only sends and receives; its ares_parse_*_reply functions are not used:
// c-ares 1.18 rejects a whole answer when one name in it is no valid host name, and follows CNAME
// chains without saying where one loops, so one hostile record would turn into "no answer".
#include "relaymetry/dns/answer_parser.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <string_view>
#include <unordered_set>
#include <utility>
#include <vector>

#include <tl/expected.hpp>

namespace relaymetry::dns {

namespace {

constexpr std::size_t k_header_size = 12;
constexpr std::size_t k_max_name = 255;      // RFC 1035 §2.3.4: the wire form, length octets included
constexpr std::size_t k_max_pointers = 127;  // as many as a name of 255 bytes has labels
constexpr std::size_t k_max_cname_links = 16;
constexpr int k_rcode_nxdomain = 3;
constexpr int k_rcode_servfail = 2;
constexpr int k_rcode_refused = 5;
constexpr std::uint16_t k_type_cname = 5;
constexpr std::uint16_t k_type_opt = 41;
constexpr std::uint16_t k_class_in = 1;
constexpr std::uint16_t k_option_extended_error = 15;  // RFC 8914 §2
constexpr std::size_t k_max_extended_error_text = 512;
constexpr std::size_t k_max_tlsa_data = 16384;  // a full certificate (matching type 0) fits
constexpr unsigned char k_flag_tc = 0x02;       // byte 2 of the header (RFC 1035 §4.1.1)
constexpr unsigned char k_flag_ad = 0x20;       // byte 3 of the header (RFC 4035 §3.2.3)

std::uint16_t read16(std::span<const unsigned char> message, std::size_t at) {
    return static_cast<std::uint16_t>(message[at] << 8 | message[at + 1]);
}

std::uint32_t read32(std::span<const unsigned char> message, std::size_t at) {
    return static_cast<std::uint32_t>(read16(message, at)) << 16 | read16(message, at + 2);
}

// A domain name as its labels, bytes as sent (case kept); empty for the root.
using Name = std::vector<std::string>;

struct NameAt {
    Name name;
    std::size_t end = 0;  // where the name ends in place: after its root label or its first pointer
};

// Reads the name at `at` (RFC 1035 §4.1.4). Its labels up to the first compression pointer must end
// by `limit` (the end of the message, or of the record data that holds the name). Each pointer must
// point before the labels that led to it: a pointer forward, at itself or back into its own name
// could loop, and no compressor writes one. The error completes "the name ...".
tl::expected<NameAt, std::string> read_name(std::span<const unsigned char> message, std::size_t at, std::size_t limit) {
    NameAt read;
    std::size_t wire_length = 1;  // the root label
    std::size_t segment_start = at;
    std::size_t pointers = 0;
    for (;;) {
        if (at >= limit) {
            return tl::unexpected(std::string{"runs past the end"});
        }
        const auto length = message[at];
        if ((length & 0xC0) == 0xC0) {
            if (at + 2 > limit) {
                return tl::unexpected(std::string{"runs past the end"});
            }
            const std::size_t target = static_cast<std::size_t>(length & 0x3F) << 8 | message[at + 1];
            if (target >= segment_start) {
                return tl::unexpected(std::string{"has a compression pointer that does not point backwards"});
            }
            if (++pointers > k_max_pointers) {
                return tl::unexpected(std::string{"has too many compression pointers"});
            }
            if (pointers == 1) {
                read.end = at + 2;
            }
            segment_start = target;
            at = target;
            limit = message.size();
            continue;
        }
        if ((length & 0xC0) != 0) {  // 0x40 and 0x80: labels longer than 63 bytes or extended types
            return tl::unexpected(std::string{"has a label of a reserved type"});
        }
        if (length == 0) {
            if (pointers == 0) {
                read.end = at + 1;
            }
            return read;
        }
        wire_length += 1 + length;
        if (wire_length > k_max_name) {
            return tl::unexpected(std::string{"is longer than 255 bytes"});
        }
        if (at + 1 + length > limit) {
            return tl::unexpected(std::string{"runs past the end"});
        }
        read.name.emplace_back(message.begin() + static_cast<std::ptrdiff_t>(at + 1),
                               message.begin() + static_cast<std::ptrdiff_t>(at + 1 + length));
        at += 1 + length;
    }
}

// The name as the caller spelled it ("mail.example.com" or "mail.example.com."; "." is the root).
Name name_of(std::string_view text) {
    Name name;
    while (!text.empty()) {
        const auto dot = text.find('.');
        if (dot != 0) {
            name.emplace_back(text.substr(0, dot));
        }
        text = dot == std::string_view::npos ? std::string_view{} : text.substr(dot + 1);
    }
    return name;
}

// RFC 4343 §3: names compare without regard to ASCII case; other bytes compare as they are.
bool same_name(const Name& left, const Name& right) {
    const auto lower = [](unsigned char c) { return c >= 'A' && c <= 'Z' ? static_cast<unsigned char>(c + 32) : c; };
    return std::equal(left.begin(), left.end(), right.begin(), right.end(), [&](const auto& a, const auto& b) {
        return std::equal(a.begin(), a.end(), b.begin(), b.end(), [&](char x, char y) {
            return lower(static_cast<unsigned char>(x)) == lower(static_cast<unsigned char>(y));
        });
    });
}

// The name for an error text: bytes outside printable ASCII as \xNN, a '.' inside a label as "\.",
// so that no byte from the network reaches a terminal and no label boundary is faked.
std::string printable(const Name& name) {
    if (name.empty()) {
        return ".";
    }
    constexpr std::string_view digits = "0123456789abcdef";
    std::string out;
    for (const auto& label : name) {
        if (!out.empty()) {
            out.push_back('.');
        }
        for (const char c : label) {
            const auto byte = static_cast<unsigned char>(c);
            if (c == '.' || c == '\\') {
                out.push_back('\\');
                out.push_back(c);
            } else if (byte > 0x20 && byte < 0x7F) {
                out.push_back(c);
            } else {
                out += "\\x";
                out.push_back(digits[byte >> 4]);
                out.push_back(digits[byte & 0x0F]);
            }
        }
    }
    return out;
}

// Why `name` cannot be a host to connect to (completes "the name ..."); nothing when it can. Only
// bytes that can appear in a host name's text are allowed: a control byte (ESC, NUL) would reach
// terminals and logs, and a '.' inside a label would read as a label boundary.
std::optional<std::string> host_name_problem(const Name& name) {
    for (const auto& label : name) {
        for (const char c : label) {
            const auto byte = static_cast<unsigned char>(c);
            if (byte < 0x20 || byte == 0x7F) {
                return "has a control character";
            }
            if (byte > 0x7F) {
                return "has a byte outside ASCII";
            }
            if (c == ' ') {
                return "has a space";
            }
            if (c == '.') {
                return "has a '.' inside a label";
            }
        }
    }
    return std::nullopt;
}

// Without the trailing dot; the root stays "." so that "service not offered" (RFC 2782) and null MX
// (RFC 7505) stay visible. Only for names host_name_problem accepted.
std::string host_name(const Name& name) {
    if (name.empty()) {
        return ".";
    }
    std::string out;
    for (const auto& label : name) {
        if (!out.empty()) {
            out.push_back('.');
        }
        out += label;
    }
    return out;
}

enum class Section { answer, authority, additional };

std::string_view section_name(Section section) {
    switch (section) {
        case Section::answer: return "answer";
        case Section::authority: return "authority";
        case Section::additional: return "additional";
    }
    return "additional";
}

struct RecordView {
    Section section = Section::answer;
    Name owner;
    std::uint16_t type = 0;
    std::uint16_t record_class = 0;  // for OPT, the UDP payload size (RFC 6891 §6.1.2)
    std::uint32_t ttl = 0;
    std::size_t rdata_at = 0;  // the RDATA's offset in the message: names in it may point anywhere before
    std::span<const unsigned char> rdata;
};

// Calls visit(const RecordView&) for every record after the question section, in order. The error
// says where the message stops framing (the records visited before then may have been seen).
template <typename Visit>
tl::expected<void, std::string> for_each_record(std::span<const unsigned char> message, Visit&& visit) {
    if (message.size() < k_header_size) {
        return tl::unexpected(std::string{"shorter than a DNS header"});
    }
    std::size_t at = k_header_size;
    const auto questions = read16(message, 4);
    for (std::size_t question = 1; question <= questions; ++question) {
        auto name = read_name(message, at, message.size());
        if (!name) {
            return tl::unexpected("the name of question " + std::to_string(question) + " " + name.error());
        }
        at = name->end + 4;
        if (at > message.size()) {
            return tl::unexpected("question " + std::to_string(question) + " runs past the end");
        }
    }
    const std::array counts{read16(message, 6), read16(message, 8), read16(message, 10)};
    for (std::size_t section = 0; section < counts.size(); ++section) {
        for (std::size_t index = 1; index <= counts[section]; ++index) {
            RecordView record;
            record.section = static_cast<Section>(section);
            const auto where = std::string{section_name(record.section)} + " record " + std::to_string(index);
            auto owner = read_name(message, at, message.size());
            if (!owner) {
                return tl::unexpected("the owner name of " + where + " " + owner.error());
            }
            at = owner->end;
            if (at + 10 > message.size()) {
                return tl::unexpected(where + " runs past the end");
            }
            record.owner = std::move(owner->name);
            record.type = read16(message, at);
            record.record_class = read16(message, at + 2);
            record.ttl = read32(message, at + 4);
            const std::size_t length = read16(message, at + 8);
            at += 10;
            if (at + length > message.size()) {
                return tl::unexpected("the data of " + where + " runs past the end");
            }
            record.rdata_at = at;
            record.rdata = message.subspan(at, length);
            at += length;
            visit(record);
        }
    }
    return {};
}

// RFC 8914 §2: INFO-CODE, then EXTRA-TEXT, inside the OPT record's options.
std::optional<ExtendedDnsError> extended_error(std::span<const unsigned char> response) {
    std::optional<ExtendedDnsError> found;
    (void)for_each_record(response, [&](const RecordView& record) {
        if (record.section != Section::additional || record.type != k_type_opt || found) {
            return;
        }
        const auto options = record.rdata;
        for (std::size_t at = 0; at + 4 <= options.size();) {
            const auto code = read16(options, at);
            const std::size_t length = read16(options, at + 2);
            at += 4;
            if (at + length > options.size()) {
                return;
            }
            if (code == k_option_extended_error && length >= 2) {
                ExtendedDnsError error;
                error.code = read16(options, at);
                const auto text = options.subspan(at + 2, std::min(length - 2, k_max_extended_error_text));
                error.text.assign(text.begin(), text.end());
                while (!error.text.empty() && error.text.back() == '\0') {
                    error.text.pop_back();  // some resolvers terminate the text (RFC 8914 says not to)
                }
                found = std::move(error);
                return;
            }
            at += length;
        }
    });
    return found;
}

// The names from the question to the owner of the answer: RFC 1034 §4.3.2 puts the alias records
// first and the records of the target after them, all in the answer section. The error (a loop, a
// chain too long, a CNAME that does not parse) makes the lookup a failure: where the chain goes
// cannot be told, so neither can whether the records exist.
tl::expected<std::vector<Name>, std::string> cname_chain(std::span<const unsigned char> message,
                                                         const std::vector<RecordView>& answers, Name question,
                                                         std::uint16_t type) {
    std::vector<Name> chain{std::move(question)};
    for (;;) {
        const auto& current = chain.back();
        const auto owned_by_current = [&](std::uint16_t wanted) {
            return std::find_if(answers.begin(), answers.end(), [&](const RecordView& record) {
                return record.type == wanted && same_name(record.owner, current);
            });
        };
        if (owned_by_current(type) != answers.end()) {
            return chain;
        }
        const auto alias = owned_by_current(k_type_cname);
        if (alias == answers.end()) {
            return chain;  // NODATA at the end of the chain, if that is what the resolver said
        }
        const auto rdata_end = alias->rdata_at + alias->rdata.size();
        auto target = read_name(message, alias->rdata_at, rdata_end);
        if (!target || target->end != rdata_end) {
            return tl::unexpected("the CNAME record of " + printable(current) + " is malformed: its target name " +
                                  (target ? std::string{"does not fill the record"} : target.error()));
        }
        const bool seen =
            std::any_of(chain.begin(), chain.end(), [&](const Name& name) { return same_name(name, target->name); });
        if (seen) {
            chain.push_back(std::move(target->name));
            std::string text = "CNAME loop: ";
            for (std::size_t i = 0; i < chain.size(); ++i) {
                text += (i == 0 ? "" : " -> ") + printable(chain[i]);
            }
            return tl::unexpected(std::move(text));
        }
        if (chain.size() > k_max_cname_links) {
            return tl::unexpected("the CNAME chain from " + printable(chain.front()) + " is longer than " +
                                  std::to_string(k_max_cname_links) + " links");
        }
        chain.push_back(std::move(target->name));
    }
}

// The parsers of one record of the queried type: its value, or why it cannot be used (an error
// that completes "SRV record 2: ..."). Every one checks that its fields fill the RDATA exactly.

std::string size_problem(std::size_t size, std::size_t wanted) {
    return "rdata is " + std::to_string(size) + " bytes, not " + std::to_string(wanted);
}

tl::expected<std::string, std::string> parse_address(const RecordView& record, int family) {
    const std::size_t wanted = family == AF_INET ? 4 : 16;
    if (record.rdata.size() != wanted) {
        return tl::unexpected(size_problem(record.rdata.size(), wanted));
    }
    std::array<char, INET6_ADDRSTRLEN> text{};
    if (inet_ntop(family, record.rdata.data(), text.data(), text.size()) == nullptr) {
        return tl::unexpected(std::string{"rdata is not an address"});
    }
    return std::string{text.data()};
}

// The host name in the RDATA from `offset` to its end: MX exchange, SRV target. c-ares and resolvers
// accept compressed names here (RFC 2782 forbids it for SRV, servers do it anyway), so pointers count.
tl::expected<std::string, std::string> parse_host(std::span<const unsigned char> message, const RecordView& record,
                                                  std::size_t offset, std::string_view what) {
    const auto rdata_end = record.rdata_at + record.rdata.size();
    auto name = read_name(message, record.rdata_at + offset, rdata_end);
    if (!name) {
        return tl::unexpected(std::string{what} + " " + name.error());
    }
    if (name->end != rdata_end) {
        return tl::unexpected(std::to_string(rdata_end - name->end) + " bytes follow the " + std::string{what});
    }
    if (auto problem = host_name_problem(name->name)) {
        return tl::unexpected(std::string{what} + " " + *problem);
    }
    return host_name(name->name);
}

tl::expected<SrvRecord, std::string> parse_srv(std::span<const unsigned char> message, const RecordView& record) {
    if (record.rdata.size() < 7) {
        return tl::unexpected("rdata is " + std::to_string(record.rdata.size()) +
                              " bytes, too short for priority, weight, port and target");
    }
    auto target = parse_host(message, record, 6, "target name");
    if (!target) {
        return tl::unexpected(std::move(target.error()));
    }
    SrvRecord srv;
    srv.priority = read16(record.rdata, 0);
    srv.weight = read16(record.rdata, 2);
    srv.port = read16(record.rdata, 4);
    srv.target = std::move(*target);
    return srv;
}

tl::expected<MxRecord, std::string> parse_mx(std::span<const unsigned char> message, const RecordView& record) {
    if (record.rdata.size() < 3) {
        return tl::unexpected("rdata is " + std::to_string(record.rdata.size()) +
                              " bytes, too short for preference and host");
    }
    auto host = parse_host(message, record, 2, "host name");
    if (!host) {
        return tl::unexpected(std::move(host.error()));
    }
    return MxRecord{read16(record.rdata, 0), std::move(*host)};
}

// One TXT record is one or more character-strings of up to 255 bytes, kept as one string
// (RFC 7208 §3.3, RFC 8461 §3.1).
tl::expected<std::string, std::string> parse_txt(const RecordView& record) {
    if (record.rdata.empty()) {
        return tl::unexpected(std::string{"rdata is empty, not even one character-string"});
    }
    std::string text;
    for (std::size_t at = 0; at < record.rdata.size();) {
        const std::size_t length = record.rdata[at];
        if (at + 1 + length > record.rdata.size()) {
            return tl::unexpected(std::string{"a character-string runs past the end of the record"});
        }
        text.append(record.rdata.begin() + static_cast<std::ptrdiff_t>(at + 1),
                    record.rdata.begin() + static_cast<std::ptrdiff_t>(at + 1 + length));
        at += 1 + length;
    }
    return text;
}

// RFC 6698 §2.1: usage, selector, matching type, then the certificate association data.
tl::expected<TlsaRecord, std::string> parse_tlsa(const RecordView& record) {
    if (record.rdata.size() < 3) {
        return tl::unexpected("rdata is " + std::to_string(record.rdata.size()) +
                              " bytes, shorter than the 3 fixed fields");
    }
    const auto data = record.rdata.subspan(3);
    if (data.size() > k_max_tlsa_data) {  // cut, it could never match: not a record to judge
        return tl::unexpected(std::to_string(data.size()) + " bytes of certificate data, more than the " +
                              std::to_string(k_max_tlsa_data) + " read");
    }
    TlsaRecord tlsa;
    tlsa.usage = record.rdata[0];
    tlsa.selector = record.rdata[1];
    tlsa.matching_type = record.rdata[2];
    tlsa.data.assign(data.begin(), data.end());
    return tlsa;
}

// Parses each of `records` (the queried type, at the end of the CNAME chain) into `kept`, up to `cap`;
// the unusable ones go to the result's dropped list, the usable ones past the cap to records_cut. A
// usable record whose RDATA is byte for byte that of one kept or cut is the same record sent twice: an
// RRset is a set (RFC 2181 §5), resolvers and senders see it once, so it is kept (or counted as cut)
// once and does not count against the cap. Bytes are compared, not parsed values: two TXT records that
// differ only in where their character-strings split are two records to a sender (RFC 8461 §3.1:
// "multiple"). A hash set, because the cut ones are as many as the message holds.
template <typename Value, typename Parse>
void keep_usable(const std::vector<const RecordView*>& records, RecordType type, std::size_t cap, Parse&& parse,
                 std::vector<Value>& kept, LookupResult& result) {
    std::unordered_set<std::string_view> usable_rdata;  // of the records kept or cut so far
    const auto bytes = [](std::span<const unsigned char> rdata) {
        return std::string_view(reinterpret_cast<const char*>(rdata.data()), rdata.size());
    };
    std::size_t ordinal = 0;
    for (const auto* record : records) {
        ++ordinal;
        if (usable_rdata.contains(bytes(record->rdata))) {
            continue;  // the same bytes parse the same: nothing to parse or count again
        }
        auto value = parse(*record);
        if (!value) {
            ++result.dropped_count;
            if (result.dropped_records.size() < k_max_dropped_descriptions) {
                result.dropped_records.push_back(std::string{to_string(type)} + " record " + std::to_string(ordinal) +
                                                 ": " + value.error());
            }
        } else {
            if (kept.size() == cap) {
                ++result.records_cut;
            } else {
                kept.push_back(std::move(*value));
            }
            usable_rdata.insert(bytes(record->rdata));
        }
    }
}

// Fills the result's vector for `type` from `records`; true when at least one record was usable.
bool keep_records(std::span<const unsigned char> message, const std::vector<const RecordView*>& records,
                  RecordType type, LookupResult& result) {
    const auto by_message = [&](auto parse) {
        return [&, parse](const RecordView& record) { return parse(message, record); };
    };
    switch (type) {
        case RecordType::a:
        case RecordType::aaaa: {
            const int family = type == RecordType::a ? AF_INET : AF_INET6;
            keep_usable(
                records, type, k_max_addresses_per_family,
                [family](const RecordView& record) { return parse_address(record, family); }, result.addresses, result);
            return !result.addresses.empty();
        }
        case RecordType::srv:
            keep_usable(records, type, k_max_records_per_answer, by_message(parse_srv), result.srv, result);
            return !result.srv.empty();
        case RecordType::mx:
            keep_usable(records, type, k_max_records_per_answer, by_message(parse_mx), result.mx, result);
            return !result.mx.empty();
        case RecordType::txt:
            keep_usable(records, type, k_max_records_per_answer, parse_txt, result.txt, result);
            return !result.txt.empty();
        case RecordType::tlsa:
            keep_usable(records, type, k_max_records_per_answer, parse_tlsa, result.tlsa, result);
            return !result.tlsa.empty();
        case RecordType::dnskey: return true;  // only counted: whether the resolver validates
    }
    return false;
}

LookupResult& fail(LookupResult& result, LookupStatus status, std::string error) {
    result.status = status;
    result.error = std::move(error);
    result.addresses.clear();
    result.srv.clear();
    result.mx.clear();
    result.txt.clear();
    result.tlsa.clear();
    return result;
}

std::string unparsable(const std::string& why) {
    return describe_failure(LookupStatus::malformed) + " (" + why + ")";
}

}  // namespace

std::string describe_failure(LookupStatus status) {
    switch (status) {
        case LookupStatus::servfail: return "the DNS server failed to answer (SERVFAIL)";
        case LookupStatus::refused: return "the DNS server refused to answer (REFUSED)";
        case LookupStatus::timeout: return "could not contact the DNS server: no answer in time";
        case LookupStatus::malformed: return "the DNS server sent an answer that could not be parsed";
        case LookupStatus::unreachable: return "could not contact the DNS server: connection refused";
        case LookupStatus::answer:
        case LookupStatus::nxdomain:
        case LookupStatus::nodata: return {};
    }
    return {};
}

std::optional<std::uint32_t> smallest_ttl(std::span<const unsigned char> response) {
    // The answer and authority sections (RFC 2308 §5: a negative answer lives as long as its SOA).
    std::optional<std::uint32_t> smallest;
    const auto parsed = for_each_record(response, [&](const RecordView& record) {
        if (record.section == Section::additional) {
            return;
        }
        // RFC 2181 §8: a TTL with the top bit set counts as zero.
        const std::uint32_t effective = record.ttl > 0x7FFFFFFFu ? 0 : record.ttl;
        smallest = smallest ? std::min(*smallest, effective) : effective;
    });
    return parsed ? smallest : std::nullopt;
}

LookupResult parse_answer(std::span<const unsigned char> response, std::string name, RecordType type) {
    LookupResult result;
    result.name = std::move(name);
    result.type = type;
    if (response.size() < k_header_size) {
        return fail(result, LookupStatus::malformed, unparsable("shorter than a DNS header"));
    }
    result.extended_error = extended_error(response);
    const int rcode = response[3] & 0x0F;
    if (rcode == k_rcode_refused) {
        return fail(result, LookupStatus::refused, describe_failure(LookupStatus::refused));
    }
    if (rcode != 0 && rcode != k_rcode_nxdomain) {  // SERVFAIL, FORMERR, NOTIMP, ...: no answer either
        return fail(result, LookupStatus::servfail,
                    rcode == k_rcode_servfail ? describe_failure(LookupStatus::servfail)
                                              : "the DNS server answered with error code " + std::to_string(rcode));
    }
    // RFC 2181 §9: a response with TC set is not the whole answer and must not be read as one. The
    // resolver (cares_resolver.cpp) leaves ARES_FLAG_IGNTC unset, so c-ares 1.18 never hands over a
    // truncated UDP answer: it asks again over TCP (process_answer in ares_process.c) and passes on
    // only what came over TCP. TC here means the server truncated even over TCP: absence can not be
    // concluded from it, whatever its RCODE or records say.
    if ((response[2] & k_flag_tc) != 0) {
        return fail(result, LookupStatus::malformed, "the DNS answer was truncated (TC bit) even over TCP");
    }
    // Only a validating resolver's positive or negative answer carries a DNSSEC verdict; whether it
    // was bogus is learned by asking again with CD (the resolver's job, not the parser's).
    const auto validated = (response[3] & k_flag_ad) != 0 ? DnssecStatus::secure : DnssecStatus::insecure;
    if (rcode == k_rcode_nxdomain) {
        result.status = LookupStatus::nxdomain;
        result.dnssec = validated;
        result.ttl = smallest_ttl(response);
        return result;
    }

    std::vector<RecordView> answers;
    const auto framed = for_each_record(response, [&](const RecordView& record) {
        if (record.section == Section::answer && record.record_class == k_class_in) {
            answers.push_back(record);
        }
    });
    if (!framed) {
        return fail(result, LookupStatus::malformed, unparsable(framed.error()));
    }
    const auto chain = cname_chain(response, answers, name_of(result.name), static_cast<std::uint16_t>(type));
    if (!chain) {
        return fail(result, LookupStatus::malformed, chain.error());
    }
    // Only the records owned by the end of the chain answer the question; others (another name's,
    // e.g. a hostile server's extra records) are no part of the answer and are not looked at.
    std::vector<const RecordView*> records;
    for (const auto& record : answers) {
        if (record.type == static_cast<std::uint16_t>(type) && same_name(record.owner, chain->back())) {
            records.push_back(&record);
        }
    }
    if (records.empty()) {
        result.status = LookupStatus::nodata;  // RFC 2308 §2.2 (also: records of other types only)
    } else if (keep_records(response, records, type, result)) {
        result.status = LookupStatus::answer;
    } else {
        return fail(result, LookupStatus::malformed,
                    "every " + std::string{to_string(type)} + " record in the DNS answer is malformed (" +
                        result.dropped_records.front() + ")");
    }
    result.dnssec = validated;
    result.ttl = smallest_ttl(response);
    return result;
}

}  // namespace relaymetry::dns
