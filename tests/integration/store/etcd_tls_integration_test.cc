// TLS between the controller and etcd, on a real etcd whose client port serves TLS and asks
// every client for a certificate (certificates made by scripts/make-test-ca: the CA "good"
// signs etcd's serving certificate, for 127.0.0.1, and the client certificate; "other" is an
// unrelated CA). The store works over TLS with the right CA and client certificate; a
// wrong CA, a missing client certificate and a plaintext client are refused with errors
// that say why; the real controller and `microscale-controller migrate` take the
// --etcd-tls-* flags, and refuse unreadable or incomplete ones.
#include <stdlib.h>

#include <filesystem>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/tls/tls_credentials.h"
#include "controller/store/etcd_client.h"
#include "controller/store/etcd_state_store.h"
#include "controller/store/sqlite_state_store.h"
#include "controller/store/store_test_util.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/e2e/built_programs.h"
#include "tests/e2e/child_process.h"
#include "tests/integration/store/etcd_test_server.h"

#ifndef MICROSCALE_SOURCE_DIR
#error "MICROSCALE_SOURCE_DIR must name the source tree"
#endif

namespace microscale::testing {
namespace {

using ::testing::AllOf;
using ::testing::AnyOf;
using ::testing::HasSubstr;

constexpr char kApp[] =
    "apiVersion: microscale.io/v1\nkind: App\nmetadata: {name: web}\nspec:\n"
    "  image: microscale/demo:latest\n  replicas: {max: 5}\n  demand: {source: static, value: 2}\n";

// One TLS etcd and two CAs for every test of the suite.
class EtcdTlsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    char pattern[] = "/tmp/microscale-etcd-tls.XXXXXX";
    dir_ = new std::string(mkdtemp(pattern));
    for (const char* ca : {"good", "other"}) {
      std::string command = absl::StrCat(MICROSCALE_SOURCE_DIR, "/scripts/make-test-ca ", *dir_,
                                         "/", ca, " 2>/dev/null");
      if (std::system(command.c_str()) != 0) {
        *why_ = "scripts/make-test-ca failed: " + command;
        return;
      }
    }
    if (access("/usr/bin/etcd", X_OK) != 0) {
      *why_ = "/usr/bin/etcd is missing: install the Debian package etcd-server";
      return;
    }
    // The controller's serving certificate of make-test-ca names 127.0.0.1: etcd serves it.
    etcd_ = new EtcdServer(
        EtcdServerTls{File("good", "controller.crt"), File("good", "controller.key"), Ca("good")});
    absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> probe =
        MakeChannelCredentials(ClientFiles("good"), "etcd-tls");
    if (!probe.ok()) {
      *why_ = std::string(probe.status().message());
      return;
    }
    if (!etcd_->StartAndWait(*probe)) {
      *why_ = "etcd with TLS did not start on " + etcd_->endpoint() + ":\n" + etcd_->log();
    }
  }
  static void TearDownTestSuite() {
    delete etcd_;  // stops the member
    etcd_ = nullptr;
    std::error_code ignored;
    std::filesystem::remove_all(*dir_, ignored);
    delete dir_;
  }

  void SetUp() override {
    ASSERT_TRUE(why_->empty()) << *why_;
    prefix_ =
        absl::StrCat("/tls/", ::testing::UnitTest::GetInstance()->current_test_info()->name(), "/");
  }
  void TearDown() override {
    for (ChildProcess& c : controllers_) c.Kill();
    if (HasFailure()) {
      for (ChildProcess& c : controllers_) std::cerr << "---- controller log ----\n" << c.Log();
      std::cerr << "---- etcd log ----\n" << etcd_->log();
    }
  }

  static std::string File(const std::string& ca, const std::string& name) {
    return absl::StrCat(*dir_, "/", ca, "/", name);
  }
  static std::string Ca(const std::string& ca) { return File(ca, "ca.crt"); }
  // The client certificate of CA "good" with the CA bundle `ca`.
  static TlsFiles ClientFiles(const std::string& ca) {
    return TlsFiles{File("good", "agent.crt"), File("good", "agent.key"), Ca(ca)};
  }
  static std::vector<std::string> TlsFlags(const TlsFiles& files) {
    return {"--etcd-tls-cert", files.cert, "--etcd-tls-key", files.key, "--etcd-tls-ca", files.ca};
  }
  std::string Store() const { return "etcd://" + etcd_->endpoint(); }

  // A client of the TLS etcd with the credentials of `files` (nullptr: plaintext).
  std::shared_ptr<EtcdClient> Client(const TlsFiles* files) {
    std::shared_ptr<grpc::ChannelCredentials> credentials;
    if (files != nullptr) {
      absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> made =
          MakeChannelCredentials(*files, "etcd-tls");
      EXPECT_TRUE(made.ok()) << made.status();
      if (made.ok()) credentials = *made;
    }
    return std::make_shared<EtcdClient>(std::vector<std::string>{etcd_->endpoint()}, credentials,
                                        absl::Seconds(10));
  }

