#include "common/tls/tls_credentials.h"

#include <grpcpp/security/tls_certificate_provider.h>
#include <grpcpp/security/tls_credentials_options.h>
#include <openssl/bio.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/strings.h"

namespace microscale {
namespace {

struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};
struct X509Free {
  void operator()(X509* x) const { X509_free(x); }
};
struct PkeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
using BioPtr = std::unique_ptr<BIO, BioFree>;
using X509Ptr = std::unique_ptr<X509, X509Free>;
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyFree>;

absl::StatusOr<std::string> ReadFile(const std::string& flag, const std::string& path) {
  errno = 0;
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    const int error = errno;
    return absl::InvalidArgumentError(
        absl::StrCat("--", flag, " ", path, ": cannot be read (",
                     error != 0 ? std::strerror(error) : "missing file or no permission", ")"));
  }
  std::ostringstream text;
  text << in.rdbuf();
  if (text.str().size() > (1 << 20)) {
    return absl::InvalidArgumentError(absl::StrCat("--", flag, " ", path, ": larger than 1 MiB"));
  }
  return text.str();
}

BioPtr MemoryBio(const std::string& pem) {
  return BioPtr(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
}

X509Ptr FirstCertificate(const std::string& pem) {
  BioPtr bio = MemoryBio(pem);
  return X509Ptr(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
}

absl::StatusOr<std::string> ReadCertificate(const std::string& flag, const std::string& path) {
  absl::StatusOr<std::string> pem = ReadFile(flag, path);
  if (!pem.ok()) return pem.status();
  X509Ptr cert = FirstCertificate(*pem);
  if (cert == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat("--", flag, " ", path, ": holds no PEM certificate (BEGIN CERTIFICATE)"));
  }
  if (X509_cmp_current_time(X509_get0_notAfter(cert.get())) < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("--", flag, " ", path, ": the certificate has expired"));
  }
  return pem;
}

// The key must parse and belong to the first certificate of `cert_pem`.
absl::StatusOr<std::string> ReadKeyFor(const TlsFiles& files, std::string_view flags,
                                       const std::string& cert_pem) {
  const std::string key_flag = absl::StrCat(ToAbsl(flags), "-key");
  absl::StatusOr<std::string> pem = ReadFile(key_flag, files.key);
  if (!pem.ok()) return pem.status();
  BioPtr bio = MemoryBio(*pem);
  PkeyPtr key(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
  if (key == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat("--", key_flag, " ", files.key,
                     ": holds no unencrypted PEM private key (BEGIN PRIVATE KEY)"));
  }
  X509Ptr cert = FirstCertificate(cert_pem);
  if (cert == nullptr || X509_check_private_key(cert.get(), key.get()) != 1) {
    return absl::InvalidArgumentError(absl::StrCat("--", key_flag, " ", files.key,
                                                   ": does not belong to the certificate in --",
                                                   ToAbsl(flags), "-cert ", files.cert));
  }
  return pem;
}

struct LoadedTls {
  std::string cert;
  std::string key;
  std::string ca;
};

absl::StatusOr<LoadedTls> Load(const TlsFiles& files, std::string_view flags) {
  LoadedTls loaded;
  absl::StatusOr<std::string> ca = ReadCertificate(absl::StrCat(ToAbsl(flags), "-ca"), files.ca);
  if (!ca.ok()) return ca.status();
  loaded.ca = *std::move(ca);
  if (files.cert.empty()) return loaded;
  absl::StatusOr<std::string> cert =
      ReadCertificate(absl::StrCat(ToAbsl(flags), "-cert"), files.cert);
  if (!cert.ok()) return cert.status();
  absl::StatusOr<std::string> key = ReadKeyFor(files, flags, *cert);
  if (!key.ok()) return key.status();
  loaded.cert = *std::move(cert);
  loaded.key = *std::move(key);
  return loaded;
}

}  // namespace

