// The fake programs' skeleton (see fake_program.hpp).
#include "support/fake_program.hpp"

#include <pthread.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <fstream>
#include <iostream>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace relaymetry::test {

namespace {

// Blocks the stop signals before any thread starts, so that every thread inherits the mask and only
// wait_for_stop() takes them.
sigset_t block_stop_signals() {
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGTERM);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGUSR1);  // how the stdin watcher reports EOF
    pthread_sigmask(SIG_BLOCK, &signals, nullptr);
    return signals;
}

void wait_for_stop(const sigset_t& signals) {
    std::thread([] {
        char buffer[256];
        for (;;) {
            const auto count = read(STDIN_FILENO, buffer, sizeof buffer);
            if (count == 0 || (count < 0 && errno != EINTR)) {
                break;
            }
        }
        kill(getpid(), SIGUSR1);
    }).detach();  // may stay blocked in read() after a signal; the process ends anyway
    int received = 0;
    sigwait(&signals, &received);
}

LeafSpec leaf_spec_from_json(const nlohmann::json& object) {
    LeafSpec spec;
    spec.common_name = object.value("common_name", std::string("localhost"));
    spec.dns_names = object.value("dns_names", std::vector<std::string>{});
    spec.not_before_days = object.value("not_before_days", -1);
    spec.not_after_days = object.value("not_after_days", 90);
    const auto key = object.value("key", std::string("rsa2048"));
    spec.key = key == "rsa1024" ? KeyKind::rsa1024 : key == "ec-p256" ? KeyKind::ec_p256 : KeyKind::rsa2048;
    spec.digest = object.value("digest", std::string("sha256")) == "sha1" ? Digest::sha1 : Digest::sha256;
    const auto issuer = object.value("issuer", std::string("intermediate"));
    spec.issuer = issuer == "root" ? Issuer::root : issuer == "self" ? Issuer::self : Issuer::intermediate;
    spec.send_intermediate = object.value("send_intermediate", true);
    return spec;
}

std::optional<std::uint16_t> parse_port(const std::string& text) {
    unsigned value = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc{} || end != text.data() + text.size() || value > 65535) {
        return std::nullopt;
    }
    return static_cast<std::uint16_t>(value);
}

nlohmann::json parse_scenario(const std::string& text) {
    nlohmann::json scenario;
    try {
        scenario = nlohmann::json::parse(text);
    } catch (const nlohmann::json::exception& error) {
        throw std::runtime_error(std::string("scenario is not valid JSON: ") + error.what());
    }
    if (!scenario.is_object()) {
        throw std::runtime_error("scenario must be a JSON object");
    }
    return scenario;
}

}  // namespace

FakeProgram::FakeProgram(std::string text, nlohmann::json scenario, std::uint16_t port, sigset_t stop_signals)
    : m_text(std::move(text)), m_scenario(std::move(scenario)), m_port(port), m_stop_signals(stop_signals) {}

IssuedCertificate FakeProgram::issue_leaf(const nlohmann::json& spec) {
    if (!m_pki) {
        m_pki.emplace();
    }
    return m_pki->issue(leaf_spec_from_json(spec));
}

void FakeProgram::serve_until_stopped(std::uint16_t port) {
    if (m_pki) {
        std::cout << "ca_file " << m_pki->root_file().string() << "\n";
    }
    std::cout << "port " << port << std::endl;
    wait_for_stop(m_stop_signals);
}

int run_fake_program(int argc, char** argv, std::string_view name, const std::function<void(FakeProgram&)>& body,
                     PortArgument port_argument) {
    const bool port_option = port_argument == PortArgument::accepted;
    const std::string program(name);
    const auto usage = [&](const std::string& message) {
        std::cerr << program << ": " << message << "\nusage: " << program << " SCENARIO.json"
                  << (port_option ? " [--port N]" : "") << "\n";
        return 2;
    };
    std::string scenario_path;
    std::uint16_t port = 0;
    for (int i = 1; i < argc; ++i) {
        const std::string argument = argv[i];
        if (port_option && argument == "--port" && i + 1 < argc) {
            const std::string value = argv[++i];
            const auto parsed = parse_port(value);
            if (!parsed) {
                return usage("invalid port \"" + value + "\"");
            }
            port = *parsed;
        } else if (scenario_path.empty() && !argument.starts_with("--")) {
            scenario_path = argument;
        } else {
            return usage("unexpected argument \"" + argument + "\"");
        }
    }
    if (scenario_path.empty()) {
        return usage("no scenario given");
    }
    const auto signals = block_stop_signals();

    try {
        std::ifstream file(scenario_path);
        if (!file) {
            throw std::runtime_error("cannot read " + scenario_path);
        }
        std::ostringstream text;
        text << file.rdbuf();
        auto scenario = parse_scenario(text.str());
        FakeProgram fake(text.str(), std::move(scenario), port, signals);
        body(fake);
        return 0;
    } catch (const std::exception& error) {
        std::cerr << program << ": " << error.what() << "\n";
        return 2;
    }
}

TlsVersion parse_tls_version(const std::string& text) {
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

}  // namespace relaymetry::test
