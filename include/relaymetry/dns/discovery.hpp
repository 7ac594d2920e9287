#pragma once
// The discovery stage: which lookups a check needs, started all at once, and the facts they give.

#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "relaymetry/core/facts.hpp"
#include "relaymetry/dns/answer_parser.hpp"
#include "relaymetry/dns/resolver.hpp"

namespace relaymetry::dns {

// The addresses of a host, and the failures of its lookups: no address is "not published" only
// when `failures` is empty.
struct HostResolution {
    HostAddresses host;
    std::vector<LookupFailure> failures;
};

// A and AAAA of `host`, concurrently.
boost::asio::awaitable<HostResolution> resolve_host(Resolver& resolver, std::string host);

// SRV _submissions._tcp and _submission._tcp and the A/AAAA of smtp.<domain>, all at once; then the
// addresses of every SRV target. Endpoints come out with `resolution` filled and no probes.
// source: srv when any SRV record exists (targets "." are not endpoints), disabled when every SRV
// target is ".", fallback when there is no SRV and smtp.<domain> resolves (ports 465 and 587),
// none otherwise. Failed lookups are listed in lookup_failures.
boost::asio::awaitable<SubmissionFacts> discover_submission(Resolver& resolver, std::string domain);

// MX of `domain` (null MX per RFC 7505 recognised), then the addresses of every MX host.
boost::asio::awaitable<MxFacts> discover_mx(Resolver& resolver, std::string domain);

// TXT at `name`: one string per record, character-strings concatenated.
boost::asio::awaitable<LookupResult> lookup_txt(Resolver& resolver, std::string name);

}  // namespace relaymetry::dns
