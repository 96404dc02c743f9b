#include "node-agent/docker/docker_json.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace microscale::docker {
namespace {

using ::testing::ElementsAre;
using ::testing::Pair;

TEST(CreateContainerBodyTest, CarriesImageCommandEnvLabelsAndLimits) {
  CreateContainerRequest r;
  r.image = "microscale/demo:latest";
  r.cmd = {"/bin/sh", "-c", "sleep 1"};
  r.env = {"A=1"};
  r.labels = {{"io.microscale.app", "web"}};
  r.nano_cpus = 250'000'000;
  r.memory_bytes = 64 << 20;
  r.network_mode = "none";
  r.stop_timeout_seconds = 7;
  nlohmann::json j = nlohmann::json::parse(CreateContainerBody(r));
  EXPECT_EQ(j["Image"], "microscale/demo:latest");
  EXPECT_EQ(j["Cmd"], nlohmann::json({"/bin/sh", "-c", "sleep 1"}));
  EXPECT_EQ(j["Env"], nlohmann::json({"A=1"}));
  EXPECT_EQ(j["Labels"]["io.microscale.app"], "web");
  EXPECT_EQ(j["StopTimeout"], 7);
  EXPECT_EQ(j["HostConfig"]["NanoCpus"], 250'000'000);
  EXPECT_EQ(j["HostConfig"]["Memory"], 64 << 20);
  EXPECT_EQ(j["HostConfig"]["NetworkMode"], "none");
  EXPECT_EQ(j["HostConfig"]["SecurityOpt"], nlohmann::json({"no-new-privileges"}));
}

// Docker Engine API 1.41: ExposedPorts {"<port>/<protocol>": {}} and HostConfig.PortBindings
// {"<port>/<protocol>": [{"HostIp": ..., "HostPort": "<port as a string>"}]}.
TEST(CreateContainerBodyTest, ExposesAndPublishesPorts) {
  CreateContainerRequest r;
  r.image = "x";
  r.port_bindings = {{8080, "127.0.0.1", 30001}, {9100, "0.0.0.0", 30002}};
  nlohmann::json j = nlohmann::json::parse(CreateContainerBody(r));
  EXPECT_EQ(j["ExposedPorts"], nlohmann::json::parse(R"({"8080/tcp": {}, "9100/tcp": {}})"));
  EXPECT_EQ(j["HostConfig"]["PortBindings"], nlohmann::json::parse(R"({
    "8080/tcp": [{"HostIp": "127.0.0.1", "HostPort": "30001"}],
    "9100/tcp": [{"HostIp": "0.0.0.0", "HostPort": "30002"}]})"));
}

TEST(CreateContainerBodyTest, OmitsUnsetOptionalFields) {
  CreateContainerRequest r;
  r.image = "x";
  r.no_new_privileges = false;
  nlohmann::json j = nlohmann::json::parse(CreateContainerBody(r));
  EXPECT_FALSE(j.contains("Cmd"));
  EXPECT_FALSE(j.contains("Env"));
  EXPECT_FALSE(j.contains("StopTimeout"));
  EXPECT_FALSE(j["HostConfig"].contains("NanoCpus"));
  EXPECT_FALSE(j["HostConfig"].contains("Memory"));
  EXPECT_FALSE(j["HostConfig"].contains("SecurityOpt"));
  EXPECT_FALSE(j.contains("ExposedPorts"));
  EXPECT_FALSE(j["HostConfig"].contains("PortBindings"));
  EXPECT_FALSE(j.contains("Healthcheck"));
}

// Docker Engine API 1.41: Healthcheck {"Test": ["CMD", ...], "Interval": ns, "Timeout": ns,
// "Retries": n, "StartPeriod": ns}, durations as integer nanoseconds.
TEST(CreateContainerBodyTest, CarriesTheHealthcheck) {
  CreateContainerRequest r;
  r.image = "x";
  r.healthcheck = HealthcheckConfig{
      {"CMD", "/bin/test", "-f", "/tmp/ready"}, 5'000'000'000, 3'000'000'000, 1'500'000'000, 3};
  nlohmann::json j = nlohmann::json::parse(CreateContainerBody(r));
  EXPECT_EQ(j["Healthcheck"], nlohmann::json::parse(R"({
    "Test": ["CMD", "/bin/test", "-f", "/tmp/ready"], "Interval": 5000000000,
    "Timeout": 3000000000, "Retries": 3, "StartPeriod": 1500000000})"));
  EXPECT_TRUE(j["Healthcheck"]["Interval"].is_number_integer());
}

TEST(ParseContainerDetailsTest, ReadsTheFieldsWeUse) {
  auto d = ParseContainerDetails(R"({
    "Id": "abc", "Name": "/microscale-web-0", "RestartCount": 0,
    "State": {"Status": "exited", "OOMKilled": true, "ExitCode": 137,
              "StartedAt": "2024-05-01T10:00:00.250000000Z"},
    "Config": {"Image": "img", "Labels": {"a": "b"}, "Cmd": ["sh"], "Env": ["X=1"],
               "StopTimeout": 3},
    "HostConfig": {"NanoCpus": 100000000, "Memory": 1024, "NetworkMode": "bridge",
                   "SecurityOpt": ["no-new-privileges"]}})");
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_EQ(d->id, "abc");
  EXPECT_EQ(d->name, "microscale-web-0");
  EXPECT_EQ(d->status, "exited");
  EXPECT_TRUE(d->oom_killed);
  EXPECT_EQ(d->exit_code, 137);
  EXPECT_EQ(absl::ToUnixMillis(d->started_at), 1714557600250);
  EXPECT_THAT(d->labels, ElementsAre(Pair("a", "b")));
  EXPECT_EQ(d->nano_cpus, 100000000);
  EXPECT_EQ(d->memory_bytes, 1024);
  EXPECT_THAT(d->security_opt, ElementsAre("no-new-privileges"));
  EXPECT_EQ(d->stop_timeout_seconds, 3);
  EXPECT_EQ(d->health, "");
}

TEST(ParseContainerDetailsTest, ReadsTheHealthStatus) {
  auto d = ParseContainerDetails(R"({
    "State": {"Status": "paused", "Health": {"Status": "unhealthy", "FailingStreak": 1,
              "Log": [{"ExitCode": 0, "Output": ""}, "odd", {"ExitCode": 1}]}},
    "Config": {"Healthcheck": {"Test": ["CMD", "true"], "Retries": 4}}})");
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->health, "unhealthy");
  EXPECT_EQ(d->health_failing_streak, 1);
  EXPECT_THAT(d->health_probe_exit_codes, ElementsAre(0, 1));
  EXPECT_EQ(d->health_retries, 4);
  for (const char* odd : {R"({"State": {"Health": null}})", R"({"State": {"Health": "healthy"}})",
                          R"({"State": {"Health": {"Status": 2, "Log": {"ExitCode": 0}}}})",
                          R"({"State": [1], "Config": {"Healthcheck": "x"}})"}) {
    auto parsed = ParseContainerDetails(odd);
    ASSERT_TRUE(parsed.ok()) << odd;
    EXPECT_EQ(parsed->health, "") << odd;
    EXPECT_TRUE(parsed->health_probe_exit_codes.empty()) << odd;
    EXPECT_EQ(parsed->health_retries, 0) << odd;
  }
}

