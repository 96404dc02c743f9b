#!/usr/bin/env bash
# Scale-up latency served from a standby pool versus cold starts, through the whole system:
# the release microscale-controller, one microscale-agent on this host's dockerd, and
# `microscalectl demand set`.
#
# Four cases, alternating in one run (the order rotates every repeat, after one untimed
# warm-up round):
#   standby-1   demand 0 -> 1 on an app with `standby: 1`   (one unpause)
#   cold-1      demand 0 -> 1 on an app without standby       (one create + start)
#   standby-10  demand 0 -> 10 on an app with `standby: 10` (ten unpauses)
#   cold-10     demand 0 -> 10 on an app without standby      (ten creates + starts)
# A sample is the time from just before `microscalectl demand set` runs to the Docker
# event that made the last of the N containers run (`unpause` for standby, `start` for
# cold), read from the engine's /events with nanosecond times. Each sample is then checked:
# the controller must report N running and, for standby, every unpaused container must be
# one that was waiting in the pool (otherwise the run stops with an error; a step that
# needed a cold start would never see its N unpauses and time out). After each sample the
# demand goes back to 0 and the run waits for the app's baseline (standby pool full, or no
# container at all), so the next sample does not share the engine with this one's cleanup. Apps: microscale/demo:latest, 100m CPU, 16Mi memory each.
#
# Usage: bench/standby/standby_step.sh [REPEATS]            (default 12)
#   BUILD_DIR  a release build with microscale-controller, microscale-agent, microscalectl
#              (default build/standby-bench: cmake -DCMAKE_BUILD_TYPE=Release
#               -DMICROSCALE_BUILD_TESTS=OFF, then build those three targets)
set -euo pipefail

REPEATS=${1:-12}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD_DIR=${BUILD_DIR:-$ROOT/build/standby-bench}
CONTROLLER=$BUILD_DIR/controller/microscale-controller
AGENT=$BUILD_DIR/node-agent/agent/microscale-agent
CTL=$BUILD_DIR/cli/microscalectl
IMAGE=microscale/demo:latest
CLUSTER=bench-standby-$$
export DOCKER_API_VERSION=1.41

for bin in "$CONTROLLER" "$AGENT" "$CTL"; do
  [[ -x "$bin" ]] || { echo "standby_step: $bin not built (see the header)" >&2; exit 1; }
done
"$ROOT/tests/support/ensure-dockerd"
"$ROOT/tests/support/images/build-test-image" "$IMAGE"

