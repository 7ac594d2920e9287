#pragma once
// What `check --state FILE` keeps of one domain's check for the next run to compare with (drift.*):
// only what a later run needs to tell a change that hurts (a policy changed under an unchanged id, MX
// hosts a cached policy no longer covers, a policy host gone dark, a new key) from one that does not.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace relaymetry {

// The key one address served (submission, or an MX host on port 25).
struct KeySnapshot {
    std::string host;
    std::uint16_t port = 0;
    std::string address;
    std::string spki_sha256;
    std::int64_t not_after = 0;  // of the leaf, seconds since the epoch
    bool operator==(const KeySnapshot&) const = default;
};

// The last MTA-STS policy fetched (HTTP 200): what senders that fetched it then still cache.
struct PolicySnapshot {
    std::string sha256;             // of the body as served
    std::string mode;               // "enforce", "testing", "none"; "" when it did not parse
    std::int64_t max_age = 0;       // seconds
    std::vector<std::string> mx;    // the patterns, in file order
    std::int64_t fetched_at = 0;    // when a check last fetched this body
    std::optional<std::string> id;  // the TXT id published when it was fetched
    bool operator==(const PolicySnapshot&) const = default;
};

// One domain. An area the check did not look at (--only) is empty, and keeps the previous run's values.
struct DomainSnapshot {
    std::string domain;
    std::int64_t checked_at = 0;
    std::optional<std::vector<std::string>> mx;           // MX host names, in preference order
    std::optional<std::vector<std::string>> mta_sts_txt;  // the TXT strings at _mta-sts.<domain>
    std::optional<std::string> sts_id;                    // the id of the valid v=STSv1 record
    std::optional<PolicySnapshot> policy;                 // kept while later fetches fail
    std::optional<std::vector<std::string>> tls_rpt_txt;  // the TXT strings at _smtp._tls.<domain>
    std::optional<std::vector<KeySnapshot>> keys;         // every probed address that served a certificate
    bool operator==(const DomainSnapshot&) const = default;
};

}  // namespace relaymetry
