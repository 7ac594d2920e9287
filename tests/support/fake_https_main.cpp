// fake_https SCENARIO.json — the fake HTTPS server as a program, for the CLI tests and the benchmark.
//
// Prints "ca_file PATH" (only when it generated its own PKI) and then "port N" on stdout, and serves
// on 127.0.0.1:N until stdin reaches EOF or it gets SIGTERM/SIGINT.
//
// Scenario (every key optional unless stated):
// {
//   "cert": "chain.pem", "key": "key.pem",  // the certificate chain and key to serve, or instead:
//   "leaf": {                                // generate a test PKI and a leaf (root printed as ca_file)
//     "common_name": "mta-sts.example.com", "dns_names": ["mta-sts.example.com"],
//     "not_before_days": -1, "not_after_days": 90,
//     "key": "rsa2048" | "rsa1024" | "ec-p256", "digest": "sha256" | "sha1",
//     "issuer": "intermediate" | "root" | "self", "send_intermediate": true
//   },
//   "min_tls": "1.0" | "1.1" | "1.2" | "1.3", "max_tls": "1.3",
//   "ciphers": "DEFAULT:@SECLEVEL=0",        // OpenSSL cipher list for TLS 1.0-1.2
//   "silent": false,                         // accept, never answer
//   "responses": { "/.well-known/mta-sts.txt": RESPONSE, ... },
//   "response": RESPONSE                     // for any other path (default: 404)
// }
// RESPONSE: { "status": 200, "content_type": "text/plain", "body": "...", "body_size": N (N bytes of
//   "x" instead of body), "location": "...", "chunked": false, "end_chunked": true, "drip_ms": 0,
//   "stall_after_headers": false }

#include <nlohmann/json.hpp>

#include "support/fake_https.hpp"
#include "support/fake_program.hpp"

namespace {

using nlohmann::json;
using relaymetry::test::HttpsResponse;
using relaymetry::test::parse_tls_version;

HttpsResponse parse_response(const json& object) {
    HttpsResponse response;
    response.status = object.value("status", 200);
    response.content_type = object.value("content_type", std::string("text/plain"));
    response.body = object.value("body", std::string());
    if (object.contains("body_size")) {
        response.body.assign(object.at("body_size").get<std::size_t>(), 'x');
    }
    response.location = object.value("location", std::string());
    response.chunked = object.value("chunked", false);
    response.end_chunked = object.value("end_chunked", true);
    response.drip = std::chrono::milliseconds(object.value("drip_ms", 0));
    response.stall_after_headers = object.value("stall_after_headers", false);
    return response;
}

void serve(relaymetry::test::FakeProgram& program) {
    const auto& scenario = program.scenario();
    relaymetry::test::FakeHttpsOptions options;
    if (scenario.contains("leaf")) {
        const auto issued = program.issue_leaf(scenario.at("leaf"));
        options.chain_file = issued.chain_file;
        options.key_file = issued.key_file;
    } else {
        options.chain_file = scenario.value("cert", std::string());
        options.key_file = scenario.value("key", std::string());
    }
    options.min_version = parse_tls_version(scenario.value("min_tls", std::string("1.0")));
    options.max_version = parse_tls_version(scenario.value("max_tls", std::string("1.3")));
    options.ciphers = scenario.value("ciphers", options.ciphers);
    options.silent = scenario.value("silent", false);
    if (scenario.contains("responses")) {
        for (const auto& [path, response] : scenario.at("responses").items()) {
            options.responses.emplace(path, parse_response(response));
        }
    }
    if (scenario.contains("response")) {
        options.fallback = parse_response(scenario.at("response"));
    }
    relaymetry::test::FakeHttps server(std::move(options));
    program.serve_until_stopped(server.port());
}

}  // namespace

int main(int argc, char** argv) {
    return relaymetry::test::run_fake_program(argc, argv, "fake_https", serve);
}