  // Starts the controller binary on the TLS etcd with `extra` flags; its gRPC address in
  // `addr`.
  ChildProcess& StartController(const std::vector<std::string>& extra, std::string* addr) {
    *addr = absl::StrCat("127.0.0.1:", FreePort());
    std::vector<std::string> args = {
        "--store",         Store(), "--etcd-prefix", prefix_,
        "--grpc-addr",     *addr,   "--http-addr",   absl::StrCat("127.0.0.1:", FreePort()),
        "--startup-grace", "0s"};
    args.insert(args.end(), extra.begin(), extra.end());
    controllers_.emplace_back(BuiltProgram("controller/microscale-controller"), args,
                              absl::StrCat(*dir_, "/controller-", FreePort(), ".log"));
    return controllers_.back();
  }
  CommandResult Cli(const std::string& addr, std::vector<std::string> args,
                    const std::string& input = "") {
    args.insert(args.begin(), {"--controller", addr, "--timeout", "5s"});
    return RunCommand(BuiltProgram("cli/microscalectl"), args, input);
  }

  static std::string* dir_;
  static std::string* why_;  // why the suite cannot run; empty when it can
  static EtcdServer* etcd_;
  std::string prefix_;
  std::vector<ChildProcess> controllers_;
};

std::string* EtcdTlsTest::dir_ = nullptr;
std::string* EtcdTlsTest::why_ = new std::string();
EtcdServer* EtcdTlsTest::etcd_ = nullptr;

TEST_F(EtcdTlsTest, TheStoreWorksOverTlsWithTheRightCaAndClientCertificate) {
  TlsFiles files = ClientFiles("good");
  EtcdStateStore store(Client(&files), prefix_);
  ASSERT_TRUE(store.ClaimFor("tls").ok());
  auto applied = store.ApplyApps({Spec("api", 3)});
  ASSERT_TRUE(applied.ok()) << applied.status();
  auto apps = store.ListApps();
  ASSERT_TRUE(apps.ok()) << apps.status();
  ASSERT_EQ(apps->size(), 1u);
  EXPECT_EQ((*apps)[0].spec.name(), "api");
}

TEST_F(EtcdTlsTest, AWrongCaIsRefusedNamingEtcdAndTheCertificate) {
  TlsFiles files = ClientFiles("other");
  auto read = Client(&files)->RangePrefix(prefix_);
  ASSERT_FALSE(read.ok());
  EXPECT_THAT(std::string(read.status().message()),
              AllOf(HasSubstr("etcd"), HasSubstr(etcd_->endpoint()),
                    AnyOf(HasSubstr("certificate"), HasSubstr("TLS"))));
}

TEST_F(EtcdTlsTest, AClientWithoutACertificateOfEtcdsCaIsRefused) {
  TlsFiles ca_only{"", "", Ca("good")};
  TlsFiles other_cert{File("other", "agent.crt"), File("other", "agent.key"), Ca("good")};
  for (const TlsFiles* files : {&ca_only, &other_cert}) {
    auto read = Client(files)->RangePrefix(prefix_);
    ASSERT_FALSE(read.ok()) << files->cert;
    EXPECT_THAT(std::string(read.status().message()),
                AllOf(HasSubstr("etcd"), HasSubstr(etcd_->endpoint()),
                      HasSubstr("needs a client certificate"), HasSubstr("--etcd-tls-cert")))
        << files->cert;
  }
}

