#pragma once
// DANE judgement as pure functions (RFC 6698, RFC 7671 §5, RFC 7672 §3.1.3): what is wrong with a TLSA
// record on its own, and which records match the certificate chain a server sent. No DNS, no TLS.

#include <cstdint>
#include <string>
#include <vector>

#include "relaymetry/core/facts.hpp"

namespace relaymetry::policy {

// The TLSA port of SMTP to an MX (RFC 7672), where the PKIX usages 0 and 1 are unusable.
inline constexpr std::uint16_t k_mx_tlsa_port = 25;

// The problem of `record` for a service on `port`: unknown fields first (unusable, RFC 7671 §4.1),
// then PKIX usages at port 25, then the data (a digest of the wrong length, no data: invalid).
TlsaProblem tlsa_problem(const TlsaRecord& record, std::uint16_t port);

// Whether `record`'s selector and matching type give its data for `cert` (names and dates not looked at).
bool tlsa_data_matches(const TlsaRecord& record, const CertificateInfo& cert);

// Every usable record (problems[i] == none) that matches the chain `certificate` sent (RFC 7671 §5):
// DANE-EE (3) the leaf only, names and dates ignored; DANE-TA (2) a certificate the server sent above
// the leaf, the leaf covering the host name; PKIX-EE (1) the leaf and PKIX-TA (0) a certificate above it,
// both only when the chain also validates. `certificate` null: no chain was seen, nothing matches.
DaneAddressCheck check_chain(const std::vector<TlsaRecord>& records, const std::vector<TlsaProblem>& problems,
                             std::string address, const CertificateFacts* certificate);

// The DANE facts of one service completed with the problems of its records and, per probed address,
// the records that match what that address served.
void judge_dane(DaneFacts& dane, const std::vector<AddressProbe>& probes);

}  // namespace relaymetry::policy
