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

#include <fstream>
#include <iostream>
#include <optional>

#include <nlohmann/json.hpp>

#include "support/fake_https.hpp"
#include "support/fake_program.hpp"
#include "support/test_pki.hpp"

namespace {

using nlohmann::json;
using relaymetry::test::HttpsResponse;
using relaymetry::test::TlsVersion;

TlsVersion parse_version(const std::string& text) {
    if (text == "1.0") {
        return TlsVersion::tls1_0;
    }
    if (text == "1.1") {
        return TlsVersion::tls1_1;
    }
    if (text == "1.2") {
        return TlsVersion::tls1_2;
    }
    if (text == "1.3") {
        return TlsVersion::tls1_3;
    }
    throw std::runtime_error("unknown TLS version " + text);
}

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

}  // namespace

int main(int argc, char** argv) {
    if (argc != 2) {
        std::cerr << "usage: fake_https SCENARIO.json\n";
        return 2;
    }
    const auto signals = relaymetry::test::block_stop_signals();

    try {
        std::ifstream file(argv[1]);
        if (!file) {
            std::cerr << "fake_https: cannot read " << argv[1] << "\n";
            return 2;
        }
        const json scenario = json::parse(file);
        relaymetry::test::FakeHttpsOptions options;
        std::optional<relaymetry::test::TestPki> pki;
        if (scenario.contains("leaf")) {
            pki.emplace();
            const auto issued = pki->issue(relaymetry::test::leaf_spec_from_json(scenario.at("leaf")));
            options.chain_file = issued.chain_file;
            options.key_file = issued.key_file;
        } else {
            options.chain_file = scenario.value("cert", std::string());
            options.key_file = scenario.value("key", std::string());
        }
        options.min_version = parse_version(scenario.value("min_tls", std::string("1.0")));
        options.max_version = parse_version(scenario.value("max_tls", std::string("1.3")));
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
        if (pki) {
            std::cout << "ca_file " << pki->root_file().string() << "\n";
        }
        std::cout << "port " << server.port() << std::endl;

        relaymetry::test::wait_for_stop(signals);
        return 0;
    } catch (const std::exception& error) {
        std::cerr << "fake_https: " << error.what() << "\n";
        return 2;
    }
}
