// DescribeHttpError: what an httplib client error means, in words an operator can act on
// (httplib's own names are single words such as "Connection").
#ifndef MICROSCALE_COMMON_HTTP_HTTP_ERROR_H_
#define MICROSCALE_COMMON_HTTP_HTTP_ERROR_H_

#include <httplib.h>

#include <string>

namespace microscale {

inline std::string DescribeHttpError(httplib::Error error) {
  switch (error) {
    case httplib::Error::Success:
      return "no error";
    case httplib::Error::Connection:
      return "cannot connect (connection refused, no such socket, or no route: is it running "
             "there?)";
    case httplib::Error::ConnectionTimeout:
      return "no connection within the timeout";
    case httplib::Error::BindIPAddress:
      return "cannot bind the local address";
    case httplib::Error::Read:
      return "the connection broke or timed out while reading the answer";
    case httplib::Error::Write:
      return "the connection broke or timed out while sending the request";
    case httplib::Error::ExceedRedirectCount:
      return "too many redirects";
    case httplib::Error::Canceled:
      return "the request was canceled";
    case httplib::Error::SSLConnection:
      return "the TLS handshake failed";
    case httplib::Error::SSLLoadingCerts:
      return "cannot load the TLS certificates";
    case httplib::Error::SSLServerVerification:
      return "the server's TLS certificate was not trusted";
    case httplib::Error::UnsupportedMultipartBoundaryChars:
      return "unsupported multipart boundary";
    case httplib::Error::Compression:
      return "cannot decompress the answer";
    default:
      return "unknown error (" + httplib::to_string(error) + ")";
  }
}

}  // namespace microscale

#endif  // MICROSCALE_COMMON_HTTP_HTTP_ERROR_H_
