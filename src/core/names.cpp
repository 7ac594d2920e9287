// The one place where enum values get the names that users see in JSON and text.
#include "relaymetry/core/dns_types.hpp"
#include "relaymetry/core/facts.hpp"
#include "relaymetry/core/finding.hpp"
#include "relaymetry/core/policy_types.hpp"

namespace relaymetry {

std::string_view to_string(LookupStatus status) {
    switch (status) {
        case LookupStatus::answer: return "answer";
        case LookupStatus::nxdomain: return "nxdomain";
        case LookupStatus::nodata: return "nodata";
        case LookupStatus::servfail: return "servfail";
        case LookupStatus::refused: return "refused";
        case LookupStatus::timeout: return "timeout";
        case LookupStatus::malformed: return "malformed";
    }
    return "unknown";
}

std::string_view to_string(RecordType type) {
    switch (type) {
        case RecordType::a: return "A";
        case RecordType::mx: return "MX";
        case RecordType::txt: return "TXT";
        case RecordType::aaaa: return "AAAA";
        case RecordType::srv: return "SRV";
    }
    return "unknown";
}

std::string_view to_string(Severity severity) {
    switch (severity) {
        case Severity::notice: return "notice";
        case Severity::warning: return "warning";
        case Severity::error: return "error";
    }
    return "unknown";
}

std::optional<Severity> parse_severity(std::string_view text) {
    for (auto severity : {Severity::notice, Severity::warning, Severity::error}) {
        if (to_string(severity) == text) {
            return severity;
        }
    }
    return std::nullopt;
}

Summary summarize(const Findings& findings) {
    Summary summary;
    for (const auto& finding : findings) {
        switch (finding.severity) {
            case Severity::error: ++summary.errors; break;
            case Severity::warning: ++summary.warnings; break;
            case Severity::notice: ++summary.notices; break;
        }
    }
    return summary;
}

std::string_view to_string(StsMode mode) {
    switch (mode) {
        case StsMode::enforce: return "enforce";
        case StsMode::testing: return "testing";
        case StsMode::none: return "none";
    }
    return "unknown";
}

std::string_view to_string(DiscoverySource source) {
    switch (source) {
        case DiscoverySource::srv: return "srv";
        case DiscoverySource::fallback: return "fallback";
        case DiscoverySource::none: return "none";
        case DiscoverySource::disabled: return "disabled";
    }
    return "unknown";
}

std::string_view to_string(Security security) {
    return security == Security::implicit_tls ? "implicit-tls" : "starttls";
}

std::string_view to_string(ProbeStatus status) {
    switch (status) {
        case ProbeStatus::ok: return "ok";
        case ProbeStatus::refused: return "refused";
        case ProbeStatus::timeout: return "timeout";
        case ProbeStatus::unreachable: return "unreachable";
        case ProbeStatus::no_starttls: return "no-starttls";
        case ProbeStatus::starttls_rejected: return "starttls-rejected";
        case ProbeStatus::tls_failed: return "tls-failed";
        case ProbeStatus::protocol_error: return "protocol-error";
        case ProbeStatus::inconclusive: return "inconclusive";
    }
    return "unknown";
}

std::string_view to_string(TxtStatus status) {
    switch (status) {
        case TxtStatus::published: return "published";
        case TxtStatus::not_published: return "not-published";
        case TxtStatus::invalid: return "invalid";
        case TxtStatus::multiple: return "multiple";
        case TxtStatus::lookup_failed: return "lookup-failed";
    }
    return "unknown";
}

std::string_view to_string(PolicyFetchStatus status) {
    switch (status) {
        case PolicyFetchStatus::fetched: return "fetched";
        case PolicyFetchStatus::not_fetched: return "not-fetched";
        case PolicyFetchStatus::http_error: return "http-error";
        case PolicyFetchStatus::redirect: return "redirect";
        case PolicyFetchStatus::tls_failed: return "tls-failed";
        case PolicyFetchStatus::too_large: return "too-large";
        case PolicyFetchStatus::invalid: return "invalid";
        case PolicyFetchStatus::unreachable: return "unreachable";
    }
    return "unknown";
}

}  // namespace relaymetry
