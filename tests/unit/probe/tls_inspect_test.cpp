// inspect_session against the fake HTTPS server on loopback, one certificate defect per case.

#include <catch2/catch.hpp>

#include <array>
#include <chrono>
#include <fstream>
#include <optional>

#include <openssl/sha.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/tcp_stream.hpp>

#include "relaymetry/core/constants.hpp"
#include "relaymetry/probe/tls.hpp"
#include "support/fake_https.hpp"
#include "support/test_pki.hpp"

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
using relaymetry::TlsFacts;
using relaymetry::probe::HandshakeProfile;
using relaymetry::probe::TlsClientOptions;
using relaymetry::probe::TlsContexts;
using namespace relaymetry::test;

struct Handshake {
    std::string error;  // empty when the handshake completed
    TlsFacts facts;
};

using SystemTime = std::chrono::system_clock::time_point;

asio::awaitable<Handshake> connect_and_inspect(asio::ssl::context* context, std::uint16_t port, std::string host,
                                               SystemTime now) {
    Handshake result;
    auto executor = co_await asio::this_coro::executor;
    asio::ssl::stream<beast::tcp_stream> stream(beast::tcp_stream(executor), *context);
    beast::get_lowest_layer(stream).expires_after(std::chrono::seconds(10));
    boost::system::error_code error;
    co_await beast::get_lowest_layer(stream).async_connect(
        asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), port),
        asio::redirect_error(asio::use_awaitable, error));
    if (error) {
        result.error = "connect: " + error.message();
        co_return result;
    }
    relaymetry::probe::prepare_client(stream.native_handle(), host);
    co_await stream.async_handshake(asio::ssl::stream_base::client, asio::redirect_error(asio::use_awaitable, error));
    if (error) {
        result.error = "handshake: " + error.message();
        co_return result;
    }
    result.facts = relaymetry::probe::inspect_session(stream.native_handle(), host, now);
    co_return result;
}

void store(std::optional<Handshake>* out, std::exception_ptr error, Handshake result) {
    if (!error) {
        *out = std::move(result);
    }
}

Handshake handshake(TlsContexts& contexts, HandshakeProfile profile, const FakeHttps& server, const std::string& host,
                    SystemTime now = std::chrono::system_clock::now()) {
    asio::io_context io;
    std::optional<Handshake> out;
    asio::co_spawn(io, connect_and_inspect(&contexts.get(profile), server.port(), host, now),
                   [&out](std::exception_ptr error, Handshake result) { store(&out, error, std::move(result)); });
    io.run();
    REQUIRE(out.has_value());
    return *out;
}

FakeHttpsOptions serve(const IssuedCertificate& issued) {
    FakeHttpsOptions options;
    options.chain_file = issued.chain_file;
    options.key_file = issued.key_file;
    return options;
}

LeafSpec leaf_for(const std::string& name) {
    LeafSpec spec;
    spec.common_name = name;
    spec.dns_names = {name};
    return spec;
}

// The facts of one certificate case, through the diagnostic profile so that weak certificates
// still complete the handshake.
relaymetry::CertificateFacts certificate_case(TestPki& pki, const LeafSpec& spec, const std::string& host,
                                              SystemTime now = std::chrono::system_clock::now()) {
    FakeHttps server(serve(pki.issue(spec)));
    TlsContexts contexts(TlsClientOptions{pki.root_file().string()});
    const Handshake result = handshake(contexts, HandshakeProfile::diagnostic, server, host, now);
    REQUIRE(result.error.empty());
    REQUIRE(result.facts.certificate.has_value());
    return *result.facts.certificate;
}

// The reason and the prose of a verification failure (the renderers' words).
std::string text_of(const std::optional<relaymetry::VerifyFailure>& failure, const std::string& host) {
    return failure ? relaymetry::describe(*failure, host) : std::string();
}

}  // namespace

