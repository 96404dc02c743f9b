#include "common/tls/tls_credentials.h"

#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>
#include <grpcpp/health_check_service_interface.h>
#include <stdlib.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "microscale/v1/agent_gateway.grpc.pb.h"

#ifndef MICROSCALE_SOURCE_DIR
#error "MICROSCALE_SOURCE_DIR must name the source tree"
#endif

namespace microscale {
namespace {

using ::testing::HasSubstr;

// Two independent CAs made by scripts/make-test-ca, shared by every test of this file.
class TlsCredentialsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    char templ[] = "/tmp/microscale-tls-test.XXXXXX";
    dir_ = new std::string(mkdtemp(templ));
    for (const char* ca : {"good", "other"}) {
      std::string command = absl::StrCat(MICROSCALE_SOURCE_DIR, "/scripts/make-test-ca ", *dir_,
                                         "/", ca, " node-1 2>/dev/null");
      ASSERT_EQ(std::system(command.c_str()), 0) << command;
    }
  }
  static void TearDownTestSuite() {
    std::error_code ignored;
    std::filesystem::remove_all(*dir_, ignored);
    delete dir_;
  }

  static std::string File(const std::string& ca, const std::string& name) {
    return absl::StrCat(*dir_, "/", ca, "/", name);
  }
  static TlsFiles Files(const std::string& ca, const std::string& who) {
    return TlsFiles{File(ca, who + ".crt"), File(ca, who + ".key"), File(ca, "ca.crt")};
  }

  // A server on a free loopback port with the default health service.
  std::unique_ptr<grpc::Server> Serve(const TlsFiles& files, int* port) {
    absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> creds = MakeServerCredentials(files);
    EXPECT_TRUE(creds.ok()) << creds.status();
    grpc::EnableDefaultHealthCheckService(true);
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", *creds, port);
    builder.RegisterService(&service_);  // the server needs one synchronous service
    return builder.BuildAndStart();
  }

  // Calls grpc.health.v1.Health/Check with an empty request; true when it returned OK.
  static grpc::Status Check(int port, const TlsFiles& client) {
    absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> creds =
        MakeChannelCredentials(client);
    if (!creds.ok()) return grpc::Status(grpc::StatusCode::INTERNAL, creds.status().ToString());
    auto channel = grpc::CreateChannel(absl::StrCat("127.0.0.1:", port), *creds);
    grpc::GenericStub stub(channel);
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(20));
    grpc::Slice empty("");  // an empty HealthCheckRequest
    grpc::ByteBuffer request(&empty, 1);
    grpc::ByteBuffer response;
    std::mutex mu;
    std::condition_variable cv;
    bool done = false;
    grpc::Status result;
    stub.UnaryCall(&context, "/grpc.health.v1.Health/Check", grpc::StubOptions(), &request,
                   &response, [&](grpc::Status s) {
                     std::lock_guard<std::mutex> lock(mu);
                     result = std::move(s);
                     done = true;
                     cv.notify_all();
                   });
    std::unique_lock<std::mutex> lock(mu);
    cv.wait(lock, [&] { return done; });
    return result;
  }

  static std::string* dir_;
  v1::AgentGateway::Service service_;
};

std::string* TlsCredentialsTest::dir_ = nullptr;

TEST_F(TlsCredentialsTest, FlagsThatBelongTogetherAreRequiredTogether) {
  EXPECT_TRUE(CheckTlsFlags(TlsFiles{}, true).ok());
  EXPECT_THAT(CheckTlsFlags(TlsFiles{"c", "k", ""}, true).message(), HasSubstr("--tls-ca"));
  EXPECT_THAT(CheckTlsFlags(TlsFiles{"", "", "ca"}, true).message(), HasSubstr("--tls-cert"));
  EXPECT_THAT(CheckTlsFlags(TlsFiles{"c", "", "ca"}, false).message(), HasSubstr("--tls-key"));
  EXPECT_TRUE(CheckTlsFlags(TlsFiles{"", "", "ca"}, false).ok());
  EXPECT_THAT(CheckTlsFlags(TlsFiles{"c", "", "ca"}, false, "etcd-tls").message(),
              HasSubstr("--etcd-tls-key is required with --etcd-tls-cert"));
  EXPECT_THAT(CheckTlsFlags(TlsFiles{"c", "k", ""}, false, "etcd-tls").message(),
              HasSubstr("--etcd-tls-ca is required"));
}

TEST_F(TlsCredentialsTest, BadFilesAreErrorsThatNameTheFlagAndFile) {
  TlsFiles missing = Files("good", "controller");
  missing.ca = *dir_ + "/nope.crt";
  EXPECT_THAT(MakeServerCredentials(missing).status().message(),
              HasSubstr("--tls-ca " + *dir_ + "/nope.crt: cannot be read"));

  TlsFiles not_pem = Files("good", "controller");
  not_pem.cert = File("good", "controller.key");
  EXPECT_THAT(MakeServerCredentials(not_pem).status().message(),
              HasSubstr("--tls-cert " + not_pem.cert + ": holds no PEM certificate"));

  TlsFiles wrong_key = Files("good", "controller");
  wrong_key.key = File("good", "agent.key");
  EXPECT_THAT(MakeServerCredentials(wrong_key).status().message(),
              HasSubstr("does not belong to the certificate"));

  TlsFiles key_as_key = Files("good", "controller");
  key_as_key.key = File("good", "controller.crt");
  EXPECT_THAT(MakeChannelCredentials(key_as_key).status().message(),
              HasSubstr("--tls-key " + key_as_key.key + ": holds no unencrypted PEM private key"));
}