absl::Status CheckTlsFlags(const TlsFiles& files, bool need_own_cert, std::string_view flags) {
  if (!files.enabled()) return absl::OkStatus();
  const absl::string_view f = ToAbsl(flags);
  if (files.ca.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--", f, "-ca is required with --", f, "-cert/--", f, "-key: it verifies the other side"));
  }
  if (need_own_cert || !files.cert.empty() || !files.key.empty()) {
    if (files.cert.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("--", f, "-cert is required with --", f, "-ca (this side's certificate)"));
    }
    if (files.key.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("--", f, "-key is required with --", f, "-cert"));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> MakeServerCredentials(
    const TlsFiles& files) {
  if (absl::Status s = CheckTlsFlags(files, /*need_own_cert=*/true); !s.ok()) return s;
  absl::StatusOr<LoadedTls> loaded = Load(files, "tls");
  if (!loaded.ok()) return loaded.status();
  // The files were checked above, so a mistake is an error at start; from here on gRPC
  // reads them again every kTlsReloadSeconds and new handshakes use what it read last (a
  // half-written file is skipped until it parses). Rotating means replacing the files.
  auto provider = std::make_shared<grpc::experimental::FileWatcherCertificateProvider>(
      files.key, files.cert, files.ca, kTlsReloadSeconds);
  grpc::experimental::TlsServerCredentialsOptions options(provider);
  options.watch_root_certs();
  options.watch_identity_key_cert_pairs();
  options.set_cert_request_type(GRPC_SSL_REQUEST_CLIENT_CERTIFICATE_AND_VERIFY);
  return grpc::experimental::TlsServerCredentials(options);
}

absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> MakeChannelCredentials(
    const TlsFiles& files, std::string_view flags) {
  if (!files.enabled()) return grpc::InsecureChannelCredentials();
  if (absl::Status s = CheckTlsFlags(files, /*need_own_cert=*/false, flags); !s.ok()) return s;
  absl::StatusOr<LoadedTls> loaded = Load(files, flags);
  if (!loaded.ok()) return loaded.status();
  grpc::SslCredentialsOptions options;
  options.pem_root_certs = loaded->ca;
  options.pem_private_key = loaded->key;
  options.pem_cert_chain = loaded->cert;
  return grpc::SslCredentials(options);
}

bool PeerHasVerifiedCertificate(const grpc::AuthContext* auth) {
  if (auth == nullptr || !auth->IsPeerAuthenticated()) return false;
  std::vector<grpc::string_ref> type = auth->FindPropertyValues("transport_security_type");
  if (type.empty()) return false;
  // "ssl" for the fixed credentials, "tls" for those that read their files again.
  const std::string name(type.front().data(), type.front().size());
  return name == GRPC_SSL_TRANSPORT_SECURITY_TYPE || name == GRPC_TLS_TRANSPORT_SECURITY_TYPE;
}

absl::Status CertificateNames(std::string_view pem, std::string_view name) {
  X509Ptr cert = FirstCertificate(std::string(pem));
  if (cert == nullptr) return absl::PermissionDeniedError("the peer presented no certificate");
  bool matched = false;
  std::vector<std::string> shown;  // "CN=..." and "DNS:..." for the error
  auto consider = [&](std::string_view label, const ASN1_STRING* value) {
    std::string_view text(reinterpret_cast<const char*>(ASN1_STRING_get0_data(value)),
                          static_cast<size_t>(ASN1_STRING_length(value)));
    matched |= text == name;
    shown.push_back(std::string(label) + std::string(text));
  };
  X509_NAME* subject = X509_get_subject_name(cert.get());
  for (int i = X509_NAME_get_index_by_NID(subject, NID_commonName, -1); i >= 0;
       i = X509_NAME_get_index_by_NID(subject, NID_commonName, i)) {
    consider("CN=", X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subject, i)));
  }
  auto* sans = static_cast<GENERAL_NAMES*>(
      X509_get_ext_d2i(cert.get(), NID_subject_alt_name, nullptr, nullptr));
  for (int i = 0; sans != nullptr && i < sk_GENERAL_NAME_num(sans); ++i) {
    const GENERAL_NAME* san = sk_GENERAL_NAME_value(sans, i);
    if (san->type == GEN_DNS) consider("DNS:", san->d.dNSName);
  }
  GENERAL_NAMES_free(sans);
  if (matched) return absl::OkStatus();
  return absl::PermissionDeniedError(
      absl::StrCat("node name \"", std::string(name), "\" is not in its client certificate (",
                   shown.empty() ? "no CN or DNS name" : absl::StrJoin(shown, ", "),
                   "): give each agent a certificate with its node name as CN or DNS SAN, or "
                   "start the controller with --tls-allow-any-node-name"));
}

absl::Status PeerCertificateNames(const grpc::AuthContext* auth, std::string_view name) {
  if (auth == nullptr) return absl::PermissionDeniedError("the peer presented no certificate");
  std::vector<grpc::string_ref> pem = auth->FindPropertyValues(GRPC_X509_PEM_CERT_PROPERTY_NAME);
  if (pem.empty()) return absl::PermissionDeniedError("the peer presented no certificate");
  return CertificateNames(std::string_view(pem.front().data(), pem.front().size()), name);
}

}  // namespace microscale
