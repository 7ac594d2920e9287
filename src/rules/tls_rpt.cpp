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
    emit(out, "tls-rpt.not-published", tls_rpt_record(facts),
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
    emit(out, "tls-rpt.invalid", tls_rpt_record(facts),
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
    emit(out, "tls-rpt.multiple", tls_rpt_record(facts),
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
        emit(out, "tls-rpt.rua-invalid", tls_rpt_record(facts),
             "The TLS-RPT rua " + quoted(rua.uri) + " at " + tls_rpt_record(facts) + " is unusable" +
                 (rua.error.empty() ? std::string() : ": " + rua.error) + ". No report reaches it.",
             "Use \"mailto:<address>\" or \"https://<host>/<path>\" as the rua of " + tls_rpt_record(facts) + ".");
    }
}

}  // namespace relaymetry::rules::detail
