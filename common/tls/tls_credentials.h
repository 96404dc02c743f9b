// TLS material for the gRPC links: the controller's port, the agents' and the CLI's dials.
//
// TlsFiles names three PEM files. A server (the controller) needs all three: its certificate
// and key, and the CA that signed the agents' client certificates. A client (agent, CLI) needs
// the CA that signed the controller's certificate, plus its own certificate and key when the
// controller asks for one (agents always; the CLI authenticates with a token instead).
// Every file is read and parsed up front, so a wrong path, a non-PEM file or a key that does
// not belong to its certificate is an error naming the flag, not a failed handshake later.
// Pure functions; thread-safe.
#ifndef MICROSCALE_COMMON_TLS_TLS_CREDENTIALS_H_
#define MICROSCALE_COMMON_TLS_TLS_CREDENTIALS_H_

#include <grpcpp/security/credentials.h>
#include <grpcpp/security/server_credentials.h>

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace microscale {

struct TlsFiles {
  std::string cert;  // --tls-cert: PEM certificate (chain) of this side
  std::string key;   // --tls-key: PEM private key of that certificate
  std::string ca;    // --tls-ca: PEM bundle of the CA(s) that sign the other side

  bool enabled() const { return !cert.empty() || !key.empty() || !ca.empty(); }
};

// Checks which files a side needs: with `need_own_cert`, all three; otherwise --tls-ca, and
// --tls-cert with --tls-key only as a pair. The error names the missing flag.
absl::Status CheckTlsFlags(const TlsFiles& files, bool need_own_cert);

// Server credentials that present --tls-cert and verify a client certificate against
// --tls-ca when the client offers one; a certificate from another CA fails the handshake.
// Callers that need a certificate (the agent gateway) check the peer themselves.
absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> MakeServerCredentials(
    const TlsFiles& files);

// Channel credentials for a dial: insecure when `files` is empty, else TLS verifying the
// server against --tls-ca and presenting --tls-cert when given.
absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> MakeChannelCredentials(
    const TlsFiles& files);

// True when the peer of a server call presented a certificate that --tls-ca verified.
bool PeerHasVerifiedCertificate(const grpc::AuthContext* auth);

}  // namespace microscale

#endif  // MICROSCALE_COMMON_TLS_TLS_CREDENTIALS_H_
