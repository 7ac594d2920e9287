// RFC 8461 §3.1, the TXT record at _mta-sts.<domain>:
//
//   sts-text-record = sts-version 1*(sts-field-delim sts-field) [sts-field-delim]
//   sts-field       = sts-id / sts-extension          ; sts-id is required
//   sts-field-delim = *WSP ";" *WSP
//   sts-version     = %s"v=STSv1"
//   sts-id          = %s"id=" 1*32(ALPHA / DIGIT)
//   sts-extension   = sts-ext-name "=" sts-ext-value
//   sts-ext-name    = (ALPHA / DIGIT) *31(ALPHA / DIGIT / "_" / "-" / ".")
//   sts-ext-value   = 1*(%x21-3A / %x3C / %x3E-7E)
//
// %s makes "v=STSv1" and "id=" case-sensitive (RFC 7405).
#include "relaymetry/policy/mta_sts_txt.hpp"

#include "text.hpp"

namespace relaymetry::policy {

namespace {

using namespace detail;

constexpr std::string_view k_version = "v=STSv1";
constexpr std::size_t k_max_id_length = 32;

void check_id(std::string_view value, MtaStsTxtParse& parse) {
    if (value.empty()) {
        parse.errors.push_back("id is empty; it must be 1 to 32 letters and digits, e.g. id=20240101T000000");
        return;
    }
    for (char c : value) {
        if (!is_alnum(c)) {
            parse.errors.push_back("id " + quote(value) + " contains " + quote(std::string_view(&c, 1)) +
                                   "; only letters and digits are allowed");
            return;
        }
    }
    if (value.size() > k_max_id_length) {
        parse.errors.push_back("id has " + std::to_string(value.size()) +
                               " characters; at most 32 letters and digits are allowed");
        return;
    }
    parse.id = std::string(value);
}

}  // namespace

MtaStsTxtParse parse_mta_sts_txt(std::string_view record) {
    MtaStsTxtParse parse;
    const auto fields = split_record(record, k_version, parse.errors);
    bool id_seen = false;
    std::string id_case_hint;
    for (const auto field : fields) {
        const auto equals = field.find('=');
        if (equals == std::string_view::npos) {
            parse.errors.push_back("field " + quote(field) + " has no '='; fields are name=value");
            continue;
        }
        const auto name = field.substr(0, equals);
        const auto value = field.substr(equals + 1);
        if (name == "id") {
            // RFC 8461 §3.2: of a repeated field, every entry but the first is ignored.
            if (!id_seen) {
                id_seen = true;
                check_id(value, parse);
            }
            continue;
        }
        if (auto problem = extension_field_problem(name, value); !problem.empty()) {
            parse.errors.push_back(std::move(problem));
            continue;
        }
        if (to_lower(name) == "id" && id_case_hint.empty()) {
            id_case_hint = " (found " + quote(name) + ", but field names are case-sensitive: write id=)";
        }
        parse.extensions.push_back(std::string(field));
    }
    if (record.starts_with(k_version) && !id_seen) {
        parse.errors.push_back(
            "the id field is missing; add id= followed by 1 to 32 letters and digits, "
            "e.g. id=20240101T000000" +
            id_case_hint);
    }
    parse.valid = parse.errors.empty();
    if (!parse.valid) {
        parse.id.clear();
    }
    return parse;
}

MtaStsTxtFacts mta_sts_txt_facts(LookupStatus status, const std::vector<std::string>& records) {
    MtaStsTxtFacts facts;
    facts.records = records;
    // §3.1: not exactly one v=STSv1 record means the domain has no available policy.
    const auto selected = select_versioned_record(status, facts.records, k_version);
    facts.status = selected.status;
    if (selected.record) {
        facts.parse = parse_mta_sts_txt(*selected.record);
        facts.status = facts.parse.valid ? TxtStatus::published : TxtStatus::invalid;
    }
    return facts;
}

}  // namespace relaymetry::policy
