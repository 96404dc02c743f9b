#!/usr/bin/env bash
# Integration test of the high-availability compose file (deploy/compose/ha) on the real
# Docker Engine with Debian's docker-compose 1.29:
#   - the images build offline (scripts/build-images), etcd's from Debian's binary;
#   - `up` starts a three-member etcd, three controllers and two agents; exactly one
#     controller leads: the one etcd's leader key names is the only one whose /metrics says
#     microscale_controller_leader 1;
#   - an app applied through microscalectl given all three controllers runs on both nodes;
#   - `docker kill` of the leading controller: another controller leads, both agents report
#     to it (Ready, heartbeats after the kill), a demand step set through the same list of
#     controllers is served, and the app's first containers are still the same, running,
#     never restarted, with no duplicate beside them;
#   - `down -v` plus removing the cluster's containers leaves nothing behind.
# A unique project, network and cluster name keep it apart from anything else on the host,
# and the cleanup runs on every exit.
set -euo pipefail
cd "$(dirname "$0")/../.."
source tests/deploy/lib.sh

PROJECT="mscomposeha$$$(date +%s)"
CLUSTER="ha-test-$PROJECT"
NETWORK="${PROJECT}_net"
APP=ha-web
CONTROLLERS=(controller-1 controller-2 controller-3)
export DOCKER_API_VERSION=1.41
# Empty ports: Docker publishes each controller's HTTP port on a free loopback port.
export MICROSCALE_CLUSTER=$CLUSTER MICROSCALE_NETWORK=$NETWORK MICROSCALE_HTTP_PORT_1='' \
  MICROSCALE_HTTP_PORT_2='' MICROSCALE_HTTP_PORT_3=''
COMPOSE=(docker-compose --ansi never -p "$PROJECT" -f deploy/compose/ha/docker-compose.yml)
work=$(mktemp -d)

cleanup() {
  local rc=$?
  compose_cleanup "$rc" "$CLUSTER" "${COMPOSE[@]}"
  rm -rf "$work"
  exit "$rc"
}
trap cleanup EXIT

# The app: static demand, one container per unit, small enough for either node alone.
chmod 755 "$work"
cat >"$work/app.yaml" <<EOF
apiVersion: microscale.io/v1
kind: App
metadata:
  name: $APP
spec:
  priority: 1
  image: microscale/demo:latest
  command: ["/bin/sh", "-c", "trap 'exit 0' TERM; while true; do sleep 1; done"]
  resources: {cpu: 100m, memory: 16Mi}
  replicas: {min: 0, max: 10}
  demand: {source: static, value: 2}
EOF
chmod 644 "$work/app.yaml"

# cli ARGS...: microscalectl on the project's network, given every controller.
cli() {
  docker run --rm --network "$NETWORK" -v "$work:/apps:ro" microscale/cli:latest \
    --controller controller-1:7400,controller-2:7400,controller-3:7400 "$@"
}

# The address etcd's leader key holds (the leader's --advertise-addr), or nothing.
leader_key() {
  "${COMPOSE[@]}" exec -T etcd-1 etcdctl --command-timeout=3s get --print-value-only \
    "/microscale/$CLUSTER/leader" 2>/dev/null | tr -d '\r'
}

# The controllers whose /metrics say microscale_controller_leader 1, separated by spaces.
# A standby either serves 0 there or does not serve HTTP at all.
leading_by_metrics() {
  local controller address leading=()
  for controller in "${CONTROLLERS[@]}"; do
    address=$("${COMPOSE[@]}" port "$controller" 7401 2>/dev/null) || continue
    [[ -n $address ]] || continue
    if curl -sf -m 2 "http://$address/metrics" | grep -qx 'microscale_controller_leader 1'; then
      leading+=("$controller")
    fi
  done
  echo "${leading[*]}"
}

# leads CONTROLLER: etcd's key names it, and it alone reports itself leader.
leads() {
  [[ $(leader_key) == "$1:7400" && $(leading_by_metrics) == "$1" ]]
}

# The controller that leads by etcd's key, once one does.
current_leader() {
  local key
  key=$(leader_key)
  [[ -n $key ]] && echo "${key%:7400}"
}

