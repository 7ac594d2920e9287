// DNS response parsing with c-ares' own record parsers (ares_parse_*_reply), which bounds-check every
// name, count and length; this file only maps their output onto LookupResult and applies the caps.
#include "relaymetry/dns/answer_parser.hpp"

#include <ares.h>
#include <arpa/inet.h>

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

}  // namespace

std::optional<std::uint32_t> smallest_ttl(std::span<const unsigned char> response) {
    if (response.size() < k_header_size) {
        return std::nullopt;
    }
    std::size_t at = k_header_size;
    for (auto questions = read16(response, 4); questions > 0; --questions) {
        if (!skip_name(response, at) || (at += 4) > response.size()) {
            return std::nullopt;
        }
    }
    // The answer and authority sections (RFC 2308 §5: a negative answer lives as long as its SOA).
    std::optional<std::uint32_t> smallest;
    for (auto records = read16(response, 6) + read16(response, 8); records > 0; --records) {
        if (!skip_name(response, at) || at + 10 > response.size()) {
            return std::nullopt;
        }
        const std::uint32_t ttl = static_cast<std::uint32_t>(read16(response, at + 4)) << 16 | read16(response, at + 6);
        // RFC 2181 §8: a TTL with the top bit set counts as zero.
        const std::uint32_t effective = ttl > 0x7FFFFFFFu ? 0 : ttl;
        smallest = smallest ? std::min(*smallest, effective) : effective;
        at += 10 + read16(response, at + 8);
        if (at > response.size()) {
            return std::nullopt;
        }
    }
    return smallest;
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
    switch (response[3] & 0x0F) {
        case 0: break;
        case k_rcode_nxdomain:
            result.status = LookupStatus::nxdomain;
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
    }
    result.status = status_of(status);
    const bool empty = result.addresses.empty() && result.srv.empty() && result.mx.empty() && result.txt.empty();
    if (result.status == LookupStatus::answer && empty) {
        result.status = LookupStatus::nodata;  // records of other types only (e.g. a bare CNAME)
    }
    if (result.status != LookupStatus::answer) {
        result.addresses.clear();
        result.srv.clear();
        result.mx.clear();
        result.txt.clear();
    }
    result.error = describe_failure(result.status);
    if (!is_failure(result.status)) {
        result.ttl = smallest_ttl(response);
    }
    return result;
}

}  // namespace relaymetry::dns
