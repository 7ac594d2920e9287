#pragma once
// The skeleton every fake program (fake_dns, fake_smtp, fake_https) shares. The CLI tests
// (tests/cli/harness.py) and the benchmark (bench/run) start one as `NAME SCENARIO.json`, read
// "ca_file PATH" (only when it made its own test PKI) and then "port N" from its stdout, and stop it by
// closing its stdin or with SIGTERM/SIGINT. A program's main keeps only its scenario-to-config mapping.

#include <signal.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "support/test_pki.hpp"
#include "support/tls_server.hpp"

namespace relaymetry::test {

// Whether a program takes `--port N` (a fixed port instead of an ephemeral one).
enum class PortArgument { none, accepted };

// What a program's body gets from run_fake_program.
class FakeProgram {
public:
    const std::string& scenario_text() const { return m_text; }    // as read, for parsers of their own
    const nlohmann::json& scenario() const { return m_scenario; }  // always a JSON object
    std::uint16_t port() const { return m_port; }                  // --port N; 0 = ephemeral (and without the option)

    // A leaf described by a scenario's "leaf" object: common_name, dns_names, not_before_days,
    // not_after_days, key ("rsa2048" | "rsa1024" | "ec-p256"), digest ("sha256" | "sha1"),
    // issuer ("intermediate" | "root" | "self"), send_intermediate. The first call makes the test PKI
    // whose root is printed as ca_file; it lives until the program ends.
    IssuedCertificate issue_leaf(const nlohmann::json& spec);

    // Prints "ca_file PATH" (when issue_leaf made a PKI) and "port N", then returns once stdin reaches
    // EOF (the test closed its pipe) or a stop signal arrives.
    void serve_until_stopped(std::uint16_t port);

private:
    friend int run_fake_program(int argc, char** argv, std::string_view name,
                                const std::function<void(FakeProgram&)>& body, PortArgument port_argument);
    FakeProgram(std::string text, nlohmann::json scenario, std::uint16_t port, sigset_t stop_signals);

    std::string m_text;
    nlohmann::json m_scenario;
    std::uint16_t m_port;
    sigset_t m_stop_signals;
    std::optional<TestPki> m_pki;
};

// The whole of a fake program's main: parses `NAME SCENARIO.json` (and `--port N` if accepted),
// reads the scenario and runs `body`, which starts the server and calls serve_until_stopped. Returns the
// exit status: 0, or 2 with a message on stderr for bad arguments, an unreadable or invalid scenario, or
// anything `body` throws.
int run_fake_program(int argc, char** argv, std::string_view name, const std::function<void(FakeProgram&)>& body,
                     PortArgument port_argument = PortArgument::none);

// "1.0" ... "1.3" (a scenario's min_tls and max_tls); throws std::runtime_error for anything else.
TlsVersion parse_tls_version(const std::string& text);

}  // namespace relaymetry::test