WORK=$(mktemp -d)
PIDS=()
cleanup() {
  local pid ids
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  ids=$(docker ps -aq --filter "label=io.microscale.cluster=$CLUSTER")
  if [[ -n "$ids" ]]; then docker rm -f $ids >/dev/null; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

free_port() {  # a loopback port nothing answers on
  local port
  while true; do
    port=$((20000 + RANDOM % 40000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then echo "$port"; return; fi
  done
}
PORT=$(free_port)
ctl() { "$CTL" --controller "127.0.0.1:$PORT" "$@"; }

# poll SECONDS COMMAND...: runs COMMAND every 50 ms until it succeeds; fails after SECONDS.
poll() {
  local deadline=$((SECONDS + $1))
  shift
  until "$@"; do
    if ((SECONDS > deadline)); then
      echo "standby_step: timed out waiting for: $*" >&2
      tail -n 20 "$WORK/controller.log" "$WORK/agent.log" >&2
      exit 1
    fi
    sleep 0.05
  done
}

"$CONTROLLER" --grpc-addr "127.0.0.1:$PORT" --http-addr 127.0.0.1:0 --data-dir "$WORK/data" \
  --cluster-name "$CLUSTER" --startup-grace 0s >"$WORK/controller.log" 2>&1 &
PIDS+=($!)
"$AGENT" --controller "127.0.0.1:$PORT" --node-name bench-1 --cluster-name "$CLUSTER" \
  --http-addr 127.0.0.1:0 --cpu 8 --memory 4Gi >"$WORK/agent.log" 2>&1 &
PIDS+=($!)
node_ready() { ctl get nodes 2>/dev/null | grep -q ' Ready '; }
poll 60 node_ready

manifest() {  # manifest NAME STANDBY
  cat <<YAML
apiVersion: microscale.io/v1
kind: App
metadata:
  name: $1
spec:
  priority: 5
  image: $IMAGE
  resources: {cpu: 100m, memory: 16Mi}
  replicas: {min: 0, max: 10}
  standby: $2
  stopTimeoutSeconds: 1
  demand:
    source: static
    value: 0
YAML
}

# The app's column COLUMN of `get apps NAME -o wide` (RUNNING, PAUSED, STANDBY, ...).
app_figure() {
  ctl -o wide get apps "$1" 2>/dev/null | awk -v col="$2" '
    NR == 1 { for (i = 1; i <= NF; i++) if ($i == col) c = i }
    NR == 2 && c { print $c }'
}
docker_ids() {  # docker_ids APP [STATE]
  docker ps -aq --no-trunc --filter "label=io.microscale.cluster=$CLUSTER" \
    --filter "label=io.microscale.app=$1" ${2:+--filter "status=$2"}
}
count_lines() { grep -c . || true; }

# Baseline: nothing running, the pool (STANDBY containers) paused, nothing else left.
at_baseline() {  # at_baseline APP STANDBY
  [[ "$(app_figure "$1" RUNNING)" == 0 && "$(app_figure "$1" PAUSED)" == "$2" &&
    "$(docker_ids "$1" | count_lines)" == "$2" &&
    "$(docker_ids "$1" paused | count_lines)" == "$2" ]]
}
controller_running() { [[ "$(app_figure "$1" RUNNING)" == "$2" ]]; }
events_seen() { [[ "$(count_lines <"$1")" -ge "$2" ]]; }

# measure CASE: one sample of CASE in milliseconds on stdout.
measure() {
  local case=$1 app=${APPS[$1]} n=${STEP[$1]} pool=${POOL[$1]} action since t0 ms ev_pid
  action=$([[ $pool -gt 0 ]] && echo unpause || echo start)
  poll 120 at_baseline "$app" "$pool"
  docker_ids "$app" paused | sort >"$WORK/before"
  : >"$WORK/events"
  since=$(date +%s%N)
  docker events --since "${since:0:10}.${since:10}" --filter "label=io.microscale.app=$app" \
    --filter "event=$action" --format '{{.TimeNano}} {{.ID}}' >"$WORK/events" &
  ev_pid=$!
  sleep 0.3  # let the event reader settle so its start-up does not compete with the step
  t0=$(date +%s%N)
  ctl demand set "$app" "$n" >/dev/null
  poll 60 events_seen "$WORK/events" "$n"
  kill "$ev_pid" 2>/dev/null || true
  wait "$ev_pid" 2>/dev/null || true
  ms=$(sort -n "$WORK/events" | head -n "$n" | tail -n 1 |
    awk -v t0="$t0" '{ printf "%.1f", ($1 - t0) / 1e6 }')
  poll 60 controller_running "$app" "$n"
  if [[ $pool -gt 0 ]]; then
    sort -n "$WORK/events" | head -n "$n" | cut -d' ' -f2 | sort >"$WORK/served"
    if [[ -n "$(comm -13 "$WORK/before" "$WORK/served")" ]]; then
      echo "standby_step: $case unpaused a container that was not in the standby pool" >&2
      exit 1
    fi
  fi
  ctl demand set "$app" 0 >/dev/null
  poll 120 at_baseline "$app" "$pool"  # the next sample starts on a quiet engine
  echo "$ms"
}

percentile() {  # percentile P values... (nearest rank)
  local p=$1
  shift
  printf '%s\n' "$@" | sort -g | awk -v p="$p" '{ v[NR] = $1 } END {
    r = int(p * NR + 0.999999); if (r < 1) r = 1; if (r > NR) r = NR; print v[r] }'
}

CASES=(standby-1 cold-1 standby-10 cold-10)
declare -A APPS=() STEP=() POOL=() RESULTS=()
for c in "${CASES[@]}"; do
  APPS[$c]="b$$-${c}"
  STEP[$c]=${c##*-}
  POOL[$c]=0
  [[ $c == standby-* ]] && POOL[$c]=${STEP[$c]}
  manifest "${APPS[$c]}" "${POOL[$c]}" | ctl apply -f - >/dev/null
done

echo "standby_step: ${#CASES[@]} cases x $REPEATS repeats (+1 warm-up), cluster $CLUSTER" >&2
for c in "${CASES[@]}"; do measure "$c" >/dev/null; done
for r in $(seq 1 "$REPEATS"); do
  for k in 0 1 2 3; do
    c=${CASES[$(((r + k) % 4))]}
    ms=$(measure "$c")
    RESULTS[$c]="${RESULTS[$c]:-} $ms"
    echo "  repeat $r $c: $ms ms" >&2
  done
done

echo
echo "| demand step | served by | p50 (ms) | p95 (ms) | cold p50 / standby p50 | samples (ms) |"
echo "|---|---|---:|---:|---:|---|"
for n in 1 10; do
  s50=$(percentile 0.5 ${RESULTS[standby-$n]})
  c50=$(percentile 0.5 ${RESULTS[cold-$n]})
  for kind in standby cold; do
    c=$kind-$n
    p50=$(percentile 0.5 ${RESULTS[$c]})
    p95=$(percentile 0.95 ${RESULTS[$c]})
    ratio=""
    [[ $kind == standby ]] && ratio=$(awk -v a="$c50" -v b="$s50" 'BEGIN { printf "%.1fx", a / b }')
    label=$([[ $kind == standby ]] && echo "standby pool (unpause)" || echo "cold (create + start)")
    echo "| 0 -> $n | $label | $p50 | $p95 | $ratio |${RESULTS[$c]} |"
  done
done
