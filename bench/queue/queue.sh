#!/usr/bin/env bash
# Closed-loop queue benchmark on one real Docker node: how well the container count follows
# an arrival rate, for the level mode (`targetPerContainer: 10`), the queue mode learning the
# drain rate (`queue: {backlogTarget: 10}`) and the queue mode told it
# (`queue: {backlogTarget: 10, perContainerRate: 1}`) side by side in the same run, and the
# queue mode that also reads the queue's count of items ever enqueued ("counted":
# `httpJson: {..., arrivalsPointer: /enqueued}`, docs/manifest.md "Counting arrivals").
#
# Items arrive at λ(t) items/s into one queue per app (queue_server.py, on loopback); every
# container of that app that the Docker Engine reports running drains μ = 1 item/s (from its
# start event to its die event). The controller reads the queue's depth with the http-json
# source every 0.5 s
# (`httpJson: {url: http://127.0.0.1:PORT/q/APP, pointer: /depth}`) and scales the app.
# The apps run at once in one cluster (a release controller and one docker agent on
# loopback with a unique cluster name), get the same arrivals and drain their own queue.
# Apps use host networking (the controller runs with --allow-host-network), 50m / 16Mi,
# replicas 0..2N, on an agent offering 32 CPUs so capacity never limits.
#
# Scenarios (t = 0 when arrivals start; each ends with 60 s of λ = 0):
#   step10     λ 0 -> 10 for 150 s -> 0           N = 10, max 20
#   step20     λ 0 -> 20 for 150 s -> 0           N = 20, max 40
#   ramp20     λ 0 -> 20 over 60 s, 120 s at 20 -> 0   N = 20, max 40
#   poisson10  Poisson arrivals, mean 10/s for 180 s -> 0 (seed SEED + repeat)   N = 10, max 20
#   rampstep30 λ 0 -> 15 over 45 s, then a step to 30 for 120 s -> 0   N = 30, max 40
#              (not in the default set: a ramp that the count follows, then a step)
# Each scenario runs REPEATS times; between runs the apps are deleted and the script waits
# until the engine lists none of their containers. Each run's directory holds the queue
# timelines (APP.csv), the controller's view scraped from /metrics (APP.controller.csv),
# meta.json and the manifests. analyze.py then prints the table of
# issue 13 (first container, time to N, overshoot, reversals in 120 s, backlog held, time
# back to 0 after arrivals stop; reversals per minute and container-seconds) as markdown.
#
# Usage: bench/queue/queue.sh [REPEATS]     (default 3; about 16 minutes per repeat)
#   BUILD_DIR   release build with the three binaries (default build/bench:
#               cmake -DCMAKE_BUILD_TYPE=Release -DMICROSCALE_BUILD_BENCHMARKS=ON
#               -DMICROSCALE_BUILD_TESTS=OFF; targets microscale-controller
#               microscale-agent microscalectl)
#   SCENARIOS   default "step10 step20 ramp20 poisson10"
#   MODES       default "level queue declared"; also "counted" (each app is named after its
#               mode); "level" alone runs a controller without queue mode
#   SEED        base seed of the Poisson arrivals (default 7)
#   RUNNING_FROM  what a queue's running count follows: "events" (default), the engine's
#               start and die events as they come, or "poll", the engine's list every
#               0.15 s (each start credited late by the poll and the list's latency;
#               meta.json's pollLag measures it either way)
#   OUT         directory kept with every run's timelines (default: a temporary directory,
#               removed at the end unless KEEP_WORK=1)
set -euo pipefail

REPEATS=${1:-3}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
HERE=$ROOT/bench/queue
BUILD_DIR=${BUILD_DIR:-$ROOT/build/bench}
SCENARIOS=${SCENARIOS:-step10 step20 ramp20 poisson10}
MODES=${MODES:-level queue declared}
SEED=${SEED:-7}
RUNNING_FROM=${RUNNING_FROM:-events}
IMAGE=microscale/demo:latest
CLUSTER=queue-$$
SOCK=/var/run/docker.sock
export DOCKER_API_VERSION=1.41

CONTROLLER_BIN=$BUILD_DIR/controller/microscale-controller
AGENT_BIN=$BUILD_DIR/node-agent/agent/microscale-agent
CTL_BIN=$BUILD_DIR/cli/microscalectl
for b in "$CONTROLLER_BIN" "$AGENT_BIN" "$CTL_BIN"; do
  [[ -x $b ]] || { echo "queue: $b not built (see the header of this script)" >&2; exit 1; }
