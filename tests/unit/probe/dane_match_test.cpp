// TLSA matching (policy/dane) against real certificates of the test PKI, described by the probe's own
// describe_certificate: every usage, selector and matching type, and the records that must not match.
// The expected digests are computed here with OpenSSL directly, not read from the described facts.
#include <catch2/catch.hpp>

#include <memory>
#include <string>
#include <vector>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "relaymetry/policy/dane.hpp"
#include "relaymetry/probe/certificate.hpp"
#include "support/test_pki.hpp"

using namespace relaymetry;

namespace {

struct X509Free {
    void operator()(X509* cert) const { X509_free(cert); }
};
using X509Ptr = std::unique_ptr<X509, X509Free>;

// The certificates of a PEM chain, in order.
std::vector<X509Ptr> read_chain(const std::string& pem) {
    std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), BIO_free);
    std::vector<X509Ptr> chain;
    while (X509* cert = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)) {
        chain.emplace_back(cert);
    }
    return chain;
}

std::vector<std::uint8_t> der(X509* cert, bool public_key) {
    unsigned char* out = nullptr;
    const int size = public_key ? i2d_X509_PUBKEY(X509_get_X509_PUBKEY(cert), &out) : i2d_X509(cert, &out);
    std::vector<std::uint8_t> bytes(out, out + size);
    OPENSSL_free(out);
    return bytes;
}

std::vector<std::uint8_t> digest(const std::vector<std::uint8_t>& bytes, const EVP_MD* md) {
    std::vector<std::uint8_t> out(EVP_MAX_MD_SIZE);
    unsigned size = 0;
    EVP_Digest(bytes.data(), bytes.size(), out.data(), &size, md, nullptr);
    out.resize(size);
    return out;
}

// usage, selector, matching type over `cert`'s own bytes.
TlsaRecord record_for(X509* cert, std::uint8_t usage, std::uint8_t selector, std::uint8_t matching_type) {
    const auto bytes = der(cert, selector == 1);
    TlsaRecord record{usage, selector, matching_type, bytes};
    if (matching_type == 1) {
        record.data = digest(bytes, EVP_sha256());
    } else if (matching_type == 2) {
        record.data = digest(bytes, EVP_sha512());
    }
    return record;
}

struct Served {
    test::TestPki pki;
    std::vector<X509Ptr> chain;
    CertificateFacts facts;

    explicit Served(test::LeafSpec spec = {"mail.example.com", {"mail.example.com"}}) {
        chain = read_chain(pki.issue(spec).chain_pem);
        REQUIRE(chain.size() == 2);
        facts.leaf = probe::describe_certificate(chain[0].get());
        facts.intermediates.push_back(probe::describe_certificate(chain[1].get()));
        facts.chain_valid = true;
        facts.name_match = true;
    }

    // The (record, certificate) pairs that match, for records without problems at port 465.
    std::vector<std::pair<std::size_t, std::size_t>> matches(const std::vector<TlsaRecord>& records) const {
        std::vector<TlsaProblem> problems;
        for (const auto& record : records) {
            problems.push_back(policy::tlsa_problem(record, 465));
        }
        std::vector<std::pair<std::size_t, std::size_t>> out;
        for (const auto& match : policy::check_chain(records, problems, "192.0.2.1", &facts).matches) {
            out.emplace_back(match.record, match.certificate);
        }
        return out;
    }
};

using Pairs = std::vector<std::pair<std::size_t, std::size_t>>;

}  // namespace

TEST_CASE("dane match: DANE-EE with every selector and matching type matches the leaf") {
    Served served;
    X509* leaf = served.chain[0].get();
    std::vector<TlsaRecord> records;
    for (std::uint8_t selector = 0; selector < 2; ++selector) {
        for (std::uint8_t type = 0; type < 3; ++type) {
            records.push_back(record_for(leaf, 3, selector, type));
        }
    }
    CHECK(served.matches(records) == Pairs{{0, 0}, {1, 0}, {2, 0}, {3, 0}, {4, 0}, {5, 0}});
}

TEST_CASE("dane match: DANE-EE is the leaf only; DANE-TA a certificate sent above it") {
    Served served;
    X509* leaf = served.chain[0].get();
    X509* intermediate = served.chain[1].get();
    CHECK(served.matches({record_for(intermediate, 3, 1, 1)}).empty());
    CHECK(served.matches({record_for(intermediate, 2, 1, 1)}) == Pairs{{0, 1}});
    CHECK(served.matches({record_for(intermediate, 2, 0, 2)}) == Pairs{{0, 1}});
    CHECK(served.matches({record_for(leaf, 2, 1, 1)}).empty());
    served.facts.name_match = false;  // DANE-TA checks the name (RFC 7671 §5.2.2), DANE-EE does not
    CHECK(served.matches({record_for(intermediate, 2, 1, 1)}).empty());
    CHECK(served.matches({record_for(leaf, 3, 1, 1)}) == Pairs{{0, 0}});
}

