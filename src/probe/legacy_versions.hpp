#pragma once
// Does the server still accept TLS 1.0 or 1.1 when a client offers nothing newer (RFC 8996)? A property
// of the service (address, port), tested on connections of its own beside the main session. Internal
// to probe/.

#include <vector>

#include <boost/asio/awaitable.hpp>

#include "relaymetry/core/facts.hpp"
#include "session_steps.hpp"

namespace relaymetry::probe {

// TLS 1.0 and TLS 1.1, ascending, each accepted, refused or not tested (with the reason). A connection
// turned away is retried once, alone, and the address gets one connection at a time from then on
// (ConnectionLimiter::one_at_a_time).
boost::asio::awaitable<std::vector<VersionTest>> test_legacy_versions(session::Target target, ProbeOptions options);

}  // namespace relaymetry::probe