done
for c in python3 curl docker; do
  command -v "$c" >/dev/null || { echo "queue: $c not found (scripts/setup)" >&2; exit 1; }
done
"$ROOT/tests/support/ensure-dockerd"
"$ROOT/tests/support/images/build-test-image" "$IMAGE"

WORK=$(mktemp -d /tmp/microscale-queue.XXXXXX)
RUNS=${OUT:-$WORK/runs}
mkdir -p "$RUNS"
PIDS=()

# --- cleanup -------------------------------------------------------------------------------
remove_ours() {
  local ids
  ids=$(docker ps -aq --filter "label=io.microscale.cluster=$CLUSTER")
  if [[ -n $ids ]]; then docker rm -f $ids >/dev/null 2>&1 || true; fi
}
cleanup() {
  trap - EXIT INT TERM
  local pid
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  remove_ours
  if [[ ${KEEP_WORK:-0} == 1 ]]; then echo "queue: logs kept in $WORK" >&2; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- helpers -------------------------------------------------------------------------------
ctl() { "$CTL_BIN" --controller "$GRPC" "$@"; }

# containers of the cluster in any state, as the engine lists them
count_all() {
  curl -sf --unix-socket "$SOCK" -G "http://localhost/v1.41/containers/json" \
    --data-urlencode all=1 \
    --data-urlencode "filters={\"label\":[\"io.microscale.cluster=$CLUSTER\"]}" |
    awk -F'"Id":' '{ n += NF - 1 } END { print n + 0 }'
}

wait_no_containers() {
  local i
  for i in $(seq 1 600); do
    [[ $(count_all) -eq 0 ]] && return 0
    sleep 0.2
  done
  echo "queue: containers of $CLUSTER still listed after 120 s" >&2
  exit 1
}

start_cluster() {
  "$CONTROLLER_BIN" --grpc-addr 127.0.0.1:0 --http-addr 127.0.0.1:0 --data-dir "$WORK/data" \
    --cluster-name "$CLUSTER" --startup-grace 0s --allow-host-network \
    2>"$WORK/controller.log" &
  PIDS+=($!)
  local i
  for i in $(seq 1 200); do
    if grep -qs 'grpc_port=' "$WORK/controller.log"; then break; fi
    sleep 0.05
  done
  GRPC=127.0.0.1:$(grep -o 'grpc_port=[0-9]*' "$WORK/controller.log" | head -1 | cut -d= -f2)
  HTTP=127.0.0.1:$(grep -o 'http_port=[0-9]*' "$WORK/controller.log" | head -1 | cut -d= -f2)
  [[ $GRPC != 127.0.0.1: && $HTTP != 127.0.0.1: ]] || { cat "$WORK/controller.log" >&2; exit 1; }
  "$AGENT_BIN" --controller "$GRPC" --node-name queue-node --cluster-name "$CLUSTER" \
    --runtime docker --http-addr 127.0.0.1:0 --cpu 32 --memory 16Gi 2>"$WORK/agent.log" &
  PIDS+=($!)
  for i in $(seq 1 200); do
    if ctl get nodes 2>/dev/null | grep -q ' Ready '; then return 0; fi
    sleep 0.1
  done
  echo "queue: the agent did not become Ready" >&2
  cat "$WORK/agent.log" >&2
  exit 1
}

demand_yaml() {  # demand_yaml MODE
  case $1 in
    level) echo "    targetPerContainer: 10" ;;
    queue) echo "    queue: {backlogTarget: 10}" ;;
    declared) echo "    queue: {backlogTarget: 10, perContainerRate: 1}" ;;
    counted) echo "    queue: {backlogTarget: 10}" ;;
    *) echo "queue: unknown mode $1" >&2; exit 2 ;;
  esac
}

arrivals_yaml() {  # arrivals_yaml MODE: the counter of items ever enqueued, for "counted"
  [[ $1 == counted ]] && echo ", arrivalsPointer: /enqueued" || true
}

