#pragma once
// OpenSSL handles owned by unique_ptr (private to the probe stage).

#include <memory>

#include <openssl/bio.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

namespace relaymetry::probe::detail {

struct BioDeleter {
    void operator()(BIO* bio) const { BIO_free(bio); }
};
struct StoreDeleter {
    void operator()(X509_STORE* store) const { X509_STORE_free(store); }
};
struct StoreCtxDeleter {
    void operator()(X509_STORE_CTX* context) const { X509_STORE_CTX_free(context); }
};
struct GeneralNamesDeleter {
    void operator()(GENERAL_NAMES* names) const { GENERAL_NAMES_free(names); }
};
// A stack that borrows its certificates: only the stack itself is freed.
struct BorrowedCertsDeleter {
    void operator()(STACK_OF(X509) * certificates) const { sk_X509_free(certificates); }
};

using BioPtr = std::unique_ptr<BIO, BioDeleter>;
using StorePtr = std::unique_ptr<X509_STORE, StoreDeleter>;
using StoreCtxPtr = std::unique_ptr<X509_STORE_CTX, StoreCtxDeleter>;
using GeneralNamesPtr = std::unique_ptr<GENERAL_NAMES, GeneralNamesDeleter>;
using BorrowedCertsPtr = std::unique_ptr<STACK_OF(X509), BorrowedCertsDeleter>;

}  // namespace relaymetry::probe::detail