running_ids() {
  cluster_containers "$CLUSTER" --filter "label=io.microscale.app=$APP" --filter status=running |
    sort
}

# nodes_ready_since EPOCH: both nodes Ready, as the controller that answers the list sees
# them, each with a heartbeat at or after EPOCH.
nodes_ready_since() {
  local nodes
  nodes=$(cli -o json get nodes 2>/dev/null) || return 1
  python -c '
import datetime, json, sys
since, cluster = int(sys.argv[1]), sys.argv[2]
nodes = {n["metadata"]["name"]: n["status"] for n in json.load(sys.stdin)["items"]}
def fresh(status):
    beat = datetime.datetime.strptime(status.get("lastHeartbeat", "1970-01-01T00:00:00Z"),
                                      "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=datetime.timezone.utc)
    return status.get("state") == "Ready" and beat.timestamp() >= since
wanted = [f"{cluster}-node-1", f"{cluster}-node-2"]
sys.exit(0 if all(n in nodes and fresh(nodes[n]) for n in wanted) else 1)' \
    "$1" "$CLUSTER" <<<"$nodes"
}

# count_is N: exactly N containers of the app exist (any state), all running.
count_is() {
  (($(running_ids | wc -l) == $1)) &&
    (($(cluster_containers "$CLUSTER" -a --filter "label=io.microscale.app=$APP" | wc -l) == $1))
}

step "building the images"
./scripts/build-images >/dev/null
step "docker-compose up (project $PROJECT)"
compose_up "${COMPOSE[@]}"

# --- one leader ---------------------------------------------------------------------------
wait_until 90 "a controller holds etcd's leader key" current_leader >/dev/null
leader=$(current_leader)
[[ " ${CONTROLLERS[*]} " == *" $leader "* ]] || fail "the leader key names $leader"
wait_until 30 "$leader alone reports microscale_controller_leader 1" leads "$leader"
step "$leader leads"

wait_until 60 "both agents report to the leader" nodes_ready_since 0
cli apply -f /apps/app.yaml >/dev/null || fail "microscalectl apply through every controller"
wait_until 90 "$APP runs 2 containers" count_is 2
mapfile -t before < <(running_ids)
# started_at IDS...: each container's id and start time, one a line.
started_at() { docker inspect --format '{{.Id}} {{.State.StartedAt}}' "$@"; }
started_before=$(started_at "${before[@]}")
nodes_used=$(docker inspect --format '{{ index .Config.Labels "io.microscale.node" }}' \
  "${before[@]}" | sort -u | wc -l)
expect "nodes running $APP" "$nodes_used" 2
step "$APP runs on both nodes"

# --- the leader dies ------------------------------------------------------------------------
killed_at=$(date +%s)
docker kill "$("${COMPOSE[@]}" ps -q "$leader")" >/dev/null || fail "docker kill $leader"
step "killed $leader"
another_leads() {
  local now
  now=$(current_leader) && [[ $now != "$leader" ]]
}
wait_until 60 "another controller holds the leader key after $leader was killed" another_leads
new_leader=$(current_leader)
wait_until 30 "$new_leader alone reports microscale_controller_leader 1" leads "$new_leader"
step "$new_leader leads, $(($(date +%s) - killed_at))s after the kill"

wait_until 60 "both agents report to $new_leader" nodes_ready_since "$killed_at"
cli demand set "$APP" 4 >/dev/null || fail "microscalectl demand set through every controller"
wait_until 90 "$APP runs 4 containers after the demand step" count_is 4
after=$(running_ids)
missing=$(comm -23 <(printf '%s\n' "${before[@]}") <(echo "$after"))
[[ -z $missing ]] || fail "containers of the old leader's time are gone: $missing"
expect "start times of the first containers" "$(started_at "${before[@]}")" "$started_before"
step "$APP runs 4 containers, the first 2 untouched"

# --- down leaves nothing ------------------------------------------------------------------
step "docker-compose down -v"
compose_down_leaves_nothing "$PROJECT" "$CLUSTER" "${COMPOSE[@]}"
echo "PASS: compose ha: $new_leader took over from $leader, the agents followed it and nothing was restarted or left" >&2
