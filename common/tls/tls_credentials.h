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
#include <string_view>

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
// --tls-cert with --tls-key only as a pair. The error names the missing flag. `flags` is
// the name the three flags share before -cert, -key and -ca ("etcd-tls" for the
// controller's --etcd-tls-cert/--etcd-tls-key/--etcd-tls-ca); every error uses it.
absl::Status CheckTlsFlags(const TlsFiles& files, bool need_own_cert,
                           std::string_view flags = "tls");

// How often a server reads its TLS files again: a rotated certificate, key or CA bundle
// is used for the connections that come after.
inline constexpr unsigned kTlsReloadSeconds = 5;

// Server credentials that present --tls-cert and verify a client certificate against
// --tls-ca when the client offers one; a certificate from another CA fails the handshake.
// Callers that need a certificate (the agent gateway) check the peer themselves. The files
// are read again every kTlsReloadSeconds, so they rotate without a restart.
absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> MakeServerCredentials(
    const TlsFiles& files);

// Channel credentials for a dial: insecure when `files` is empty, else TLS verifying the
// server against --tls-ca and presenting --tls-cert when given. The files are read on each
// call: a client that makes credentials for each dial picks up rotated files. Errors name
// the flags as CheckTlsFlags does.
absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> MakeChannelCredentials(
    const TlsFiles& files, std::string_view flags = "tls");

// True when the peer of a server call presented a certificate that --tls-ca verified.
bool PeerHasVerifiedCertificate(const grpc::AuthContext* auth);

// Whether the PEM certificate `pem` names `name`: as its subject's common name, or as one of
// its DNS subject alternative names. Exact and case-sensitive, no wildcards: a node name is
// an identity, not a host to be matched by pattern. The error says which names the
// certificate holds.
absl::Status CertificateNames(std::string_view pem, std::string_view name);

// CertificateNames on the certificate the peer of a server call presented.
absl::Status PeerCertificateNames(const grpc::AuthContext* auth, std::string_view name);

}  // namespace microscale

#endif  // MICROSCALE_COMMON_TLS_TLS_CREDENTIALS_H_
