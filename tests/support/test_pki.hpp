#pragma once
// A PKI generated when a test starts (no certificate fixtures are committed): a root CA, an
// intermediate, and leaves made to order. Files are written under a fresh temporary directory.

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace relaymetry::test {

enum class KeyKind { rsa2048, rsa1024, ec_p256 };
enum class Digest { sha256, sha1 };
enum class Issuer { intermediate, root, self };

struct LeafSpec {
    std::string common_name;
    std::vector<std::string> dns_names;  // subjectAltName; empty = no SAN extension (CN only)
    int not_before_days = -1;            // relative to now
    int not_after_days = 90;
    KeyKind key = KeyKind::rsa2048;
    Digest digest = Digest::sha256;
    Issuer issuer = Issuer::intermediate;
    bool send_intermediate = true;  // false = the server omits the intermediate
};

struct IssuedCertificate {
    std::filesystem::path chain_file;  // leaf (+ intermediate when sent), PEM
    std::filesystem::path key_file;    // PEM
    std::string chain_pem;
    std::string key_pem;
};

class TestPki {
public:
    TestPki();  // generates the root and the intermediate
    ~TestPki();
    TestPki(const TestPki&) = delete;
    TestPki& operator=(const TestPki&) = delete;

    const std::filesystem::path& root_file() const;  // the trust anchor (give it as --ca-file)
    const std::string& root_pem() const;
    IssuedCertificate issue(const LeafSpec& spec);

private:
    struct Impl;
    std::unique_ptr<Impl> m_impl;
};

}  // namespace relaymetry::test
