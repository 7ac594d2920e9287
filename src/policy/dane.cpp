#include "relaymetry/policy/dane.hpp"

#include <algorithm>

namespace relaymetry::policy {

namespace {

enum Usage : std::uint8_t { pkix_ta = 0, pkix_ee = 1, dane_ta = 2, dane_ee = 3 };
enum Selector : std::uint8_t { full_certificate = 0, public_key = 1 };
enum MatchingType : std::uint8_t { exact = 0, sha256 = 1, sha512 = 2 };

constexpr std::size_t k_sha256_size = 32;
constexpr std::size_t k_sha512_size = 64;

}  // namespace

TlsaProblem tlsa_problem(const TlsaRecord& record, std::uint16_t port) {
    if (record.usage > dane_ee) {
        return TlsaProblem::unknown_usage;
    }
    if (record.selector > public_key) {
        return TlsaProblem::unknown_selector;
    }
    if (record.matching_type > sha512) {
        return TlsaProblem::unknown_matching_type;
    }
    if (port == k_mx_tlsa_port && (record.usage == pkix_ta || record.usage == pkix_ee)) {
        return TlsaProblem::pkix_usage_for_mx;
    }
    if (record.data.empty()) {
        return TlsaProblem::empty_data;
    }
    if ((record.matching_type == sha256 && record.data.size() != k_sha256_size) ||
        (record.matching_type == sha512 && record.data.size() != k_sha512_size)) {
        return TlsaProblem::wrong_length;
    }
    return TlsaProblem::none;
}

bool tlsa_data_matches(const TlsaRecord& record, const CertificateInfo& cert) {
    const bool whole = record.selector == full_certificate;
    switch (record.matching_type) {
        case exact: return record.data == (whole ? cert.der : cert.spki_der);
        case sha256: return to_hex(record.data) == (whole ? cert.sha256 : cert.spki_sha256);
        case sha512: return to_hex(record.data) == (whole ? cert.sha512 : cert.spki_sha512);
        default: return false;
    }
}

DaneAddressCheck check_chain(const std::vector<TlsaRecord>& records, const std::vector<TlsaProblem>& problems,
                             std::string address, const CertificateFacts* certificate) {
    DaneAddressCheck check;
    check.address = std::move(address);
    check.chain_seen = certificate != nullptr;
    if (certificate == nullptr) {
        return check;
    }
    std::vector<const CertificateInfo*> chain{&certificate->leaf};
    for (const auto& intermediate : certificate->intermediates) {
        chain.push_back(&intermediate);
    }
    for (std::size_t r = 0; r < records.size(); ++r) {
        const auto& record = records[r];
        if (r >= problems.size() || problems[r] != TlsaProblem::none) {
            continue;
        }
        const bool end_entity = record.usage == dane_ee || record.usage == pkix_ee;
        const bool pkix = record.usage == pkix_ta || record.usage == pkix_ee;
        if ((pkix && !certificate->chain_valid) || (record.usage == dane_ta && !certificate->name_match)) {
            continue;
        }
        const std::size_t first = end_entity ? 0 : 1;
        const std::size_t last = end_entity ? 1 : chain.size();
        for (std::size_t position = first; position < last; ++position) {
            if (tlsa_data_matches(record, *chain[position])) {
                check.matches.push_back(TlsaMatch{r, position});
            }
        }
    }
    return check;
}

void judge_dane(DaneFacts& dane, const std::vector<AddressProbe>& probes) {
    dane.problems.clear();
    for (const auto& record : dane.records) {
        dane.problems.push_back(tlsa_problem(record, dane.port));
    }
    dane.addresses.clear();
    for (const auto& probe : probes) {
        const CertificateFacts* certificate = probe.tls && probe.tls->certificate ? &*probe.tls->certificate : nullptr;
        dane.addresses.push_back(check_chain(dane.records, dane.problems, probe.address, certificate));
    }
}

}  // namespace relaymetry::policy
