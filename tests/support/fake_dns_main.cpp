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
//     {"name": "www.example.com", "type": "CNAME", "target": "example.com", "ttl": 60},
//     {"name": "_465._tcp.mail.example.com", "type": "TLSA", "usage": 3, "selector": 1, "matching_type": 1,
//      "data": "8f0c..."},                                                  // hex
//     {"name": ".", "type": "DNSKEY"},                                     // a placeholder key
//     {"name": "odd.example.com", "type": "A", "rdata_hex": "7f00000101"}  // any type: raw RDATA (5 bytes)
//   ],
//   "dnssec": [ {"zone": "example.com", "status": "insecure"} ],          // secure (the default), insecure, bogus
//   "validating": true,                                                    // false: never AD (not a validator)
//   "behaviours": [
//     {"name": "broken.example.com", "behaviour": "servfail"},            // every type
//     {"name": "example.com", "type": "TXT", "behaviour": "drop"},        // this type only
//     {"name": "slow.example.com", "behaviour": "answer", "delay_ms": 800}
//   ],
//   "delays": [ {"name": "slow.example.com", "delay_ms": 800} ],
//   "delay_ms": 0                                                          // every answer
// }
// Behaviours: answer, nxdomain, nodata, servfail, refused, drop, truncate (TC over UDP, the answer over
// TCP), truncate-loop (TC over UDP, garbage over TCP), truncate-always (TC and no records over UDP and
// TCP alike), garbage (random bytes), malformed (the query's ID, a corrupt answer). Names in strings
// may hold any byte ("\u001b"): a hostile SRV target or MX host. CNAMEs are followed as a resolver
// would (8 links at most), so two CNAMEs that point at each other play a CNAME loop. Unscripted names get NXDOMAIN; a
// known name without the type gets NODATA.

#include "support/fake_dns.hpp"
#include "support/fake_program.hpp"

namespace {

void serve(relaymetry::test::FakeProgram& program) {
    relaymetry::test::FakeDns server(program.port());
    relaymetry::test::load_dns_scenario(server, program.scenario_text());
    program.serve_until_stopped(server.port());
}

}  // namespace

int main(int argc, char** argv) {
    return relaymetry::test::run_fake_program(argc, argv, "fake_dns", serve, relaymetry::test::PortArgument::accepted);
}
