#include "fake_program.hpp"

#include <pthread.h>
#include <unistd.h>

#include <cerrno>
#include <thread>

namespace relaymetry::test {

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

}  // namespace relaymetry::test
