#!/usr/bin/env bash
# Footprint of the two daemons on one real Docker node.
#
# Starts a release controller and one agent (--runtime=docker) on loopback with a unique
# cluster name, then reads /proc for each:
#   idle    the agent connected, no app (RSS; CPU over IDLE_SECONDS, default 60)
#   loaded  one app at LOADED containers (default 20) running (RSS; CPU over 10 s)
# and prints the sizes of the deploy images (microscale/controller, agent, cli) if
# scripts/build-images has built them. Everything is stopped and removed on exit.
#
# Usage: bench/scale/footprint.sh
#   BUILD_DIR (default build/bench), IDLE_SECONDS, LOADED, KEEP_WORK=1
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD_DIR=${BUILD_DIR:-$ROOT/build/bench}
IDLE_SECONDS=${IDLE_SECONDS:-60}
LOADED=${LOADED:-20}
CONTROLLER_BIN=$BUILD_DIR/controller/microscale-controller
AGENT_BIN=$BUILD_DIR/node-agent/agent/microscale-agent
CTL_BIN=$BUILD_DIR/cli/microscalectl
IMAGE=microscale/demo:latest
CLUSTER=footprint-$$
export DOCKER_API_VERSION=1.41
for b in "$CONTROLLER_BIN" "$AGENT_BIN" "$CTL_BIN"; do
  [[ -x $b ]] || { echo "footprint: $b not built (see bench/README.md)" >&2; exit 1; }
done
"$ROOT/tests/support/ensure-dockerd"
"$ROOT/tests/support/images/build-test-image" "$IMAGE"

WORK=$(mktemp -d /tmp/microscale-footprint.XXXXXX)
PIDS=()
cleanup() {
  trap - EXIT INT TERM
  local pid ids
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  ids=$(docker ps -aq --filter "label=io.microscale.cluster=$CLUSTER")
  if [[ -n $ids ]]; then docker rm -f $ids >/dev/null 2>&1 || true; fi
  if [[ ${KEEP_WORK:-0} == 1 ]]; then echo "footprint: logs kept in $WORK" >&2; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

rss_mib() { awk '/^VmRSS/ { printf "%.1f", $2 / 1024 }' "/proc/$1/status"; }
threads() { awk '/^Threads/ { print $2 }' "/proc/$1/status"; }
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
TICKS=$(getconf CLK_TCK)
ctl() { "$CTL_BIN" --controller "$GRPC" "$@"; }

# cpu_over PID SECONDS: CPU time used over SECONDS, as "<seconds> s (<percent of a core>)".
cpu_over() {
  local c0
  c0=$(cpu_ticks "$1")
  sleep "$2"
  awk -v t="$(($(cpu_ticks "$1") - c0))" -v hz="$TICKS" -v s="$2" \
    'BEGIN { printf "%.2f s (%.2f%% of a core)", t / hz, 100 * t / hz / s }'
}

"$CONTROLLER_BIN" --grpc-addr 127.0.0.1:0 --http-addr 127.0.0.1:0 --data-dir "$WORK/data" \
  --cluster-name "$CLUSTER" --startup-grace 0s 2>"$WORK/controller.log" &
CPID=$!
PIDS+=($CPID)
for _ in $(seq 1 200); do
  grep -qs 'grpc_port=' "$WORK/controller.log" && break
  sleep 0.05
done
GRPC=127.0.0.1:$(grep -o 'grpc_port=[0-9]*' "$WORK/controller.log" | head -1 | cut -d= -f2)
"$AGENT_BIN" --controller "$GRPC" --node-name footprint-node --cluster-name "$CLUSTER" \
  --runtime docker --http-addr 127.0.0.1:0 --cpu 8 --memory 8Gi 2>"$WORK/agent.log" &
APID=$!
PIDS+=($APID)
for _ in $(seq 1 200); do
  ctl get nodes 2>/dev/null | grep -q ' Ready ' && break
  sleep 0.1
done
sleep 5

echo "Footprint (date $(date -u +%FT%TZ), $(nproc) CPUs)"
echo
echo "| process | state | RSS (MiB) | threads | CPU |"
echo "|---|---|---:|---:|---|"
cpu=$(cpu_over "$APID" "$IDLE_SECONDS")
echo "| microscale-agent (docker) | idle, connected, 0 containers | $(rss_mib "$APID") | $(threads "$APID") | $cpu over ${IDLE_SECONDS} s |"
echo "| microscale-controller | 1 node, 0 apps | $(rss_mib "$CPID") | $(threads "$CPID") | $(cpu_over "$CPID" 10) over 10 s |"

cat >"$WORK/app.yaml" <<YAML
apiVersion: microscale.io/v1
kind: App
metadata: {name: fp}
spec:
  image: $IMAGE
  resources: {cpu: 100m, memory: 16Mi}
  replicas: {min: 0, max: $LOADED}
  demand: {source: static, targetPerContainer: 1, value: $LOADED}
YAML
ctl apply -f "$WORK/app.yaml" >/dev/null
for _ in $(seq 1 600); do
  n=$(docker ps -q --filter "label=io.microscale.cluster=$CLUSTER" --filter status=running | wc -l)
  ((n == LOADED)) && break
  sleep 0.2
done
sleep 5
echo "| microscale-agent (docker) | $LOADED containers running | $(rss_mib "$APID") | $(threads "$APID") | $(cpu_over "$APID" 10) over 10 s |"
echo "| microscale-controller | 1 node, 1 app, $LOADED containers | $(rss_mib "$CPID") | $(threads "$CPID") | $(cpu_over "$CPID" 10) over 10 s |"
echo "| microscale-agent (docker) | peak | $(awk '/^VmHWM/ { printf "%.1f", $2 / 1024 }' "/proc/$APID/status") | | |"

echo
echo "Binaries (stripped size is what an image carries):"
for b in "$CONTROLLER_BIN" "$AGENT_BIN" "$CTL_BIN"; do
  strip -o "$WORK/stripped" "$b"
  echo "- $(basename "$b"): $(du -h "$b" | cut -f1) as built, $(du -h "$WORK/stripped" | cut -f1) stripped"
done
echo
echo "Images:"
found=0
for img in microscale/controller microscale/agent microscale/cli microscale/demo; do
  size=$(docker image inspect "$img:latest" --format '{{.Size}}' 2>/dev/null || true)
  if [[ -n $size ]]; then
    found=1
    echo "- $img:latest $(awk -v s="$size" 'BEGIN { printf "%.1f MB", s / 1e6 }')"
  fi
done
((found)) || echo "- none built (scripts/build-images)"
