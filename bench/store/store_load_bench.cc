// What a new leader on etcd waits for before it serves: the load of the whole state (every
// kind a controller reads at start, as Controller::Start reads them), side by side:
//   etcd     a store reading etcd, as a controller that was not a standby does;
//   standby  a store reading first from an EtcdMirror that followed the prefix, as a
//            standby that becomes leader does (the wait for the copy to hold the latest
//            revision included).
// It also times the standby's own costs: its first whole read, and how long its copy
// takes to hold a write of 1,000 assignments made while it follows.
//
// Usage: store_load_bench ETCD_ENDPOINT ASSIGNMENTS [REPEATS]
// Writes ASSIGNMENTS containers (and one app per 10) under a fresh prefix
// /microscale-bench/<pid>/ and removes them at the end.
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "controller/store/etcd_client.h"
#include "controller/store/etcd_mirror.h"
#include "controller/store/etcd_state_store.h"

namespace microscale {
namespace {

v1::Container Running(int i, int apps) {
  v1::Container c;
  c.set_app(absl::StrCat("app", i % apps));
  c.set_instance(absl::StrCat(c.app(), "-", i / apps));
  c.set_node(absl::StrCat("node-", i % 1000));
  c.set_state(v1::CONTAINER_STATE_RUNNING);
  c.set_container_id(std::string(64, "0123456789abcdef"[i % 16]));
  c.set_started_unix_ms(1'700'000'000'000 + i);
  return c;
}

// Every read Controller::Start makes of the store; fails the run on an error.
void Load(EtcdStateStore& store, size_t want) {
  auto apps = store.ListApps();
  auto demands = store.GetStaticDemands();
  auto cordons = store.ListCordons();
  auto draining = store.ListDraining();
  auto assigned = store.ListAssignments();
  auto ordinals = store.GetNextOrdinals();
  auto tokens = store.ListTokens();
  if (!apps.ok() || !demands.ok() || !cordons.ok() || !draining.ok() || !assigned.ok() ||
      !ordinals.ok() || !tokens.ok() || assigned->size() != want) {
    std::fprintf(stderr, "load failed: %s\n",
                 assigned.ok() ? "wrong count" : std::string(assigned.status().message()).c_str());
    std::exit(1);
  }
}

int64_t Revision(EtcdClient& client) { return client.Probe("/").value_or(0); }

double Ms(absl::Duration d) { return absl::ToDoubleMilliseconds(d); }

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

int Run(const std::string& endpoint, int count, int repeats) {
  auto client =
      std::make_shared<EtcdClient>(std::vector<std::string>{endpoint}, nullptr, absl::Seconds(30));
  const std::string prefix = absl::StrCat("/microscale-bench/", getpid(), "/");
  EtcdStateStore writer(client, prefix);
  const int apps = std::max(1, count / 10);
  std::vector<v1::AppSpec> specs(static_cast<size_t>(apps));
  for (int a = 0; a < apps; ++a) {
    specs[static_cast<size_t>(a)].set_name(absl::StrCat("app", a));
    specs[static_cast<size_t>(a)].set_image("busybox:local");
  }
  std::vector<v1::Container> containers;
  for (int i = 0; i < count; ++i) containers.push_back(Running(i, apps));
  absl::Time t = absl::Now();
  if (!writer.ApplyApps(specs).ok() || !writer.ReplaceAssignments(containers).ok()) {
    std::fprintf(stderr, "cannot write the state to etcd at %s\n", endpoint.c_str());
    return 1;
  }
  std::printf("state: %d apps, %d assignments written in %.0f ms\n", apps, count,
              Ms(absl::Now() - t));

  std::vector<double> cold, warm, first_read, catch_up;
  for (int r = 0; r < repeats; ++r) {
    // The standby's copy, followed before the leader needs it.
    auto mirror = std::make_shared<EtcdMirror>(client, prefix);
    t = absl::Now();
    mirror->Start();
    if (!mirror->WaitFor(Revision(*client), absl::Minutes(2))) return 1;
    first_read.push_back(Ms(absl::Now() - t));
    // A leader's write of 1,000 assignments while the copy follows.
    std::vector<v1::Container> more;
    for (int i = 0; i < 1000; ++i) {
      v1::Container c = Running(i, apps);
      c.set_started_unix_ms(c.started_unix_ms() + 1 + r);
      more.push_back(std::move(c));
    }
    AssignmentChanges changes;
    changes.upserts = more;
    if (!writer.ApplyAssignmentChanges(changes).ok()) return 1;
    t = absl::Now();
    if (!mirror->WaitFor(Revision(*client), absl::Minutes(2))) return 1;
    catch_up.push_back(Ms(absl::Now() - t));

    // The two loads, in alternating order.
    for (int k = 0; k < 2; ++k) {
      const bool from_copy = (k + r) % 2 == 0;
      EtcdStateStore leader(client, prefix);
      t = absl::Now();
      if (from_copy) {
        if (!mirror->WaitFor(Revision(*client), absl::Minutes(2))) return 1;
        leader.ReadFirstFrom(mirror);
      }
      Load(leader, static_cast<size_t>(count));
      (from_copy ? warm : cold).push_back(Ms(absl::Now() - t));
    }
    mirror->Stop();
  }
  std::printf("%-44s %10s\n", "p50 over repeats", "ms");
  std::printf("%-44s %10.0f\n", "new leader's load, from etcd", Median(cold));
  std::printf("%-44s %10.0f\n", "new leader's load, from the standby's copy", Median(warm));
  std::printf("%-44s %10.0f\n", "standby: first whole read", Median(first_read));
  std::printf("%-44s %10.0f\n", "standby: copy holds a 1,000-record write", Median(catch_up));

  etcdserverpb::TxnRequest clean;
  clean.add_success()->mutable_request_delete_range()->set_key(prefix);
  clean.mutable_success(0)->mutable_request_delete_range()->set_range_end(PrefixEnd(prefix));
  return client->Txn(clean).ok() ? 0 : 1;
}

}  // namespace
}  // namespace microscale

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: store_load_bench ETCD_ENDPOINT ASSIGNMENTS [REPEATS]\n");
    return 2;
  }
  const int count = std::atoi(argv[2]);
  const int repeats = argc > 3 ? std::atoi(argv[3]) : 5;
  if (count <= 0 || repeats <= 0) {
    std::fprintf(stderr, "store_load_bench: ASSIGNMENTS and REPEATS must be positive numbers\n");
    return 2;
  }
  return microscale::Run(argv[1], count, repeats);
}
