#!/usr/bin/env bash
# Time to start N (default 20) containers on this node, three ways, in one run:
#   runtime  DockerContainerRuntime (Microscale's agent runtime), PARALLEL starts in flight
#   run      a serial `docker run -d` loop (the docker CLI)
#   compose  `docker-compose up -d --scale app=N` (Debian's docker-compose 1.29)
# Same image (microscale/demo:latest), limits (0.25 CPU, 64 MiB), no-new-privileges and
# default bridge network for all three. The methods alternate (the order rotates each
# repeat) after one untimed warm-up round, every container is removed between measurements,
# and p50/p95 and ratios are printed at the end.
#
# Usage: bench/agent/start20.sh [REPEATS] [COUNT]        (defaults: 5, 20)
#   PARALLEL   starts in flight for the runtime (default 8, the agent's --max-engine-calls)
#   BUILD_DIR  the release build holding bench/agent/agent_start_containers
#              (default build/docker-bench: cmake -DCMAKE_BUILD_TYPE=Release
#               -DMICROSCALE_BUILD_BENCHMARKS=ON -DMICROSCALE_BUILD_TESTS=OFF)
set -euo pipefail

REPEATS=${1:-5}
COUNT=${2:-20}
PARALLEL=${PARALLEL:-8}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD_DIR=${BUILD_DIR:-$ROOT/build/docker-bench}
BIN=$BUILD_DIR/bench/agent/agent_start_containers
IMAGE=microscale/demo:latest
RUN_ID=bench-$$
LABEL=io.microscale.bench=$RUN_ID
export DOCKER_API_VERSION=1.41 COMPOSE_API_VERSION=1.41

[[ -x "$BIN" ]] || { echo "start20: $BIN not built (see the header of this script)" >&2; exit 1; }
command -v docker-compose >/dev/null || { echo "start20: apt-get install docker-compose" >&2; exit 1; }
"$ROOT/tests/support/ensure-dockerd"
"$ROOT/tests/support/images/build-test-image" "$IMAGE"

WORK=$(mktemp -d)
cat >"$WORK/docker-compose.yml" <<YAML
version: "2.4"
services:
  app:
    image: $IMAGE
    cpus: 0.25
    mem_limit: 64m
    security_opt: [no-new-privileges]
    network_mode: bridge
    labels:
      io.microscale.bench: "$RUN_ID"
YAML

ours() { docker ps -aq --filter "label=$LABEL"; docker ps -aq --filter "label=io.microscale.cluster=$RUN_ID"; }
cleanup() {
  local ids
  ids=$(ours)
  if [[ -n "$ids" ]]; then docker rm -f $ids >/dev/null; fi
}
trap 'cleanup; rm -rf "$WORK"' EXIT

now_ms() { echo $(($(date +%s%N) / 1000000)); }

running() {
  { docker ps -q --filter "label=$LABEL" --filter status=running
    docker ps -q --filter "label=io.microscale.cluster=$RUN_ID" --filter status=running; } | wc -l
}

# Each method prints the milliseconds its N starts took.
method_runtime() {
  local out
  out=$("$BIN" --cluster "$RUN_ID" --node bench --app "rt$$" --image "$IMAGE" --count "$COUNT" \
    --parallel "$PARALLEL")
  echo "${out#start_ms=}" | cut -d' ' -f1 | cut -d. -f1
}

method_run() {
  local t0 i
  t0=$(now_ms)
  for i in $(seq 1 "$COUNT"); do
    docker run -d --name "run-$RUN_ID-$i" --label "$LABEL" --cpus 0.25 --memory 64m \
      --security-opt no-new-privileges "$IMAGE" >/dev/null
  done
  echo $(($(now_ms) - t0))
}

method_compose() {
  local t0
  t0=$(now_ms)
  docker-compose -p "$RUN_ID" -f "$WORK/docker-compose.yml" up -d --scale "app=$COUNT" \
    >/dev/null 2>&1
  echo $(($(now_ms) - t0))
}

measure() {  # measure METHOD -> ms on stdout; checks that all N run, then cleans up
  local ms n
  cleanup
  ms=$("method_$1")
  n=$(running)
  cleanup
  if [[ "$n" -ne "$COUNT" ]]; then
    echo "start20: $1 left $n of $COUNT containers running" >&2
    exit 1
  fi
  echo "$ms"
}

percentile() {  # percentile P values... (nearest rank)
  local p=$1
  shift
  printf '%s\n' "$@" | sort -n | awk -v p="$p" '{ v[NR] = $1 } END {
    r = int(p * NR + 0.999999); if (r < 1) r = 1; if (r > NR) r = NR; print v[r] }'
}

METHODS=(runtime run compose)
declare -A RESULTS=()
echo "start20: $COUNT containers x ${#METHODS[@]} methods x $REPEATS repeats (+1 warm-up)" >&2
for m in "${METHODS[@]}"; do measure "$m" >/dev/null; done
for r in $(seq 1 "$REPEATS"); do
  for k in 0 1 2; do
    m=${METHODS[$(((r + k) % 3))]}
    ms=$(measure "$m")
    RESULTS[$m]="${RESULTS[$m]:-} $ms"
    echo "  repeat $r $m: $ms ms" >&2
  done
done

echo
echo "| method | p50 (ms) | p95 (ms) | p50 / runtime p50 | samples (ms) |"
echo "|---|---:|---:|---:|---|"
RT50=$(percentile 0.5 ${RESULTS[runtime]})
for m in "${METHODS[@]}"; do
  p50=$(percentile 0.5 ${RESULTS[$m]})
  p95=$(percentile 0.95 ${RESULTS[$m]})
  ratio=$(awk -v a="$p50" -v b="$RT50" 'BEGIN { printf "%.2fx", a / b }')
  case $m in
    runtime) label="DockerContainerRuntime, $PARALLEL in flight" ;;
    run) label="serial \`docker run -d\` loop" ;;
    compose) label="\`docker-compose up -d --scale app=$COUNT\`" ;;
  esac
  echo "| $label | $p50 | $p95 | $ratio |${RESULTS[$m]} |"
done