TEST_F(TlsCredentialsTest, ErrorsNameTheFlagsOfTheGivenFamilyAndWhyAFileCannotBeRead) {
  TlsFiles missing = Files("good", "agent");
  missing.ca = *dir_ + "/nope.crt";
  EXPECT_THAT(MakeChannelCredentials(missing, "etcd-tls").status().message(),
              HasSubstr("--etcd-tls-ca " + *dir_ + "/nope.crt: cannot be read (No such file"));

  TlsFiles wrong_key = Files("good", "agent");
  wrong_key.key = File("good", "controller.key");
  EXPECT_THAT(
      MakeChannelCredentials(wrong_key, "etcd-tls").status().message(),
      HasSubstr("--etcd-tls-key " + wrong_key.key +
                ": does not belong to the certificate in --etcd-tls-cert " + wrong_key.cert));
}

TEST_F(TlsCredentialsTest, EmptyFilesMeanAnInsecureChannel) {
  EXPECT_TRUE(MakeChannelCredentials(TlsFiles{}).ok());
}

TEST_F(TlsCredentialsTest, HandshakeAcceptsOurCaAndRefusesAnother) {
  int port = 0;
  std::unique_ptr<grpc::Server> server = Serve(Files("good", "controller"), &port);
  ASSERT_NE(server, nullptr);
  ASSERT_GT(port, 0);

  EXPECT_TRUE(Check(port, Files("good", "node-1")).ok()) << "agent certificate of our CA";
  TlsFiles ca_only{"", "", File("good", "ca.crt")};
  EXPECT_TRUE(Check(port, ca_only).ok()) << "a client without a certificate still handshakes";

  EXPECT_EQ(Check(port, Files("other", "node-1")).error_code(), grpc::StatusCode::UNAVAILABLE)
      << "a client certificate signed by another CA (which also does not trust our server)";
  TlsFiles foreign_cert = Files("other", "node-1");
  foreign_cert.ca = File("good", "ca.crt");
  EXPECT_EQ(Check(port, foreign_cert).error_code(), grpc::StatusCode::UNAVAILABLE)
      << "trusts our server but presents a certificate of another CA";
  EXPECT_EQ(Check(port, TlsFiles{}).error_code(), grpc::StatusCode::UNAVAILABLE)
      << "plaintext against a TLS port";
  server->Shutdown();
}

std::string ReadAll(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST_F(TlsCredentialsTest, ANodeNameMustBeTheCertificatesCnOrADnsName) {
  const std::string node = ReadAll(File("good", "node-1.crt"));  // CN=node-1, DNS:node-1
  EXPECT_TRUE(CertificateNames(node, "node-1").ok());
  absl::Status other = CertificateNames(node, "node-2");
  EXPECT_EQ(other.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(other.message(), HasSubstr("node name \"node-2\" is not in its client certificate "
                                         "(CN=node-1, DNS:node-1)"));
  EXPECT_THAT(other.message(), HasSubstr("--tls-allow-any-node-name"));
  EXPECT_FALSE(CertificateNames(node, "node").ok()) << "a prefix is not the name";
  EXPECT_FALSE(CertificateNames(node, "NODE-1").ok()) << "names are case-sensitive";

  // CN=microscale-controller, DNS:localhost, IP:127.0.0.1: the CN and the DNS name match,
  // an IP address is not a node name.
  const std::string controller = ReadAll(File("good", "controller.crt"));
  EXPECT_TRUE(CertificateNames(controller, "microscale-controller").ok());
  EXPECT_TRUE(CertificateNames(controller, "localhost").ok());
  EXPECT_FALSE(CertificateNames(controller, "127.0.0.1").ok());

  EXPECT_FALSE(CertificateNames("not a certificate", "node-1").ok());
}

// The server reads its files again: after they are replaced by those of another CA, new
// connections handshake with the new CA and no longer with the old one.
TEST_F(TlsCredentialsTest, AServerPicksUpRotatedFilesForNewConnections) {
  const std::string live = *dir_ + "/live";
  std::filesystem::create_directories(live);
  auto install = [&](const std::string& ca) {
    for (const char* name : {"controller.crt", "controller.key", "ca.crt"}) {
      // Written beside and renamed over, as a rotation should be (atomic for the reader).
      std::filesystem::copy_file(File(ca, name), live + "/" + name + ".new",
                                 std::filesystem::copy_options::overwrite_existing);
      std::filesystem::rename(live + "/" + name + ".new", live + "/" + name);
    }
  };
  install("good");
  int port = 0;
  std::unique_ptr<grpc::Server> server =
      Serve(TlsFiles{live + "/controller.crt", live + "/controller.key", live + "/ca.crt"}, &port);
  ASSERT_NE(server, nullptr);
  ASSERT_TRUE(Check(port, Files("good", "node-1")).ok());
  ASSERT_FALSE(Check(port, Files("other", "node-1")).ok());

  install("other");
  const absl::Time deadline = absl::Now() + absl::Seconds(60);
  bool rotated = false;
  while (!rotated && absl::Now() < deadline) {
    rotated = Check(port, Files("other", "node-1")).ok();
    if (!rotated) absl::SleepFor(absl::Milliseconds(250));
  }
  EXPECT_TRUE(rotated) << "the server still refuses the new CA after 60 s";
  EXPECT_FALSE(Check(port, Files("good", "node-1")).ok()) << "the old CA is still trusted";
  server->Shutdown();
}

}  // namespace
}  // namespace microscale
