// The _mta-sts TXT record (RFC 8461 §3.1): the input is the RRset, its records separated by NUL.
#include <algorithm>
#include <cctype>

#include "fuzz_check.hpp"
#include "fuzz_input.hpp"
#include "relaymetry/policy/mta_sts_txt.hpp"

using namespace relaymetry;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const auto records = fuzz::split(fuzz::as_text(data, size), '\0', 8);
    for (const auto& record : records) {
        const auto parse = policy::parse_mta_sts_txt(record);
        fuzz::require(parse.valid == parse.errors.empty(), "valid disagrees with the errors listed", record);
        if (parse.valid) {
            fuzz::require(record.starts_with("v=STSv1"), "a valid record not starting with v=STSv1", record);
            fuzz::require(!parse.id.empty() && parse.id.size() <= 32, "a valid record's id is not 1-32 long", record);
            fuzz::require(std::all_of(parse.id.begin(), parse.id.end(),
                                      [](char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; }),
                          "an id that is not ALPHA / DIGIT", record);
        } else {
            fuzz::require(parse.id.empty(), "an id from an invalid record", record);
        }
        // Messages quote the record escaped and cut short (mta_sts_txt.hpp).
        for (const auto& error : parse.errors) {
            fuzz::require_clean_text(error, "", "an MTA-STS TXT error");
            fuzz::require(error.size() <= 512, "an error message of unbounded length", error);
        }
    }
    const auto facts = policy::mta_sts_txt_facts(LookupStatus::answer, records);
    (void)policy::mta_sts_txt_facts(LookupStatus::servfail, records);
    (void)facts;
    return 0;
}
