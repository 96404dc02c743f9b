#include "node-agent/agent/container_table.h"

#include "gtest/gtest.h"

namespace microscale {
namespace {

using Effect = ContainerTable::EventEffect;

v1::Container Make(const std::string& instance, v1::ContainerState state) {
  v1::Container c;
  c.set_instance(instance);
  c.set_app("web");
  c.set_state(state);
  return c;
}

TEST(ContainerTable, ListingReplacesOlderEntries) {
  ContainerTable table;
  table.Upsert(Make("a", v1::CONTAINER_STATE_RUNNING));
  uint64_t since = table.Sequence();
  table.ReplaceAll({Make("b", v1::CONTAINER_STATE_PAUSED)}, since);
  auto snapshot = table.Snapshot();
  ASSERT_EQ(snapshot.size(), 1u);
  EXPECT_EQ(snapshot[0].instance(), "b");
}

TEST(ContainerTable, ListingDoesNotUndoNewerChanges) {
  ContainerTable table;
  table.Upsert(Make("gone", v1::CONTAINER_STATE_RUNNING));
  uint64_t since = table.Sequence();
  // While the engine answers the listing, a start and a stop complete.
  table.Upsert(Make("new", v1::CONTAINER_STATE_RUNNING));
  table.Remove("gone");
  table.ReplaceAll({Make("gone", v1::CONTAINER_STATE_RUNNING)}, since);
  auto snapshot = table.Snapshot();
  ASSERT_EQ(snapshot.size(), 1u);
  EXPECT_EQ(snapshot[0].instance(), "new");
  // A listing taken after the stop settles it.
  table.ReplaceAll({Make("new", v1::CONTAINER_STATE_RUNNING)}, table.Sequence());
  EXPECT_EQ(table.Snapshot().size(), 1u);
  EXPECT_FALSE(table.Find("gone").has_value());
}

TEST(ContainerTable, EventsMoveStates) {
  ContainerTable table;
  table.Upsert(Make("a", v1::CONTAINER_STATE_RUNNING));
  v1::ContainerEvent event;
  event.mutable_container()->set_instance("a");
  event.set_kind(v1::ContainerEvent::PAUSED);
  table.ApplyEvent(event);
  EXPECT_EQ(table.Find("a")->state(), v1::CONTAINER_STATE_PAUSED);
  EXPECT_EQ(table.Find("a")->app(), "web");  // fields the event lacks are kept
  event.set_kind(v1::ContainerEvent::OOM_KILLED);
  event.set_exit_code(137);
  table.ApplyEvent(event);
  EXPECT_EQ(table.Find("a")->state(), v1::CONTAINER_STATE_EXITED);
  EXPECT_EQ(table.Find("a")->exit_code(), 137);
  event.set_kind(v1::ContainerEvent::REMOVED);
  table.ApplyEvent(event);
  EXPECT_FALSE(table.Find("a").has_value());
  event.mutable_container()->set_instance("b");
  event.set_kind(v1::ContainerEvent::STARTED);
  table.ApplyEvent(event);
  EXPECT_EQ(table.Find("b")->state(), v1::CONTAINER_STATE_RUNNING);
}

// The engine reports a stop's exit and removal after the stop: the agent removed the
// container when the stop returned, and the late events neither bring it back nor go on to
// the controller (which sent a second stop to clear up the exited container it saw).
TEST(ContainerTable, LateEventsOfARemovedContainerAreDropped) {
  ContainerTable table;
  table.Upsert(Make("a", v1::CONTAINER_STATE_RUNNING));
  table.Remove("a");
  v1::ContainerEvent event;
  event.mutable_container()->set_instance("a");
  event.set_kind(v1::ContainerEvent::EXITED);
  event.set_exit_code(143);
  EXPECT_EQ(table.ApplyEvent(event), Effect::kIgnored);
  EXPECT_FALSE(table.Find("a").has_value());
  EXPECT_TRUE(table.Snapshot().empty());
  event.set_kind(v1::ContainerEvent::REMOVED);
  EXPECT_EQ(table.ApplyEvent(event), Effect::kIgnored);
  // A container removed by its own removal event stays removed too.
  table.Upsert(Make("b", v1::CONTAINER_STATE_RUNNING));
  event.mutable_container()->set_instance("b");
  EXPECT_EQ(table.ApplyEvent(event), Effect::kChanged);
  event.set_kind(v1::ContainerEvent::EXITED);
  EXPECT_EQ(table.ApplyEvent(event), Effect::kIgnored);
  EXPECT_TRUE(table.Snapshot().empty());
  // A container the table never held is news: an event brings it in.
  event.mutable_container()->set_instance("c");
  event.set_kind(v1::ContainerEvent::STARTED);
  EXPECT_EQ(table.ApplyEvent(event), Effect::kChanged);
  EXPECT_EQ(table.Find("c")->state(), v1::CONTAINER_STATE_RUNNING);
}

// An engine's start event that comes after the start's result recorded the container says
// nothing new, and the agent does not send it on; one that moves the state, or carries a
// field the table lacks, does.
TEST(ContainerTable, AnEventThatChangesNothingSaysSo) {
  ContainerTable table;
  table.Upsert(Make("a", v1::CONTAINER_STATE_RUNNING));
  v1::ContainerEvent event;
  *event.mutable_container() = Make("a", v1::CONTAINER_STATE_RUNNING);
  event.set_kind(v1::ContainerEvent::STARTED);
  EXPECT_EQ(table.ApplyEvent(event), Effect::kUnchanged);
  event.mutable_container()->set_container_id("other-id");
  EXPECT_EQ(table.ApplyEvent(event), Effect::kChanged);
  EXPECT_EQ(table.Find("a")->container_id(), "other-id");
  event.set_kind(v1::ContainerEvent::EXITED);
  event.set_exit_code(1);
  EXPECT_EQ(table.ApplyEvent(event), Effect::kChanged);
  EXPECT_EQ(table.ApplyEvent(event), Effect::kUnchanged);
  event.set_exit_code(2);
  EXPECT_EQ(table.ApplyEvent(event), Effect::kChanged);
  EXPECT_EQ(table.Find("a")->exit_code(), 2);
}

// A health change comes as an event of no kind: it changes the health, and a paused
// container's events (which carry none) keep it.
TEST(ContainerTable, HealthChangesAndOutlivesAPause) {
  ContainerTable table;
  v1::Container c = Make("a", v1::CONTAINER_STATE_RUNNING);
  c.set_health(v1::HEALTH_STARTING);
  table.Upsert(c);
  v1::ContainerEvent event;
  event.mutable_container()->set_instance("a");
  event.mutable_container()->set_state(v1::CONTAINER_STATE_RUNNING);
  event.mutable_container()->set_health(v1::HEALTH_HEALTHY);
  table.ApplyEvent(event);
  EXPECT_EQ(table.Find("a")->health(), v1::HEALTH_HEALTHY);
  EXPECT_EQ(table.Find("a")->state(), v1::CONTAINER_STATE_RUNNING);
  EXPECT_EQ(table.Find("a")->app(), "web");
  v1::ContainerEvent paused;
  paused.set_kind(v1::ContainerEvent::PAUSED);
  paused.mutable_container()->set_instance("a");
  table.ApplyEvent(paused);
  EXPECT_EQ(table.Find("a")->state(), v1::CONTAINER_STATE_PAUSED);
  EXPECT_EQ(table.Find("a")->health(), v1::HEALTH_HEALTHY);
}

// Docker events carry the container's labels, so its ports too: they replace the known
// ports rather than adding to them, and an event without ports keeps them.
TEST(ContainerTable, EventsKeepThePortsOnce) {
  ContainerTable table;
  v1::Container c = Make("a", v1::CONTAINER_STATE_RUNNING);
  v1::PublishedPort* port = c.add_ports();
  port->set_container_port(8080);
  port->set_host_port(30001);
  table.Upsert(c);
  v1::ContainerEvent event;
  event.set_kind(v1::ContainerEvent::PAUSED);
  *event.mutable_container() = c;
  table.ApplyEvent(event);
  event.mutable_container()->clear_ports();
  event.set_kind(v1::ContainerEvent::RESUMED);
  table.ApplyEvent(event);
  auto found = table.Find("a");
  ASSERT_TRUE(found.has_value());
  ASSERT_EQ(found->ports_size(), 1);
  EXPECT_EQ(found->ports(0).host_port(), 30001);
  EXPECT_EQ(found->state(), v1::CONTAINER_STATE_RUNNING);
}

}  // namespace
}  // namespace microscale
