// The parsers are total: any bytes in, a result out, and the result keeps its invariants. Inputs are
// valid records and policies mutated byte by byte from a fixed seed, so runs are reproducible.
#include <catch2/catch.hpp>

#include <random>

#include "relaymetry/policy/mta_sts_policy.hpp"
#include "relaymetry/policy/mta_sts_txt.hpp"
#include "relaymetry/policy/tls_rpt.hpp"

using namespace relaymetry;

namespace {

// Interesting bytes: delimiters, whitespace, line ends, case changes, control and non-UTF-8 bytes.
using namespace std::string_view_literals;
constexpr auto k_alphabet = ";:=, \t\r\n*.-_@/%aZ09\x00\x1b\x7f\xc3\xa9\xff\xef\xbb\xbf"sv;
static_assert(k_alphabet.size() == 28);  // the NUL included

std::string mutate(std::string text, std::mt19937& random) {
    std::uniform_int_distribution<int> edits(1, 4);
    const int count = edits(random);
    for (int i = 0; i < count; ++i) {
        std::uniform_int_distribution<std::size_t> position(0, text.size());
        std::uniform_int_distribution<std::size_t> symbol(0, k_alphabet.size() - 1);
        const auto at = position(random);
        switch (random() % 3) {
            case 0: text.insert(text.begin() + static_cast<std::ptrdiff_t>(at), k_alphabet[symbol(random)]); break;
            case 1:
                if (at < text.size()) {
                    text.erase(at, 1);
                }
                break;
            default:
                if (at < text.size()) {
                    text[at] = k_alphabet[symbol(random)];
                }
                break;
        }
    }
    return text;
}

// Messages are one line of printable text whatever the input held.
bool printable(const std::string& message) {
    for (char c : message) {
        const auto byte = static_cast<unsigned char>(c);
        if (byte < 0x20 || byte == 0x7f) {
            return false;
        }
    }
    return !message.empty();
}

bool all_printable(const std::vector<std::string>& messages) {
    for (const auto& message : messages) {
        if (!printable(message)) {
            return false;
        }
    }
    return true;
}

}  // namespace

TEST_CASE("mutated TXT records keep the parse invariants", "[robustness]") {
    std::mt19937 random(8461);
    for (int i = 0; i < 3000; ++i) {
        const auto record = mutate("v=STSv1; id=20160831085700Z; ext=1;", random);
        const auto parse = policy::parse_mta_sts_txt(record);
        INFO(record);
        REQUIRE(parse.valid == parse.errors.empty());
        REQUIRE(all_printable(parse.errors));
        if (parse.valid) {
            REQUIRE(!parse.id.empty());
            REQUIRE(parse.id.size() <= 32);
        }
    }
}

TEST_CASE("mutated TLS-RPT records keep the parse invariants", "[robustness]") {
    std::mt19937 random(8460);
    for (int i = 0; i < 3000; ++i) {
        const auto record = mutate("v=TLSRPTv1; rua=mailto:a@example.com,https://r.example.net/x", random);
        const auto parse = policy::parse_tls_rpt(record);
        INFO(record);
        REQUIRE(parse.valid == parse.errors.empty());
        REQUIRE(all_printable(parse.errors));
        if (parse.valid) {
            REQUIRE(!parse.rua.empty());
        }
        for (const auto& rua : parse.rua) {
            REQUIRE(rua.valid == rua.error.empty());
            if (!rua.valid) {
                REQUIRE(printable(rua.error));
            }
        }
    }
}

TEST_CASE("mutated policies keep the parse invariants", "[robustness]") {
    std::mt19937 random(3220);
    for (int i = 0; i < 3000; ++i) {
        const auto body = mutate("version: STSv1\r\nmode: enforce\r\nmx: *.example.com\r\nmax_age: 604800\r\n", random);
        const auto parse = policy::parse_mta_sts_policy(body);
        INFO(body);
        REQUIRE(parse.valid == parse.errors.empty());
        REQUIRE(all_printable(parse.errors));
        if (parse.valid) {
            REQUIRE(parse.version == "STSv1");
            REQUIRE(parse.mode.has_value());
            REQUIRE(parse.max_age.has_value());
            REQUIRE(*parse.max_age <= policy::k_max_policy_max_age);
            REQUIRE((*parse.mode == StsMode::none || !parse.mx.empty()));
            for (const auto& pattern : parse.mx) {
                // A valid pattern matches itself with a label in place of any wildcard.
                const auto host = pattern.starts_with("*.") ? "x" + pattern.substr(1) : pattern;
                REQUIRE(policy::mx_pattern_matches(pattern, host));
            }
        }
    }
}