TEST(ParseContainerDetailsTest, OddJsonIsAnErrorOrZeroValuesNeverAThrow) {
  EXPECT_EQ(ParseContainerDetails("{not json").status().code(), absl::StatusCode::kInternal);
  EXPECT_EQ(ParseContainerDetails("[1,2]").status().code(), absl::StatusCode::kInternal);
  EXPECT_EQ(ParseContainerDetails("").status().code(), absl::StatusCode::kInternal);
  auto d = ParseContainerDetails(
      R"({"Id": 5, "State": "running", "Config": {"Labels": {"a": 1, "b": "x"}},
          "HostConfig": {"Memory": "lots", "NanoCpus": 1.5e9, "SecurityOpt": [1, "x"]}})");
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->id, "");
  EXPECT_EQ(d->status, "");
  EXPECT_THAT(d->labels, ElementsAre(Pair("b", "x")));
  EXPECT_EQ(d->memory_bytes, 0);
  EXPECT_EQ(d->nano_cpus, 1500000000);
  EXPECT_THAT(d->security_opt, ElementsAre("x"));
  EXPECT_EQ(d->started_at, absl::InfinitePast());
}

TEST(ParseEngineTimeTest, ZeroTimeMeansNever) {
  EXPECT_EQ(ParseEngineTime("0001-01-01T00:00:00Z"), absl::InfinitePast());
  EXPECT_EQ(ParseEngineTime("garbage"), absl::InfinitePast());
  EXPECT_EQ(absl::ToUnixSeconds(ParseEngineTime("2024-05-01T10:00:00Z")), 1714557600);
}

TEST(ParseContainerListTest, ReadsEntriesAndSkipsNonObjects) {
  auto list = ParseContainerList(R"([
    {"Id": "1", "Names": ["/microscale-a-0"], "State": "running", "Status": "Up 2 seconds",
     "Labels": {"k": "v"}, "Created": 1700000000},
    7,
    {"Id": "2", "Names": [], "State": "exited", "Status": "Exited (3) 1 second ago"}])");
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].name, "microscale-a-0");
  EXPECT_EQ((*list)[0].created_unix_s, 1700000000);
  EXPECT_EQ((*list)[1].name, "");
  EXPECT_EQ(ExitCodeFromStatusText((*list)[1].status), 3);
  EXPECT_FALSE(ParseContainerList(R"({"Id": "1"})").ok());
}

