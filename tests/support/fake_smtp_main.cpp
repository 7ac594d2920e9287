// fake_smtp SCENARIO.json — the fake submission server as a program, for the CLI tests and the benchmark.
//
// Prints "ca_file PATH" (only when it generated its own PKI) and then "port N" on stdout, and serves
// on 127.0.0.1:N (and [::1]:N unless "ipv6" is false) until stdin reaches EOF or it gets SIGTERM/SIGINT.
// On the way out it writes every command line it received to "record" (one a line), when given.
//
// Scenario (every key optional):
// {
//   "mode": "starttls" | "implicit-tls",          // default "starttls"
//   "behaviour": "normal" | "stall" | "drip" | "oversized-line" | "endless-reply" | "busy" |
//                "close-after-banner" | "reset-in-handshake" | "data-after-starttls" | "plaintext" |
//                "silent-after-tls",
//   "banner": "220 fake.test ESMTP ready",          // whole reply line(s) without the final CR LF
//   "capabilities": ["PIPELINING", ...],            // plaintext EHLO keywords (STARTTLS/AUTH added below)
//   "capabilities_after_tls": ["AUTH PLAIN LOGIN", ...],
//   "offer_starttls": true, "auth_before_tls": false, "refuse_starttls": false,
//   "banner_delay_ms": 0, "step_delay_ms": 0, "drip_ms": 50,
//   "min_tls": "1.0" | "1.1" | "1.2" | "1.3", "max_tls": ...,   // default: OpenSSL's defaults
//   "ciphers_seclevel0": false,                     // needed for a server that speaks TLS 1.0/1.1
//   "cert": "chain.pem", "key": "key.pem",          // the certificate chain and key to serve, or instead:
//   "leaf": { ...as fake_https: common_name, dns_names, not_before_days, not_after_days, key, digest,
//             issuer, send_intermediate },          // default leaf: CN and SAN "localhost"
//   "ipv6": true,
//   "also_listen": ["127.1.0.1", ...],              // more loopback addresses served, on the same port
//   "max_per_client": 0,                            // Exim's smtp_accept_max_per_host; 0 = no limit
//   "record": "commands.txt",
//   "stats": "stats.json"                           // {"connections", "peak_connections", "handshakes",
//                                                   //  "turned_away"} written on the way out
// }

#include <fstream>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "support/fake_program.hpp"
#include "support/fake_smtp.hpp"
#include "support/tls_server.hpp"

namespace {

using nlohmann::json;
using relaymetry::test::SmtpBehaviour;
using relaymetry::test::SmtpMode;

// As FakeSmtpConfig takes it: OpenSSL's TLS1_VERSION ...
int parse_version(const json& value) {
    return relaymetry::test::openssl_version(relaymetry::test::parse_tls_version(value.get<std::string>()));
}

SmtpBehaviour parse_behaviour(const std::string& text) {
    static const std::pair<const char*, SmtpBehaviour> k_names[] = {
        {"normal", SmtpBehaviour::normal},
        {"stall", SmtpBehaviour::stall},
        {"drip", SmtpBehaviour::drip},
        {"oversized-line", SmtpBehaviour::oversized_line},
        {"endless-reply", SmtpBehaviour::endless_reply},
        {"busy", SmtpBehaviour::busy},
        {"close-after-banner", SmtpBehaviour::close_after_banner},
        {"reset-in-handshake", SmtpBehaviour::reset_in_handshake},
        {"data-after-starttls", SmtpBehaviour::data_after_starttls},
        {"plaintext", SmtpBehaviour::plaintext},
        {"silent-after-tls", SmtpBehaviour::silent_after_tls},
    };
    for (const auto& [name, behaviour] : k_names) {
        if (text == name) {
            return behaviour;
        }
    }
    throw std::runtime_error("unknown behaviour " + text);
}

relaymetry::test::FakeSmtpConfig parse_config(const json& scenario) {
    relaymetry::test::FakeSmtpConfig config;
    const auto mode = scenario.value("mode", std::string("starttls"));
    if (mode != "starttls" && mode != "implicit-tls") {
        throw std::runtime_error("unknown mode " + mode);
    }
    config.mode = mode == "starttls" ? SmtpMode::starttls : SmtpMode::implicit_tls;
    config.behaviour = parse_behaviour(scenario.value("behaviour", std::string("normal")));
    config.banner = scenario.value("banner", config.banner);
    config.capabilities = scenario.value("capabilities", config.capabilities);
    config.capabilities_after_tls = scenario.value("capabilities_after_tls", config.capabilities_after_tls);
    config.offer_starttls = scenario.value("offer_starttls", config.offer_starttls);
    config.auth_before_tls = scenario.value("auth_before_tls", config.auth_before_tls);
    config.refuse_starttls = scenario.value("refuse_starttls", config.refuse_starttls);
    config.banner_delay = std::chrono::milliseconds(scenario.value("banner_delay_ms", 0));
    config.step_delay = std::chrono::milliseconds(scenario.value("step_delay_ms", 0));
    config.drip_interval = std::chrono::milliseconds(scenario.value("drip_ms", 50));
    if (scenario.contains("min_tls")) {
        config.tls_min_version = parse_version(scenario.at("min_tls"));
    }
    if (scenario.contains("max_tls")) {
        config.tls_max_version = parse_version(scenario.at("max_tls"));
    }
    config.tls_seclevel0 = scenario.value("ciphers_seclevel0", false);
    config.listen_v6 = scenario.value("ipv6", true);
    config.v4_aliases = scenario.value("also_listen", std::vector<std::string>{});
    if (const auto limit = scenario.value("max_per_client", 0); limit > 0) {
        config.client_limit = std::make_shared<relaymetry::test::ClientLimit>(static_cast<std::size_t>(limit));
    }
    return config;
}

void serve(relaymetry::test::FakeProgram& program) {
    const auto& scenario = program.scenario();
    auto config = parse_config(scenario);
    if (scenario.contains("cert")) {
        config.cert_file = scenario.at("cert").get<std::string>();
        config.key_file = scenario.value("key", std::string());
    } else {
        const auto issued = program.issue_leaf(scenario.value("leaf", json::object()));
        config.cert_file = issued.chain_file;
        config.key_file = issued.key_file;
    }
    const auto limit = config.client_limit;
    relaymetry::test::FakeSmtp server(std::move(config));
    program.serve_until_stopped(server.port());
    if (scenario.contains("stats")) {
        std::ofstream stats(scenario.at("stats").get<std::string>());
        stats << json{{"connections", server.connections()},
                      {"peak_connections", server.peak_connections()},
                      {"handshakes", server.handshakes()},
                      {"turned_away", limit ? limit->turned_away() : 0}}
                     .dump()
              << "\n";
    }
    if (scenario.contains("record")) {
        std::ofstream record(scenario.at("record").get<std::string>());
        for (const auto& command : server.commands()) {
            record << command << "\n";
        }
    }
}

}  // namespace

int main(int argc, char** argv) {
    return relaymetry::test::run_fake_program(argc, argv, "fake_smtp", serve);
}
