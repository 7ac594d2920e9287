#pragma once
// The one classifier of network errors (Asio, Beast and OpenSSL error codes) into the vocabulary of
// core/net_error.hpp, for the SMTP probe and the HTTPS policy fetch alike.

#include <boost/system/error_code.hpp>

#include "relaymetry/core/net_error.hpp"

namespace relaymetry::io {

NetError classify(const boost::system::error_code& error);

}  // namespace relaymetry::io