TEST(ExitCodeFromStatusTextTest, HandlesOddText) {
  EXPECT_EQ(ExitCodeFromStatusText("Exited (137) 5 seconds ago"), 137);
  EXPECT_EQ(ExitCodeFromStatusText("Up 3 minutes"), 0);
  EXPECT_EQ(ExitCodeFromStatusText("Exited (x"), 0);
  EXPECT_EQ(ExitCodeFromStatusText("Exited (abc)"), 0);
}

TEST(HealthFromStatusTextTest, ReadsWhatTheEngineWritesAndNothingElse) {
  EXPECT_EQ(HealthFromStatusText("Up 5 seconds (health: starting)"), "starting");
  EXPECT_EQ(HealthFromStatusText("Up 2 minutes (healthy)"), "healthy");
  EXPECT_EQ(HealthFromStatusText("Up About a minute (unhealthy)"), "unhealthy");
  EXPECT_EQ(HealthFromStatusText("Up 5 seconds (Paused)"), "");
  EXPECT_EQ(HealthFromStatusText("Up 5 seconds"), "");
  EXPECT_EQ(HealthFromStatusText("Exited (0) 3 seconds ago"), "");
  EXPECT_EQ(HealthFromStatusText("(health: "), "");
  EXPECT_EQ(HealthFromStatusText("healthy"), "");
  EXPECT_EQ(HealthFromStatusText(""), "");
}

TEST(ParseEngineInfoTest, ReadsCpusAndMemory) {
  auto info = ParseEngineInfo(R"({"NCPU": 2, "MemTotal": 25000000000, "Name": "h"})");
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->ncpu, 2);
  EXPECT_EQ(info->mem_total_bytes, 25000000000);
  EXPECT_FALSE(ParseEngineInfo("null").ok());
}

TEST(ParseEngineVersionTest, ReadsApiVersion) {
  auto v = ParseEngineVersion(R"({"Version": "20.10.24", "ApiVersion": "1.41"})");
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->api_version, "1.41");
}

TEST(ParseImageDetailsTest, ReadsTagsAndLabels) {
  auto d = ParseImageDetails(
      R"({"Id": "sha256:1", "RepoTags": ["a:b"], "Config": {"Labels": {"x": "y"}}})");
  ASSERT_TRUE(d.ok());
  EXPECT_THAT(d->repo_tags, ElementsAre("a:b"));
  EXPECT_THAT(d->labels, ElementsAre(Pair("x", "y")));
}

TEST(ParseEngineEventTest, ReadsActorAndTime) {
  auto e = ParseEngineEvent(
      R"({"Type": "container", "Action": "die", "Actor": {"ID": "abc",
          "Attributes": {"exitCode": "137", "name": "n"}}, "time": 1, "timeNano": 1000000005})");
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->type, "container");
  EXPECT_EQ(e->action, "die");
  EXPECT_EQ(e->id, "abc");
  EXPECT_EQ(e->attributes.at("exitCode"), "137");
  EXPECT_EQ(e->time_nano, 1000000005);
  auto old = ParseEngineEvent(R"({"Type": "container", "id": "x", "time": 2})");
  ASSERT_TRUE(old.ok());
  EXPECT_EQ(old->id, "x");
  EXPECT_EQ(old->time_nano, 2000000000);
  EXPECT_FALSE(ParseEngineEvent("{\"Type\": ").ok());
}

// Found by docker_events_fuzz: seconds * 10^9 overflowed int64 (undefined behaviour).
TEST(ParseEngineEventTest, SecondsOutOfRangeGiveNoTime) {
  for (const char* time :
       {"17960671883346557", "-17960671883346557", "9223372036854775807", "-1", "1e300"}) {
    auto e = ParseEngineEvent(std::string(R"({"Type": "container", "time": )") + time + "}");
    ASSERT_TRUE(e.ok()) << time;
    EXPECT_EQ(e->time_nano, 0) << time;
  }
  auto last = ParseEngineEvent(R"({"Type": "container", "time": 9223372036})");
  ASSERT_TRUE(last.ok());
  EXPECT_EQ(last->time_nano, 9223372036000000000);
}

TEST(PullStreamErrorTest, FindsTheErrorLine) {
  EXPECT_EQ(PullStreamError("{\"status\":\"Pulling\"}\n{\"error\":\"boom\"}\n"), "boom");
  EXPECT_EQ(PullStreamError("{\"errorDetail\":{\"message\":\"m\"}}"), "m");
  EXPECT_EQ(PullStreamError("{\"status\":\"Done\"}\nnot json\n"), "");
}

TEST(ErrorMessageTest, PrefersTheMessageField) {
  EXPECT_EQ(ErrorMessage(R"({"message":"No such container: x"})"), "No such container: x");
  EXPECT_EQ(ErrorMessage("  page not found\n"), "page not found");
  EXPECT_EQ(ErrorMessage(""), "(no message)");
}

TEST(FiltersJsonTest, EncodesListsPerKey) {
  EXPECT_EQ(FiltersJson({{"label", {"a=b", "c"}}, {"type", {"container"}}}),
            R"({"label":["a=b","c"],"type":["container"]})");
}

}  // namespace
}  // namespace microscale::docker