TEST_CASE("a valid chain: TLS 1.3, every certificate fact filled") {
    TestPki pki;
    FakeHttps server(serve(pki.issue(leaf_for("mail.example.test"))));
    TlsContexts contexts(TlsClientOptions{pki.root_file().string()});
    const Handshake result = handshake(contexts, HandshakeProfile::modern, server, "mail.example.test");
    REQUIRE(result.error.empty());
    const TlsFacts& tls = result.facts;
    CHECK(tls.version == relaymetry::TlsVersion::tls1_3);
    CHECK(tls.tls13_supported);
    CHECK(tls.forward_secrecy);
    CHECK_FALSE(tls.weak_cipher.has_value());
    CHECK(tls.cipher.rfind("TLS_", 0) == 0);
    CHECK(tls.cipher_iana == tls.cipher);  // TLS 1.3 suites have one name
    REQUIRE(tls.certificate.has_value());
    const auto& cert = *tls.certificate;
    CHECK(cert.chain_valid);
    CHECK_FALSE(cert.verify_error.has_value());
    CHECK_FALSE(cert.trust_error.has_value());
    CHECK(cert.name_match);
    CHECK(cert.leaf.subject == "CN=mail.example.test,O=Relaymetry Tests");
    CHECK(cert.leaf.issuer.find("CN=Relaymetry Test Intermediate") == 0);
    CHECK(cert.leaf.san == std::vector<std::string>{"mail.example.test"});
    CHECK(cert.leaf.not_after - cert.leaf.not_before == 91 * 24 * 3600);
    const auto now =
        std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
    CHECK(cert.leaf.not_before < now);
    CHECK(cert.leaf.not_after > now);
    CHECK(cert.leaf.key.algorithm == relaymetry::KeyAlgorithm::rsa);
    CHECK(cert.leaf.key.bits == 2048);
    CHECK(display_name(cert.leaf.key) == "RSA-2048");
    CHECK(cert.leaf.signature == "sha256WithRSAEncryption");
    CHECK(cert.leaf.signature_digest == relaymetry::SignatureDigest::sha256);
    CHECK_FALSE(cert.leaf.self_signed);
    REQUIRE(cert.intermediates.size() == 1);
    CHECK(cert.intermediates[0].subject.find("CN=Relaymetry Test Intermediate") == 0);
    CHECK(cert.intermediates[0].signature == "ecdsa-with-SHA256");  // the root's key is EC
}

TEST_CASE("expired and not-yet-valid certificates fail verification but are trusted") {
    TestPki pki;
    LeafSpec expired = leaf_for("mail.example.test");
    expired.not_before_days = -60;
    expired.not_after_days = -1;
    const auto old = certificate_case(pki, expired, "mail.example.test");
    CHECK_FALSE(old.chain_valid);
    REQUIRE(old.verify_error);
    CHECK(old.verify_error->reason == relaymetry::VerifyError::expired);
    CHECK(text_of(old.verify_error, "mail.example.test") == "certificate has expired");
    CHECK_FALSE(old.trust_error.has_value());
    CHECK(old.name_match);

    LeafSpec future = leaf_for("mail.example.test");
    future.not_before_days = 2;
    const auto early = certificate_case(pki, future, "mail.example.test");
    CHECK_FALSE(early.chain_valid);
    REQUIRE(early.verify_error);
    CHECK(early.verify_error->reason == relaymetry::VerifyError::not_yet_valid);
    CHECK(text_of(early.verify_error, "mail.example.test") == "certificate is not yet valid");
    CHECK_FALSE(early.trust_error.has_value());
}

TEST_CASE("verification judges dates at the check's own now, not the system clock") {
    TestPki pki;
    LeafSpec spec = leaf_for("mail.example.test");
    spec.not_after_days = 5;
    using namespace std::chrono;
    const auto in_a_week = system_clock::now() + hours(24 * 7);
    const auto later = certificate_case(pki, spec, "mail.example.test", in_a_week);
    CHECK_FALSE(later.chain_valid);
    REQUIRE(later.verify_error);
    CHECK(later.verify_error->reason == relaymetry::VerifyError::expired);
    // The path itself (dates ignored) is still trusted.
    CHECK_FALSE(later.trust_error.has_value());

    LeafSpec fresh = leaf_for("mail.example.test");
    fresh.not_before_days = -1;
    const auto two_days_ago = system_clock::now() - hours(48);
    const auto before = certificate_case(pki, fresh, "mail.example.test", two_days_ago);
    REQUIRE(before.verify_error);
    CHECK(before.verify_error->reason == relaymetry::VerifyError::not_yet_valid);
}

TEST_CASE("every certificate carries its DER and the digests of the DER and of its public key") {
    TestPki pki;
    const auto cert = certificate_case(pki, leaf_for("mail.example.test"), "mail.example.test");
    for (const auto* info : {&cert.leaf, &cert.intermediates.at(0)}) {
        CHECK_FALSE(info->der.empty());
        CHECK(info->sha256.size() == 64);
        CHECK(info->spki_sha256.size() == 64);
        CHECK(info->spki_sha512.size() == 128);
        CHECK(info->sha256.find_first_not_of("0123456789abcdef") == std::string::npos);
        CHECK(info->sha256 != info->spki_sha256);
    }
    CHECK(cert.leaf.sha256 != cert.intermediates[0].sha256);
    // An independent computation over the DER the facts keep.
    std::array<unsigned char, 32> digest{};
    SHA256(cert.leaf.der.data(), cert.leaf.der.size(), digest.data());
    std::string hex;
    for (auto byte : digest) {
        static constexpr char k_digits[] = "0123456789abcdef";
        hex += k_digits[byte >> 4];
        hex += k_digits[byte & 0x0F];
    }
    CHECK(hex == cert.leaf.sha256);
}

