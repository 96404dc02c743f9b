#include "controller/store/state_snapshot.h"

#include "common/status_macros.h"

namespace microscale {

absl::StatusOr<StateSnapshot> ReadSnapshot(StateStore& store) {
  StateSnapshot s;
  ASSIGN_OR_RETURN(s.apps, store.ListApps());
  ASSIGN_OR_RETURN(s.static_demands, store.GetStaticDemands());
  ASSIGN_OR_RETURN(s.cordons, store.ListCordons());
  ASSIGN_OR_RETURN(s.draining, store.ListDraining());
  ASSIGN_OR_RETURN(s.assignments, store.ListAssignments());
  ASSIGN_OR_RETURN(s.next_ordinals, store.GetNextOrdinals());
  ASSIGN_OR_RETURN(s.tokens, store.ListTokens());
  return s;
}

}  // namespace microscale
