#include "common/tls/tls_credentials.h"

#include <openssl/bio.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"

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
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::InvalidArgumentError(
        absl::StrCat("--", flag, " ", path, ": cannot be read (missing file or no permission)"));
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
absl::StatusOr<std::string> ReadKeyFor(const TlsFiles& files, const std::string& cert_pem) {
  absl::StatusOr<std::string> pem = ReadFile("tls-key", files.key);
  if (!pem.ok()) return pem.status();
  BioPtr bio = MemoryBio(*pem);
  PkeyPtr key(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
  if (key == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--tls-key ", files.key, ": holds no unencrypted PEM private key (BEGIN PRIVATE KEY)"));
  }
  X509Ptr cert = FirstCertificate(cert_pem);
  if (cert == nullptr || X509_check_private_key(cert.get(), key.get()) != 1) {
    return absl::InvalidArgumentError(absl::StrCat("--tls-key ", files.key,
                                                   ": does not belong to the certificate in "
                                                   "--tls-cert ",
                                                   files.cert));
  }
  return pem;
}

struct LoadedTls {
  std::string cert;
  std::string key;
  std::string ca;
};

absl::StatusOr<LoadedTls> Load(const TlsFiles& files) {
  LoadedTls loaded;
  absl::StatusOr<std::string> ca = ReadCertificate("tls-ca", files.ca);
  if (!ca.ok()) return ca.status();
  loaded.ca = *std::move(ca);
  if (files.cert.empty()) return loaded;
  absl::StatusOr<std::string> cert = ReadCertificate("tls-cert", files.cert);
  if (!cert.ok()) return cert.status();
  absl::StatusOr<std::string> key = ReadKeyFor(files, *cert);
  if (!key.ok()) return key.status();
  loaded.cert = *std::move(cert);
  loaded.key = *std::move(key);
  return loaded;
}

}  // namespace

absl::Status CheckTlsFlags(const TlsFiles& files, bool need_own_cert) {
  if (!files.enabled()) return absl::OkStatus();
  if (files.ca.empty()) {
    return absl::InvalidArgumentError(
        "--tls-ca is required with --tls-cert/--tls-key: it verifies the other side");
  }
  if (need_own_cert || !files.cert.empty() || !files.key.empty()) {
    if (files.cert.empty()) {
      return absl::InvalidArgumentError(
          "--tls-cert is required with --tls-ca (this side's certificate)");
    }
    if (files.key.empty()) {
      return absl::InvalidArgumentError("--tls-key is required with --tls-cert");
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> MakeServerCredentials(
    const TlsFiles& files) {
  if (absl::Status s = CheckTlsFlags(files, /*need_own_cert=*/true); !s.ok()) return s;
  absl::StatusOr<LoadedTls> loaded = Load(files);
  if (!loaded.ok()) return loaded.status();
  grpc::SslServerCredentialsOptions options(GRPC_SSL_REQUEST_CLIENT_CERTIFICATE_AND_VERIFY);
  options.pem_root_certs = loaded->ca;
  options.pem_key_cert_pairs.push_back({loaded->key, loaded->cert});
  return grpc::SslServerCredentials(options);
}

absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> MakeChannelCredentials(
    const TlsFiles& files) {
  if (!files.enabled()) return grpc::InsecureChannelCredentials();
  if (absl::Status s = CheckTlsFlags(files, /*need_own_cert=*/false); !s.ok()) return s;
  absl::StatusOr<LoadedTls> loaded = Load(files);
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
  return !type.empty() && std::string(type.front().data(), type.front().size()) == "ssl";
}

}  // namespace microscale