TEST_CASE("a certificate expiring in 5 days is still valid") {
    TestPki pki;
    LeafSpec spec = leaf_for("mail.example.test");
    spec.not_after_days = 5;
    const auto cert = certificate_case(pki, spec, "mail.example.test");
    CHECK(cert.chain_valid);
    CHECK_FALSE(cert.verify_error.has_value());
}

TEST_CASE("a certificate for another name: name mismatch, chain otherwise trusted") {
    TestPki pki;
    const auto cert = certificate_case(pki, leaf_for("other.example.test"), "mail.example.test");
    CHECK_FALSE(cert.chain_valid);
    CHECK_FALSE(cert.name_match);
    REQUIRE(cert.verify_error);
    CHECK(cert.verify_error->reason == relaymetry::VerifyError::name_mismatch);
    CHECK(text_of(cert.verify_error, "mail.example.test") ==
          "certificate does not match the host name mail.example.test");
    CHECK_FALSE(cert.trust_error.has_value());
}

TEST_CASE("a CN-only certificate matches through its CN") {
    TestPki pki;
    LeafSpec spec;
    spec.common_name = "mail.example.test";
    const auto cert = certificate_case(pki, spec, "mail.example.test");
    CHECK(cert.leaf.san.empty());
    CHECK(cert.name_match);
    CHECK(cert.chain_valid);
}

TEST_CASE("the CN is ignored when a DNS SAN is present") {
    TestPki pki;
    LeafSpec spec;
    spec.common_name = "mail.example.test";
    spec.dns_names = {"smtp.example.test"};
    const auto cert = certificate_case(pki, spec, "mail.example.test");
    CHECK_FALSE(cert.name_match);
}

TEST_CASE("an IP address SAN matches an IP literal host") {
    TestPki pki;
    LeafSpec spec = leaf_for("127.0.0.1");
    const auto cert = certificate_case(pki, spec, "127.0.0.1");
    CHECK(cert.leaf.san == std::vector<std::string>{"127.0.0.1"});
    CHECK(cert.name_match);
    CHECK(cert.chain_valid);
}

TEST_CASE("a self-signed certificate is untrusted") {
    TestPki pki;
    LeafSpec spec = leaf_for("mail.example.test");
    spec.issuer = Issuer::self;
    const auto cert = certificate_case(pki, spec, "mail.example.test");
    CHECK(cert.leaf.self_signed);
    CHECK_FALSE(cert.chain_valid);
    REQUIRE(cert.verify_error.has_value());
    CHECK(cert.verify_error->reason == relaymetry::VerifyError::self_signed);
    CHECK(text_of(cert.verify_error, "mail.example.test").find("self-signed") != std::string::npos);
    REQUIRE(cert.trust_error.has_value());
    CHECK(cert.trust_error->reason == relaymetry::VerifyError::self_signed);
    CHECK(text_of(cert.trust_error, "mail.example.test").find("self-signed") != std::string::npos);
}

TEST_CASE("a missing intermediate: untrusted, and the message names both causes") {
    TestPki pki;
    LeafSpec spec = leaf_for("mail.example.test");
    spec.send_intermediate = false;
    const auto cert = certificate_case(pki, spec, "mail.example.test");
    CHECK(cert.intermediates.empty());
    CHECK_FALSE(cert.chain_valid);
    REQUIRE(cert.trust_error.has_value());
    CHECK(cert.trust_error->reason == relaymetry::VerifyError::missing_intermediate);
    CHECK(text_of(cert.trust_error, "mail.example.test").find("unknown") != std::string::npos);
    CHECK(text_of(cert.trust_error, "mail.example.test").find("intermediate") != std::string::npos);
}

TEST_CASE("a certificate from an unknown CA is untrusted") {
    TestPki pki;
    TestPki stranger;
    FakeHttps server(serve(stranger.issue(leaf_for("mail.example.test"))));
    TlsContexts contexts(TlsClientOptions{pki.root_file().string()});
    const Handshake result = handshake(contexts, HandshakeProfile::modern, server, "mail.example.test");
    REQUIRE(result.error.empty());
    REQUIRE(result.facts.certificate.has_value());
    const auto& cert = *result.facts.certificate;
    CHECK_FALSE(cert.chain_valid);
    CHECK(cert.name_match);
    REQUIRE(cert.trust_error.has_value());
    // The stranger's chain is sent whole: its intermediate's issuer is the unknown CA.
    CHECK(cert.trust_error->reason == relaymetry::VerifyError::unknown_issuer);
    CHECK(text_of(cert.trust_error, "mail.example.test").find("unable to get local issuer certificate") == 0);
}

