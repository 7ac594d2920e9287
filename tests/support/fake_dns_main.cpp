// fake_dns SCENARIO.json [--port N]
//
// Serves a scripted DNS zone on 127.0.0.1 (UDP and TCP, same port) for the CLI tests and the
// benchmark. Prints "port N" on stdout once it answers, then runs until stdin reaches EOF (keep a pipe
// open to it) or SIGTERM/SIGINT arrives. Exit status 2 for bad arguments or an invalid scenario.
//
// Scenario format (every key optional; names are case-insensitive, without or with the trailing dot):
// {
//   "records": [
//     {"name": "example.com", "type": "MX", "preference": 10, "host": "mx1.example.com"},
//     {"name": "mx1.example.com", "type": "A", "address": "127.0.0.1"},
//     {"name": "mx1.example.com", "type": "AAAA", "address": "::1"},
//     {"name": "_mta-sts.example.com", "type": "TXT", "strings": ["v=STSv1; ", "id=2026"]},  // one record
//     {"name": "_smtp._tls.example.com", "type": "TXT", "text": "v=TLSRPTv1; rua=mailto:r@example.com"},
//     {"name": "_submissions._tcp.example.com", "type": "SRV", "priority": 0, "weight": 1, "port": 465,
//      "target": "mail.example.com"},                                       // "target": "." = not offered
//     {"name": "www.example.com", "type": "CNAME", "target": "example.com", "ttl": 60}
//   ],
//   "behaviours": [
//     {"name": "broken.example.com", "behaviour": "servfail"},            // every type
//     {"name": "example.com", "type": "TXT", "behaviour": "drop"},        // this type only
//     {"name": "slow.example.com", "behaviour": "answer", "delay_ms": 800}
//   ],
//   "delays": [ {"name": "slow.example.com", "delay_ms": 800} ],
//   "delay_ms": 0                                                          // every answer
// }
// Behaviours: answer, nxdomain, nodata, servfail, refused, drop, truncate (TC over UDP, the answer over
// TCP), truncate-loop (TC over UDP, garbage over TCP), garbage (random bytes), malformed (the query's
// ID, a corrupt answer). Unscripted names get NXDOMAIN; a known name without the type gets NODATA.

#include <charconv>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>

#include "fake_dns.hpp"
#include "fake_program.hpp"

namespace {

int usage(const std::string& message) {
    std::cerr << "fake_dns: " << message << "\nusage: fake_dns SCENARIO.json [--port N]\n";
    return 2;
}

}  // namespace

int main(int argc, char** argv) {
    std::string scenario_path;
    std::uint16_t port = 0;
    for (int i = 1; i < argc; ++i) {
        const std::string argument = argv[i];
        if (argument == "--port" && i + 1 < argc) {
            const std::string value = argv[++i];
            unsigned parsed = 0;
            auto [end, error] = std::from_chars(value.data(), value.data() + value.size(), parsed);
            if (error != std::errc{} || end != value.data() + value.size() || parsed > 65535) {
                return usage("invalid port \"" + value + "\"");
            }
            port = static_cast<std::uint16_t>(parsed);
        } else if (scenario_path.empty() && !argument.starts_with("--")) {
            scenario_path = argument;
        } else {
            return usage("unexpected argument \"" + argument + "\"");
        }
    }
    if (scenario_path.empty()) {
        return usage("no scenario given");
    }
    std::ifstream file(scenario_path);
    if (!file) {
        return usage("cannot read " + scenario_path);
    }
    std::ostringstream text;
    text << file.rdbuf();

    const auto signals = relaymetry::test::block_stop_signals();

    try {
        relaymetry::test::FakeDns server(port);
        relaymetry::test::load_dns_scenario(server, text.str());
        std::cout << "port " << server.port() << std::endl;

        relaymetry::test::wait_for_stop(signals);
    } catch (const std::exception& error) {
        std::cerr << "fake_dns: " << error.what() << "\n";
        return 2;
    }
    return 0;
}