TEST_F(EtcdTlsTest, APlaintextClientFailsNamingEtcdAndTls) {
  auto read = Client(nullptr)->RangePrefix(prefix_);
  ASSERT_FALSE(read.ok());
  EXPECT_EQ(read.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(std::string(read.status().message()),
              AllOf(HasSubstr("etcd"), HasSubstr(etcd_->endpoint()),
                    HasSubstr("an etcd that serves TLS needs --etcd-tls-ca")));
}

TEST_F(EtcdTlsTest, TheControllerStoresItsStateOverTls) {
  std::string addr;
  ChildProcess& controller = StartController(TlsFlags(ClientFiles("good")), &addr);
  ASSERT_TRUE(PollUntil([&] { return Cli(addr, {"version"}).exit_code == 0; })) << controller.Log();
  CommandResult applied = Cli(addr, {"apply", "-f", "-"}, kApp);
  ASSERT_EQ(applied.exit_code, 0) << applied.err;
  // The app is in etcd, written over TLS (the member refuses any other client).
  TlsFiles files = ClientFiles("good");
  auto read = Client(&files)->RangePrefix(prefix_ + "apps/");
  ASSERT_TRUE(read.ok()) << read.status();
  ASSERT_EQ(read->kvs_size(), 1);
  EXPECT_EQ(read->kvs(0).key(), prefix_ + "apps/web");
}

TEST_F(EtcdTlsTest, AControllerWithTheWrongCaWaitsNamingEtcdAndTheCertificate) {
  std::string addr;
  ChildProcess& controller = StartController(TlsFlags(ClientFiles("other")), &addr);
  // The controller's own log line says it (gRPC logs the handshake's failure too).
  EXPECT_TRUE(PollUntil([&] {
    for (absl::string_view line : absl::StrSplit(controller.Log(), '\n')) {
      if (absl::StrContains(line, "waiting for the state store") &&
          absl::StrContains(line, "etcd did not answer a read (" + etcd_->endpoint()) &&
          absl::StrContains(line, "certificate verify failed")) {
        return true;
      }
    }
    return false;
  })) << controller.Log();
}

TEST_F(EtcdTlsTest, TheControllerRefusesUnreadableAndIncompleteTlsFlags) {
  const std::string missing = *dir_ + "/good/missing.crt";
  CommandResult unreadable = RunCommand(BuiltProgram("controller/microscale-controller"),
                                        {"--store", Store(), "--etcd-tls-ca", missing,
                                         "--grpc-addr", absl::StrCat("127.0.0.1:", FreePort()),
                                         "--http-addr", absl::StrCat("127.0.0.1:", FreePort())});
  EXPECT_EQ(unreadable.exit_code, 1) << unreadable.err;
  EXPECT_THAT(unreadable.err, HasSubstr("--etcd-tls-ca " + missing +
                                        ": cannot be read (No such file or directory)"));

  CommandResult no_key = RunCommand(BuiltProgram("controller/microscale-controller"),
                                    {"--store", Store(), "--etcd-tls-cert",
                                     File("good", "agent.crt"), "--etcd-tls-ca", Ca("good")});
  EXPECT_EQ(no_key.exit_code, 2) << no_key.err;
  EXPECT_THAT(no_key.err, HasSubstr("--etcd-tls-key is required with --etcd-tls-cert"));
}

TEST_F(EtcdTlsTest, MigrateCopiesIntoATlsEtcdWithTheTlsFlags) {
  TempDir data;
  {
    auto sqlite = SqliteStateStore::Open(data.path());
    ASSERT_TRUE(sqlite.ok()) << sqlite.status();
    ASSERT_TRUE((*sqlite)->ApplyApps({Spec("api", 2), Spec("batch", 5)}).ok());
  }
  auto migrate = [&](const std::vector<std::string>& extra) {
    std::vector<std::string> args = {"migrate", "--data-dir",     data.path(),
                                     "--to",    Store(),          "--etcd-prefix",
                                     prefix_,   "--cluster-name", "tls"};
    args.insert(args.end(), extra.begin(), extra.end());
    return RunCommand(BuiltProgram("controller/microscale-controller"), args);
  };
  // Without the TLS flags the member cannot be reached, and the error says which it is.
  CommandResult plaintext = migrate({});
  EXPECT_EQ(plaintext.exit_code, 1);
  EXPECT_THAT(plaintext.err,
              AllOf(HasSubstr("etcd"), HasSubstr(etcd_->endpoint()), HasSubstr("--etcd-tls-ca")));

  CommandResult copied = migrate(TlsFlags(ClientFiles("good")));
  ASSERT_EQ(copied.exit_code, 0) << copied.err;
  EXPECT_THAT(copied.out, HasSubstr("copied 2 apps"));
  TlsFiles files = ClientFiles("good");
  EtcdStateStore etcd(Client(&files), prefix_);
  auto apps = etcd.ListApps();
  ASSERT_TRUE(apps.ok()) << apps.status();
  ASSERT_EQ(apps->size(), 2u);
  EXPECT_EQ((*apps)[0].spec.name(), "api");
  EXPECT_EQ((*apps)[1].spec.name(), "batch");

  CommandResult half =
      migrate({"--etcd-tls-key", File("good", "agent.key"), "--etcd-tls-ca", Ca("good")});
  EXPECT_EQ(half.exit_code, 2);
  EXPECT_THAT(half.err, HasSubstr("--etcd-tls-cert is required with --etcd-tls-ca"));

  const std::string missing = *dir_ + "/good/missing.crt";
  CommandResult unreadable = migrate({"--etcd-tls-ca", missing});
  EXPECT_EQ(unreadable.exit_code, 1);
  EXPECT_THAT(unreadable.err, HasSubstr("--etcd-tls-ca " + missing +
                                        ": cannot be read (No such file or directory)"));
}

}  // namespace
}  // namespace microscale::testing
