#include "relaymetry/io/net_error.hpp"

#include <cctype>
#include <optional>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <boost/asio/error.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/beast/core/error.hpp>

namespace relaymetry::io {

namespace {

std::string sentence_case(std::string text) {
    if (!text.empty()) {
        text[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(text[0])));
    }
    return text;
}

// OpenSSL reports a received alert as reason SSL_AD_REASON_OFFSET + the alert's number (RFC 8446 §6).
std::optional<int> received_alert(const boost::system::error_code& error) {
    if (error.category() != boost::asio::error::get_ssl_category()) {
        return std::nullopt;
    }
    const int reason = ERR_GET_REASON(static_cast<unsigned long>(error.value()));
    if (reason >= SSL_AD_REASON_OFFSET && reason < SSL_AD_REASON_OFFSET + 256) {
        return reason - SSL_AD_REASON_OFFSET;
    }
    return std::nullopt;
}

}  // namespace

NetError classify(const boost::system::error_code& error) {
    namespace net = boost::asio::error;
    NetError result;
    result.detail = sentence_case(error.message());
    if (error == boost::beast::error::timeout || error == net::timed_out || error == net::operation_aborted) {
        result.kind = NetErrorKind::timeout;
    } else if (error == net::connection_refused) {
        result.kind = NetErrorKind::refused;
    } else if (error == net::connection_reset || error == net::broken_pipe) {
        result.kind = NetErrorKind::reset;
    } else if (error == net::eof || error == boost::asio::ssl::error::stream_truncated) {
        result.kind = NetErrorKind::closed;
    } else if (error == net::network_unreachable || error == net::host_unreachable ||
               error == net::address_family_not_supported) {
        result.kind = NetErrorKind::unreachable;
    } else if (const auto alert = received_alert(error)) {
        result.kind = NetErrorKind::tls_alert;
        result.alert = sentence_case(SSL_alert_desc_string_long(*alert));
    } else if (error.category() == boost::asio::error::get_ssl_category()) {
        result.kind = NetErrorKind::tls_error;
    } else if (error.category() == boost::system::system_category() ||
               error.category() == boost::asio::error::get_misc_category()) {
        // Any other socket error (out of descriptors, a bad handle...) is this machine's or our own
        // trouble, never a verdict about the peer.
        result.kind = NetErrorKind::internal;
    } else {
        result.kind = NetErrorKind::protocol;
    }
    return result;
}

}  // namespace relaymetry::io