TEST_CASE("RSA-1024 fails at the clients' security level but the path is trusted") {
    TestPki pki;
    LeafSpec spec = leaf_for("mail.example.test");
    spec.key = KeyKind::rsa1024;
    const auto cert = certificate_case(pki, spec, "mail.example.test");
    CHECK(display_name(cert.leaf.key) == "RSA-1024");
    CHECK(is_weak(cert.leaf.key));
    CHECK_FALSE(cert.chain_valid);
    REQUIRE(cert.verify_error.has_value());
    CHECK(cert.verify_error->reason == relaymetry::VerifyError::weak_key);
    CHECK(text_of(cert.verify_error, "mail.example.test").find("too small") != std::string::npos);
    CHECK_FALSE(cert.trust_error.has_value());
}

TEST_CASE("a SHA-1 signature fails at the clients' security level but the path is trusted") {
    TestPki pki;
    LeafSpec spec = leaf_for("mail.example.test");
    spec.digest = Digest::sha1;
    const auto cert = certificate_case(pki, spec, "mail.example.test");
    CHECK(cert.leaf.signature == "sha1WithRSAEncryption");
    CHECK(cert.leaf.signature_digest == relaymetry::SignatureDigest::sha1);
    CHECK_FALSE(cert.chain_valid);
    REQUIRE(cert.verify_error.has_value());
    CHECK(cert.verify_error->reason == relaymetry::VerifyError::weak_digest);
    CHECK(text_of(cert.verify_error, "mail.example.test").find("weak digest") != std::string::npos);
    CHECK_FALSE(cert.trust_error.has_value());
}

TEST_CASE("an EC P-256 key is described as EC-P256") {
    TestPki pki;
    LeafSpec spec = leaf_for("mail.example.test");
    spec.key = KeyKind::ec_p256;
    const auto cert = certificate_case(pki, spec, "mail.example.test");
    CHECK(cert.leaf.key.algorithm == relaymetry::KeyAlgorithm::ec);
    CHECK(cert.leaf.key.bits == 256);
    CHECK(display_name(cert.leaf.key) == "EC-P256");
    CHECK_FALSE(is_weak(cert.leaf.key));
    CHECK(cert.chain_valid);
}

TEST_CASE("the system store does not trust the test root") {
    TestPki pki;
    FakeHttps server(serve(pki.issue(leaf_for("mail.example.test"))));
    TlsContexts contexts(TlsClientOptions{});
    const Handshake result = handshake(contexts, HandshakeProfile::modern, server, "mail.example.test");
    REQUIRE(result.error.empty());
    REQUIRE(result.facts.certificate.has_value());
    CHECK_FALSE(result.facts.certificate->chain_valid);
    CHECK(result.facts.certificate->trust_error.has_value());
}

TEST_CASE("an unreadable CA file is an error at construction") {
    CHECK_THROWS_AS(TlsContexts(TlsClientOptions{"/nonexistent/ca.pem"}), std::runtime_error);
}

TEST_CASE("a TLS 1.2-only server negotiates TLS 1.2 with an ECDHE suite") {
    TestPki pki;
    FakeHttpsOptions options = serve(pki.issue(leaf_for("mail.example.test")));
    options.max_version = TlsVersion::tls1_2;
    FakeHttps server(options);
    TlsContexts contexts(TlsClientOptions{pki.root_file().string()});
    const Handshake result = handshake(contexts, HandshakeProfile::modern, server, "mail.example.test");
    REQUIRE(result.error.empty());
    CHECK(result.facts.version == relaymetry::TlsVersion::tls1_2);
    CHECK_FALSE(result.facts.tls13_supported);
    CHECK(result.facts.cipher.rfind("ECDHE-", 0) == 0);
    CHECK(result.facts.cipher_iana.rfind("TLS_ECDHE_", 0) == 0);
    CHECK(result.facts.forward_secrecy);
    CHECK_FALSE(result.facts.weak_cipher.has_value());
}