TEST_CASE("dane match: DANE-EE ignores the dates; PKIX usages need the chain to validate") {
    Served expired({"mail.example.com", {"mail.example.com"}, -60, -1});
    X509* leaf = expired.chain[0].get();
    X509* intermediate = expired.chain[1].get();
    expired.facts.chain_valid = false;  // what the probe concludes for an expired leaf
    CHECK(expired.matches({record_for(leaf, 3, 1, 1)}) == Pairs{{0, 0}});
    CHECK(expired.matches({record_for(leaf, 1, 1, 1), record_for(intermediate, 0, 1, 1)}).empty());
    expired.facts.chain_valid = true;
    CHECK(expired.matches({record_for(leaf, 1, 1, 1), record_for(intermediate, 0, 1, 1)}) == Pairs{{0, 0}, {1, 1}});
}

TEST_CASE("dane match: another key does not match; no chain, nothing matches") {
    Served served;
    test::LeafSpec new_key{"mail.example.com", {"mail.example.com"}};
    new_key.key = test::KeyKind::ec_p256;  // the PKI reuses its RSA key: a renewal with a new key
    Served renewed(new_key);
    const auto old_record = record_for(served.chain[0].get(), 3, 1, 1);
    CHECK(renewed.matches({old_record}).empty());
    const auto check = policy::check_chain({old_record}, {TlsaProblem::none}, "192.0.2.1", nullptr);
    CHECK_FALSE(check.chain_seen);
    CHECK(check.matches.empty());
}

TEST_CASE("dane problems: unknown fields are unusable, PKIX is unusable for an MX, bad lengths are invalid") {
    const std::vector<std::uint8_t> sha256(32, 1);
    const std::vector<std::uint8_t> sha512(64, 1);
    CHECK(policy::tlsa_problem({3, 1, 1, sha256}, 465) == TlsaProblem::none);
    CHECK(policy::tlsa_problem({3, 1, 2, sha512}, 25) == TlsaProblem::none);
    CHECK(policy::tlsa_problem({2, 0, 0, {0x30, 0x82}}, 25) == TlsaProblem::none);
    CHECK(policy::tlsa_problem({4, 1, 1, sha256}, 465) == TlsaProblem::unknown_usage);
    CHECK(policy::tlsa_problem({3, 2, 1, sha256}, 465) == TlsaProblem::unknown_selector);
    CHECK(policy::tlsa_problem({3, 1, 3, sha256}, 465) == TlsaProblem::unknown_matching_type);
    CHECK(policy::tlsa_problem({1, 1, 1, sha256}, 25) == TlsaProblem::pkix_usage_for_mx);
    CHECK(policy::tlsa_problem({0, 1, 1, sha256}, 25) == TlsaProblem::pkix_usage_for_mx);
    CHECK(policy::tlsa_problem({1, 1, 1, sha256}, 587) == TlsaProblem::none);  // PKIX is valid for submission
    CHECK(policy::tlsa_problem({3, 1, 1, std::vector<std::uint8_t>(20, 1)}, 465) == TlsaProblem::wrong_length);
    CHECK(policy::tlsa_problem({3, 1, 2, sha256}, 465) == TlsaProblem::wrong_length);
    CHECK(policy::tlsa_problem({3, 1, 0, {}}, 465) == TlsaProblem::empty_data);
}

TEST_CASE("dane judge: problems per record, and records with problems never match") {
    Served served;
    DaneFacts dane;
    dane.port = 465;
    auto good = record_for(served.chain[0].get(), 3, 1, 1);
    auto truncated = good;
    truncated.data.resize(20);
    dane.records = {truncated, good};
    AddressProbe probe;
    probe.address = "192.0.2.1";
    probe.tls = TlsFacts{};
    probe.tls->certificate = served.facts;
    policy::judge_dane(dane, {probe});
    CHECK(dane.problems == std::vector<TlsaProblem>{TlsaProblem::wrong_length, TlsaProblem::none});
    REQUIRE(dane.addresses.size() == 1);
    REQUIRE(dane.addresses[0].matches.size() == 1);
    CHECK(dane.addresses[0].matches[0].record == 1);
}
