// tls-rpt.*: the TXT record at _smtp._tls.<domain> (RFC 8460 §3).
#include "checks.hpp"

namespace relaymetry::rules::detail {

namespace {

// TLS-RPT is judged unless its lookup failed (then only dns.lookup-failed speaks).
const TlsRptFacts* judged_tls_rpt(const DomainFacts& facts) {
    if (!facts.tls_rpt || facts.tls_rpt->status == TxtStatus::lookup_failed ||
        !facts.tls_rpt->lookup_failures.empty()) {
        return nullptr;
    }
    return &*facts.tls_rpt;
}

}  // namespace

void check_tls_rpt_not_published(const DomainFacts& facts, const RuleOptions&, Findings& out) {
    const TlsRptFacts* tls_rpt = judged_tls_rpt(facts);
    if (tls_rpt == nullptr || tls_rpt->status != TxtStatus::not_published || is_null_mx(facts)) {
        return;
    }
    emit(out, "tls-rpt.not-published", Target::record(tls_rpt_record(facts)),
         "There is no TLS-RPT record (v=TLSRPTv1) at " + tls_rpt_record(facts) + ": servers that fail to deliver to " +
             domain_of(facts) + " over TLS cannot tell you.",
         "Publish " + tls_rpt_record(facts) + " TXT \"v=TLSRPTv1; rua=mailto:tls-reports@" + domain_of(facts) + "\".");
}

void check_tls_rpt_invalid(const DomainFacts& facts, const RuleOptions&, Findings& out) {
    const TlsRptFacts* tls_rpt = judged_tls_rpt(facts);
    if (tls_rpt == nullptr || tls_rpt->status != TxtStatus::invalid) {
        return;
    }
    const auto& errors = tls_rpt->parse.errors;
    emit(out, "tls-rpt.invalid", Target::record(tls_rpt_record(facts)),
         "The TLS-RPT record at " + tls_rpt_record(facts) + " is invalid" +
             (errors.empty() ? std::string() : ": " + join(errors, "; ")) + ". Senders send no reports.",
         "Publish exactly \"v=TLSRPTv1; rua=mailto:<address>\" at " + tls_rpt_record(facts) +
             " (several rua URIs are separated by commas).");
}

void check_tls_rpt_multiple(const DomainFacts& facts, const RuleOptions&, Findings& out) {
    const TlsRptFacts* tls_rpt = judged_tls_rpt(facts);
    if (tls_rpt == nullptr || tls_rpt->status != TxtStatus::multiple) {
        return;
    }
    emit(out, "tls-rpt.multiple", Target::record(tls_rpt_record(facts)),
         tls_rpt_record(facts) + " has more than one v=TLSRPTv1 record (" + quoted_list(tls_rpt->records) +
             "): senders treat that as no record (RFC 8460 §3).",
         "Merge them into one record at " + tls_rpt_record(facts) + "; list several rua URIs separated by commas.");
}

void check_tls_rpt_rua_invalid(const DomainFacts& facts, const RuleOptions&, Findings& out) {
    const TlsRptFacts* tls_rpt = judged_tls_rpt(facts);
    if (tls_rpt == nullptr || (tls_rpt->status != TxtStatus::published && tls_rpt->status != TxtStatus::invalid)) {
        return;
    }
    for (const auto& rua : tls_rpt->parse.rua) {
        if (rua.valid) {
            continue;
        }
        emit(out, "tls-rpt.rua-invalid", Target::record(tls_rpt_record(facts)),
             "The TLS-RPT rua " + quoted(rua.uri) + " at " + tls_rpt_record(facts) + " is unusable" +
                 (rua.error.empty() ? std::string() : ": " + rua.error) + ". No report reaches it.",
             "Use \"mailto:<address>\" or \"https://<host>/<path>\" as the rua of " + tls_rpt_record(facts) + ".");
    }
}

void check_tls_rpt_rua_repeated(const DomainFacts& facts, const RuleOptions&, Findings& out) {
    const TlsRptFacts* tls_rpt = judged_tls_rpt(facts);
    // Only a record senders use: an invalid one already gets tls-rpt.invalid ("no reports").
    if (tls_rpt == nullptr || tls_rpt->status != TxtStatus::published || tls_rpt->parse.rua_field_sizes.size() < 2) {
        return;
    }
    // RFC 8460 §3 allows rua more than once (1*(field-delim tlsrpt-field)), but it describes one
    // comma-separated list: a sender that keeps one field reports to its URIs only.
    const auto& rua = tls_rpt->parse.rua;
    std::vector<std::string> fields;
    std::vector<std::string> uris;
    std::size_t next = 0;
    for (const auto size : tls_rpt->parse.rua_field_sizes) {
        std::vector<std::string> field;
        for (std::size_t i = 0; i < size && next < rua.size(); ++i, ++next) {
            field.push_back(rua[next].uri);
            uris.push_back(rua[next].uri);
        }
        fields.push_back(field.empty() ? std::string("(no URI)") : quoted_list(field));
    }
    emit(out, "tls-rpt.rua-repeated", Target::record(tls_rpt_record(facts)),
         "The TLS-RPT record at " + tls_rpt_record(facts) + " has " + std::to_string(fields.size()) + " rua fields (" +
             join(fields, "; ") +
             "): RFC 8460 allows it, but some report senders read only the first field, so their reports reach " +
             "only " + fields.front() + ".",
         "Merge them into one field: \"rua=" + join(uris, ",") + "\" at " + tls_rpt_record(facts) + ".");
}

}  // namespace relaymetry::rules::detail