TEST_CASE("a suite with RSA key exchange has no forward secrecy") {
    TestPki pki;
    FakeHttpsOptions options = serve(pki.issue(leaf_for("mail.example.test")));
    options.max_version = TlsVersion::tls1_2;
    options.ciphers = "AES128-SHA:@SECLEVEL=0";
    FakeHttps server(options);
    TlsContexts contexts(TlsClientOptions{pki.root_file().string()});
    const Handshake result = handshake(contexts, HandshakeProfile::diagnostic, server, "mail.example.test");
    REQUIRE(result.error.empty());
    CHECK(result.facts.cipher == "AES128-SHA");
    CHECK(result.facts.cipher_iana == "TLS_RSA_WITH_AES_128_CBC_SHA");
    CHECK_FALSE(result.facts.forward_secrecy);
    CHECK(result.facts.weak_cipher == relaymetry::CipherWeakness::no_forward_secrecy);
}

TEST_CASE("the legacy-only profile: accepted by a TLS 1.0 server, refused by a TLS 1.2-only one") {
    TestPki pki;
    const auto issued = pki.issue(leaf_for("mail.example.test"));
    TlsContexts contexts(TlsClientOptions{pki.root_file().string()});

    FakeHttpsOptions old_options = serve(issued);
    old_options.max_version = TlsVersion::tls1_0;
    FakeHttps old_server(old_options);
    const Handshake old_result = handshake(contexts, HandshakeProfile::legacy_only, old_server, "mail.example.test");
    REQUIRE(old_result.error.empty());
    CHECK(old_result.facts.version == relaymetry::TlsVersion::tls1_0);

    FakeHttpsOptions new_options = serve(issued);
    new_options.min_version = TlsVersion::tls1_2;
    FakeHttps new_server(new_options);
    const Handshake new_result = handshake(contexts, HandshakeProfile::legacy_only, new_server, "mail.example.test");
    CHECK_FALSE(new_result.error.empty());
}

TEST_CASE("the modern profile refuses a TLS 1.0-only server; the diagnostic profile gets TLS 1.0") {
    TestPki pki;
    FakeHttpsOptions options = serve(pki.issue(leaf_for("mail.example.test")));
    options.max_version = TlsVersion::tls1_0;
    FakeHttps server(options);
    TlsContexts contexts(TlsClientOptions{pki.root_file().string()});
    CHECK_FALSE(handshake(contexts, HandshakeProfile::modern, server, "mail.example.test").error.empty());
    const Handshake result = handshake(contexts, HandshakeProfile::diagnostic, server, "mail.example.test");
    REQUIRE(result.error.empty());
    CHECK(result.facts.version == relaymetry::TlsVersion::tls1_0);
    REQUIRE(result.facts.certificate.has_value());
    CHECK(result.facts.certificate->chain_valid);
}

// docs/cli.md "Limits": a chain of 21 is counted in full, but only its first 10 are described and verified.
TEST_CASE("a chain longer than ten certificates: all counted, the first ten kept and verified") {
    TestPki pki;
    const auto issued = pki.issue(leaf_for("mail.example.test"));
    std::string chain = issued.chain_pem;  // the leaf and the intermediate
    for (int i = 0; i < 19; ++i) {
        auto filler = leaf_for("filler" + std::to_string(i) + ".example.test");
        filler.key = KeyKind::ec_p256;
        filler.send_intermediate = false;
        chain += pki.issue(filler).chain_pem;
    }
    const auto long_chain = issued.chain_file.parent_path() / "long-chain.pem";
    std::ofstream(long_chain) << chain;
    FakeHttpsOptions options = serve(issued);
    options.chain_file = long_chain;
    FakeHttps server(options);
    TlsContexts contexts(TlsClientOptions{pki.root_file().string()});
    const Handshake result = handshake(contexts, HandshakeProfile::modern, server, "mail.example.test");
    REQUIRE(result.error.empty());
    REQUIRE(result.facts.certificate.has_value());
    const auto& cert = *result.facts.certificate;
    CHECK(cert.certificates_sent == 21);
    REQUIRE(cert.intermediates.size() == relaymetry::k_max_chain_certificates - 1);
    CHECK(cert.intermediates[0].subject.find("CN=Relaymetry Test Intermediate") == 0);
    CHECK(cert.intermediates[1].subject.find("CN=filler0.example.test") == 0);
    CHECK(cert.chain_valid);  // the path (leaf, intermediate) is among the ten kept
}

TEST_CASE("an ordinary chain is counted too: leaf and intermediate") {
    TestPki pki;
    FakeHttps server(serve(pki.issue(leaf_for("mail.example.test"))));
    TlsContexts contexts(TlsClientOptions{pki.root_file().string()});
    const Handshake result = handshake(contexts, HandshakeProfile::modern, server, "mail.example.test");
    REQUIRE(result.facts.certificate.has_value());
    CHECK(result.facts.certificate->certificates_sent == 2);
}
