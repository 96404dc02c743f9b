#!/usr/bin/env bash
# The controller's CPU for one apply that changes part of a large app set: a controller
# (SQLite, no nodes) holds APPS static apps at demand 0, settled; then one
# `microscalectl apply` changes CHANGED of them (replicas.max, not a demand setting) and the
# controller's CPU over the apply and the SETTLE_S seconds after it is read from
# /proc/PID/stat. Each build in BUILD_DIRS (default build/bench) is measured RUNS times,
# the builds alternating, so that two builds compare side by side.
#
# Usage: [BUILD_DIRS="build/bench /tmp/old/build/bench"] bench/scale/apply_cost.sh [RUNS] [APPS] [CHANGED]
# Needs microscale-controller and microscalectl in each build (the CLI of the first is used).
set -euo pipefail
RUNS=${1:-3}
APPS=${2:-10000}
CHANGED=${3:-4000}
SETTLE_S=${SETTLE_S:-5}
read -r -a BUILDS <<<"${BUILD_DIRS:-build/bench}"
CTL_BIN=${BUILDS[0]}/cli/microscalectl
for b in "${BUILDS[@]}"; do
  [[ -x $b/controller/microscale-controller ]] || { echo "apply_cost: $b: no controller built" >&2; exit 1; }
done
WORK=$(mktemp -d /tmp/microscale-apply-cost.XXXXXX)
CPID=""
cleanup() {
  [[ -n $CPID ]] && kill "$CPID" 2>/dev/null && wait "$CPID" 2>/dev/null
  rm -rf "$WORK"
}
trap cleanup EXIT

# manifests MAX: $WORK/apps-MAX-<k>.yaml, at most CHANGED apps a file (under the CLI's 1 MiB).
manifests() {
  awk -v apps="$APPS" -v chunk="$CHANGED" -v max="$1" -v prefix="$WORK/apps-$1-" 'BEGIN {
    for (i = 0; i < apps; i++) {
      f = sprintf("%s%03d.yaml", prefix, int(i / chunk))
      printf "---\napiVersion: microscale.io/v1\nkind: App\nmetadata: {name: app-%05d}\n", i > f
      printf "spec: {image: \"microscale/demo:latest\", resources: {cpu: 10m, memory: 16Mi}, " > f
      printf "replicas: {min: 0, max: %d}, demand: {source: static, value: 0}}\n", max > f
    }
  }'
}
manifests 10
manifests 11
ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
hz=$(getconf CLK_TCK)

# measure BUILD: prints "cpu_ms apply_ms" for one run.
measure() {
  rm -rf "$WORK/data" && mkdir "$WORK/data"
  "$1/controller/microscale-controller" --grpc-addr 127.0.0.1:0 --http-addr 127.0.0.1:0 \
    --data-dir "$WORK/data" --startup-grace 0s 2>"$WORK/controller.log" &
  CPID=$!
  for _ in $(seq 1 200); do grep -qs 'grpc_port=' "$WORK/controller.log" && break; sleep 0.05; done
  local grpc f c0 c1 t0 t1
  grpc=127.0.0.1:$(grep -o 'grpc_port=[0-9]*' "$WORK/controller.log" | head -1 | cut -d= -f2)
  for f in "$WORK"/apps-10-*.yaml; do "$CTL_BIN" --controller "$grpc" apply -f "$f" >/dev/null; done
  sleep 5  # the first reads settle and the static sources are held
  c0=$(ticks "$CPID")
  t0=$(date +%s%N)
  "$CTL_BIN" --controller "$grpc" apply -f "$WORK/apps-11-001.yaml" >/dev/null
  t1=$(date +%s%N)
  sleep "$SETTLE_S"
  c1=$(ticks "$CPID")
  kill "$CPID"
  wait "$CPID" 2>/dev/null || true
  CPID=""
  echo "$(((c1 - c0) * 1000 / hz)) $(((t1 - t0) / 1000000))"
}

echo "| build | controller CPU, apply + ${SETTLE_S} s (ms), per run | apply wall (ms), per run |"
echo "|---|---|---|"
declare -A cpu wall
for _ in $(seq 1 "$RUNS"); do
  for b in "${BUILDS[@]}"; do
    read -r c w < <(measure "$b")
    cpu[$b]+="$c "
    wall[$b]+="$w "
  done
done
for b in "${BUILDS[@]}"; do echo "| $b | ${cpu[$b]}| ${wall[$b]}|"; done
