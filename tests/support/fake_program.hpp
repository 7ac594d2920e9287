#pragma once
// What every fake program (fake_dns, fake_smtp, fake_https) does the same way: run until stdin
// reaches EOF or SIGTERM/SIGINT arrives, and read a test certificate spec from its JSON scenario.

#include <signal.h>

#include <nlohmann/json.hpp>

#include "test_pki.hpp"

namespace relaymetry::test {

// Blocks the stop signals; call first in main(), before any thread starts, so every thread
// inherits the mask and only wait_for_stop() takes them.
sigset_t block_stop_signals();

// Returns once stdin reaches EOF (the test closed its pipe) or a stop signal arrives.
void wait_for_stop(const sigset_t& signals);

// A "leaf" object of a scenario: common_name, dns_names, not_before_days, not_after_days,
// key ("rsa2048" | "rsa1024" | "ec-p256"), digest ("sha256" | "sha1"),
// issuer ("intermediate" | "root" | "self"), send_intermediate.
LeafSpec leaf_spec_from_json(const nlohmann::json& object);

}  // namespace relaymetry::test
