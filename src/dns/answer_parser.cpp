// DNS response parsing with c-ares' own record parsers (ares_parse_*_reply), which bounds-check every
// name, count and length; this file only maps their output onto LookupResult and applies the caps.
#include "relaymetry/dns/answer_parser.hpp"

#include <ares.h>
#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <climits>
#include <memory>

namespace relaymetry::dns {

namespace {

constexpr std::size_t k_header_size = 12;
constexpr int k_rcode_nxdomain = 3;
constexpr int k_rcode_servfail = 2;
constexpr int k_rcode_refused = 5;

// c-ares allocates result lists with its own allocator; they go back through ares_free_data.
struct AresDataDeleter {
    void operator()(void* data) const { ares_free_data(data); }
};
template <typename T>
using AresData = std::unique_ptr<T, AresDataDeleter>;

// c-ares strips the trailing dot and turns the root name into "": give the root back as "." so that
// "service not offered" (RFC 2782) and null MX (RFC 7505) stay visible.
std::string host_name(const char* raw) {
    std::string host = raw == nullptr ? std::string{} : std::string{raw};
    while (host.size() > 1 && host.back() == '.') {
        host.pop_back();
    }
    return host.empty() ? std::string{"."} : host;
}

LookupStatus status_of(int ares_status) {
    switch (ares_status) {
        case ARES_SUCCESS: return LookupStatus::answer;
        case ARES_ENODATA: return LookupStatus::nodata;
        default: return LookupStatus::malformed;
    }
}

int parse_a(const unsigned char* data, int size, LookupResult& result) {
    std::array<ares_addrttl, k_max_addresses_per_family> addresses{};
    int count = static_cast<int>(addresses.size());
    const int status = ares_parse_a_reply(data, size, nullptr, addresses.data(), &count);
    if (status != ARES_SUCCESS) {
        return status;
    }
    for (int i = 0; i < count; ++i) {
        std::array<char, INET_ADDRSTRLEN> text{};
        if (inet_ntop(AF_INET, &addresses[static_cast<std::size_t>(i)].ipaddr, text.data(), text.size()) != nullptr) {
            result.addresses.emplace_back(text.data());
        }
    }
    return ARES_SUCCESS;
}

int parse_aaaa(const unsigned char* data, int size, LookupResult& result) {
    std::array<ares_addr6ttl, k_max_addresses_per_family> addresses{};
    int count = static_cast<int>(addresses.size());
    const int status = ares_parse_aaaa_reply(data, size, nullptr, addresses.data(), &count);
    if (status != ARES_SUCCESS) {
        return status;
    }
    for (int i = 0; i < count; ++i) {
        std::array<char, INET6_ADDRSTRLEN> text{};
        if (inet_ntop(AF_INET6, &addresses[static_cast<std::size_t>(i)].ip6addr, text.data(), text.size()) != nullptr) {
            result.addresses.emplace_back(text.data());
        }
    }
    return ARES_SUCCESS;
}

int parse_srv(const unsigned char* data, int size, LookupResult& result) {
    ares_srv_reply* head = nullptr;
    const int status = ares_parse_srv_reply(data, size, &head);
    AresData<ares_srv_reply> owner(head);
    if (status != ARES_SUCCESS) {
        return status;
    }
    for (auto* node = head; node != nullptr && result.srv.size() < k_max_records_per_answer; node = node->next) {
        SrvRecord record;
        record.priority = node->priority;
        record.weight = node->weight;
        record.port = node->port;
        record.target = host_name(node->host);
        result.srv.push_back(std::move(record));
    }
    return ARES_SUCCESS;
}

int parse_mx(const unsigned char* data, int size, LookupResult& result) {
    ares_mx_reply* head = nullptr;
    const int status = ares_parse_mx_reply(data, size, &head);
    AresData<ares_mx_reply> owner(head);
    if (status != ARES_SUCCESS) {
        return status;
    }
    for (auto* node = head; node != nullptr && result.mx.size() < k_max_records_per_answer; node = node->next) {
        result.mx.push_back(MxRecord{node->priority, host_name(node->host)});
    }
    return ARES_SUCCESS;
}

// One TXT record is one or more character-strings of up to 255 bytes; c-ares lists the strings and
// flags the first of each record (`record_start`).
int parse_txt(const unsigned char* data, int size, LookupResult& result) {
    ares_txt_ext* head = nullptr;
    const int status = ares_parse_txt_reply_ext(data, size, &head);
    AresData<ares_txt_ext> owner(head);
    if (status != ARES_SUCCESS) {
        return status;
    }
    bool skipping = false;  // past the record cap: the chunks of ignored records are ignored too
    for (auto* node = head; node != nullptr; node = node->next) {
        if (node->record_start != 0 || result.txt.empty()) {
            if (result.txt.size() == k_max_records_per_answer) {
                skipping = true;
            }
            if (skipping) {
                continue;
            }
            result.txt.emplace_back();
        } else if (skipping) {
            continue;
        }
        if (node->txt != nullptr) {
            result.txt.back().append(reinterpret_cast<const char*>(node->txt), node->length);
        }
    }
    return ARES_SUCCESS;
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

namespace {

constexpr std::uint16_t k_type_opt = 41;
constexpr std::uint16_t k_option_extended_error = 15;  // RFC 8914 §2
constexpr std::size_t k_max_extended_error_text = 512;
constexpr std::size_t k_max_tlsa_data = 16384;  // a full certificate (matching type 0) fits
constexpr unsigned char k_flag_ad = 0x20;       // byte 3 of the header (RFC 4035 §3.2.3)

// Skips one (possibly compressed) name at `at`; false when it runs off the message or is not a name.
bool skip_name(std::span<const unsigned char> message, std::size_t& at) {
    while (at < message.size()) {
        const auto length = message[at];
        if ((length & 0xC0) == 0xC0) {
            at += 2;
            return at <= message.size();
        }
        if ((length & 0xC0) != 0) {
            return false;
        }
        at += 1 + length;
        if (length == 0) {
            return true;
        }
    }
    return false;
}

std::uint16_t read16(std::span<const unsigned char> message, std::size_t at) {
    return static_cast<std::uint16_t>(message[at] << 8 | message[at + 1]);
}

enum class Section { answer, authority, additional };

struct RecordView {
    Section section = Section::answer;
    std::uint16_t type = 0;
    std::uint32_t ttl = 0;
    std::span<const unsigned char> rdata;
};

// Calls visit(RecordView) for every record after the question section, in order; false when the
// message does not parse (the records visited before then may have been seen).
template <typename Visit>
bool for_each_record(std::span<const unsigned char> message, Visit&& visit) {
    if (message.size() < k_header_size) {
        return false;
    }
    std::size_t at = k_header_size;
    for (auto questions = read16(message, 4); questions > 0; --questions) {
        if (!skip_name(message, at) || (at += 4) > message.size()) {
            return false;
        }
    }
    const std::array counts{read16(message, 6), read16(message, 8), read16(message, 10)};
    for (std::size_t section = 0; section < counts.size(); ++section) {
        for (auto records = counts[section]; records > 0; --records) {
            if (!skip_name(message, at) || at + 10 > message.size()) {
                return false;
            }
            RecordView record;
            record.section = static_cast<Section>(section);
            record.type = read16(message, at);
            record.ttl = static_cast<std::uint32_t>(read16(message, at + 4)) << 16 | read16(message, at + 6);
            const std::size_t length = read16(message, at + 8);
            at += 10;
            if (at + length > message.size()) {
                return false;
            }
            record.rdata = message.subspan(at, length);
            at += length;
            visit(record);
        }
    }
    return true;
}

// RFC 8914 §2: INFO-CODE, then EXTRA-TEXT, inside the OPT record's options.
std::optional<ExtendedDnsError> extended_error(std::span<const unsigned char> response) {
    std::optional<ExtendedDnsError> found;
    for_each_record(response, [&](const RecordView& record) {
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

// TLSA (RFC 6698 §2.1) and DNSKEY answers, which c-ares has no parser for. A TLSA record shorter than
// its three fixed fields makes the answer malformed; DNSKEY records are only counted.
int parse_records_by_hand(std::span<const unsigned char> response, RecordType type, LookupResult& result) {
    bool short_record = false;
    bool any = false;
    const bool parsed = for_each_record(response, [&](const RecordView& record) {
        if (record.section != Section::answer || record.type != static_cast<std::uint16_t>(type)) {
            return;
        }
        any = true;
        if (type != RecordType::tlsa || result.tlsa.size() == k_max_records_per_answer) {
            return;
        }
        if (record.rdata.size() < 3) {
            short_record = true;
            return;
        }
        TlsaRecord tlsa;
        tlsa.usage = record.rdata[0];
        tlsa.selector = record.rdata[1];
        tlsa.matching_type = record.rdata[2];
        const auto data = record.rdata.subspan(3, std::min(record.rdata.size() - 3, k_max_tlsa_data));
        tlsa.data.assign(data.begin(), data.end());
        result.tlsa.push_back(std::move(tlsa));
    });
    if (!parsed || short_record) {
        return ARES_EBADRESP;
    }
    return any ? ARES_SUCCESS : ARES_ENODATA;
}

}  // namespace

std::optional<std::uint32_t> smallest_ttl(std::span<const unsigned char> response) {
    // The answer and authority sections (RFC 2308 §5: a negative answer lives as long as its SOA).
    std::optional<std::uint32_t> smallest;
    const bool parsed = for_each_record(response, [&](const RecordView& record) {
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
    if (response.size() < k_header_size || response.size() > static_cast<std::size_t>(INT_MAX)) {
        result.status = LookupStatus::malformed;
        result.error = describe_failure(result.status);
        return result;
    }
    result.extended_error = extended_error(response);
    // Only a validating resolver's positive or negative answer carries a DNSSEC verdict; whether it
    // was bogus is learned by asking again with CD (the resolver's job, not the parser's).
    const auto validated = (response[3] & k_flag_ad) != 0 ? DnssecStatus::secure : DnssecStatus::insecure;
    switch (response[3] & 0x0F) {
        case 0: break;
        case k_rcode_nxdomain:
            result.status = LookupStatus::nxdomain;
            result.dnssec = validated;
            result.ttl = smallest_ttl(response);
            return result;
        case k_rcode_refused:
            result.status = LookupStatus::refused;
            result.error = describe_failure(result.status);
            return result;
        default:  // SERVFAIL, and FORMERR/NOTIMP/others: the server could not give an answer either
            result.status = LookupStatus::servfail;
            result.error = (response[3] & 0x0F) == k_rcode_servfail
                               ? describe_failure(result.status)
                               : "the DNS server answered with error code " + std::to_string(response[3] & 0x0F);
            return result;
    }
    const auto* data = response.data();
    const auto size = static_cast<int>(response.size());
    int status = ARES_EBADRESP;
    switch (type) {
        case RecordType::a: status = parse_a(data, size, result); break;
        case RecordType::aaaa: status = parse_aaaa(data, size, result); break;
        case RecordType::srv: status = parse_srv(data, size, result); break;
        case RecordType::mx: status = parse_mx(data, size, result); break;
        case RecordType::txt: status = parse_txt(data, size, result); break;
        case RecordType::dnskey:
        case RecordType::tlsa: status = parse_records_by_hand(response, type, result); break;
    }
    result.status = status_of(status);
    const bool empty = result.addresses.empty() && result.srv.empty() && result.mx.empty() && result.txt.empty() &&
                       result.tlsa.empty() && type != RecordType::dnskey;
    if (result.status == LookupStatus::answer && empty) {
        result.status = LookupStatus::nodata;  // records of other types only (e.g. a bare CNAME)
    }
    if (result.status != LookupStatus::answer) {
        result.addresses.clear();
        result.srv.clear();
        result.mx.clear();
        result.txt.clear();
        result.tlsa.clear();
    }
    if (result.status == LookupStatus::answer || result.status == LookupStatus::nodata) {
        result.dnssec = validated;
    }
    result.error = describe_failure(result.status);
    if (!is_failure(result.status)) {
        result.ttl = smallest_ttl(response);
    }
    return result;
}

}  // namespace relaymetry::dns