app_manifest() {  # app_manifest MODE MAX PORT  (the app is named after its mode)
  cat <<YAML
apiVersion: microscale.io/v1
kind: App
metadata: {name: $1}
spec:
  priority: 1
  image: $IMAGE
  network: host
  resources: {cpu: 50m, memory: 16Mi}
  replicas: {min: 0, max: $2}
  demand:
    source: http-json
    intervalSeconds: 0.5
$(demand_yaml "$1")
    httpJson: {url: "http://127.0.0.1:$3/q/$1", pointer: /depth$(arrivals_yaml "$1")}
YAML
}

# every app has had its demand read at least once
demand_read() {
  ctl -o json get apps 2>/dev/null | python3 -c '
import json, sys
items = json.load(sys.stdin)["items"]
want = set(sys.argv[1:])
seen = {i["metadata"]["name"] for i in items if (i.get("status") or {}).get("demand") is not None}
sys.exit(0 if want <= seen else 1)' $MODES
}

scenario_args() {  # scenario_args NAME REPEAT -> "MAX SCENARIO ARRIVALS SEED"
  case $1 in
    step10) echo "20 150:10,60:0 fluid 0" ;;
    step20) echo "40 150:20,60:0 fluid 0" ;;
    ramp20) echo "40 60:0-20,120:20,60:0 fluid 0" ;;
    poisson10) echo "20 180:10,60:0 poisson $((SEED + $2))" ;;
    rampstep30) echo "40 45:0-15,120:30,60:0 fluid 0" ;;
    *) echo "queue: unknown scenario $1" >&2; exit 2 ;;
  esac
}

# run_one SCENARIO REPEAT: one closed-loop run of every mode at once
run_one() {
  local scen=$1 rep=$2 max spec arrivals seed dir port qpid i m
  read -r max spec arrivals seed < <(scenario_args "$scen" "$rep")
  dir=$RUNS/$scen-r$rep
  rm -rf "$dir"
  mkdir -p "$dir"
  python3 "$HERE/queue_server.py" --apps "${MODES// /,}" --modes "${MODES// /,}" \
    --cluster "$CLUSTER" --name "$scen" --scenario "$spec" --arrivals "$arrivals" \
    --seed "$seed" --out "$dir" --port-file "$dir/port" --running-from "$RUNNING_FROM" \
    --controller-metrics "http://$HTTP/metrics" 2>"$dir/server.log" &
  qpid=$!
  PIDS+=("$qpid")
  for i in $(seq 1 100); do [[ -s $dir/port ]] && break; sleep 0.1; done
  [[ -s $dir/port ]] || { cat "$dir/server.log" >&2; exit 1; }
  port=$(cat "$dir/port")
  for m in $MODES; do
    [[ $m == "${MODES%% *}" ]] || echo ---
    app_manifest "$m" "$max" "$port"
  done >"$dir/apps.yaml"
  ctl apply -f "$dir/apps.yaml" >/dev/null
  for i in $(seq 1 100); do demand_read && break; sleep 0.1; done
  demand_read || { echo "queue: the controller did not read the queues" >&2; exit 1; }
  [[ $(count_all) -eq 0 ]] || { echo "queue: containers before the start" >&2; exit 1; }
  curl -sf -X POST "http://127.0.0.1:$port/start" >/dev/null
  echo "  $scen repeat $rep: started (λ: $spec, $arrivals arrivals)" >&2
  wait "$qpid"
  for m in $MODES; do ctl delete app "$m" >/dev/null; done
  wait_no_containers
}

# --- the run -----------------------------------------------------------------------------------
start_cluster
if [[ " $MODES " == *" queue "* || " $MODES " == *" declared "* || " $MODES " == *" counted "* ]]; then
  app_manifest queue 20 1 >"$WORK/probe.yaml"
  if ! ctl apply --dry-run -f "$WORK/probe.yaml" >/dev/null 2>"$WORK/probe.err"; then
    echo "queue: this controller refuses queue mode ($(head -1 "$WORK/probe.err"));" \
      "MODES=level runs the level mode alone" >&2
    exit 1
  fi
fi

echo "queue: scenarios [$SCENARIOS] x modes [$MODES] x $REPEATS repeats; cluster $CLUSTER" >&2
echo "queue: $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')" >&2
for r in $(seq 1 "$REPEATS"); do
  for s in $SCENARIOS; do
    run_one "$s" "$r"
  done
done

echo
python3 "$HERE/analyze.py" "$RUNS"
if [[ -n ${OUT:-} ]]; then echo "queue: timelines kept in $RUNS" >&2; fi
