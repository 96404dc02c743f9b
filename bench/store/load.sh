#!/usr/bin/env bash
# A new leader's load of the state on etcd, from etcd and from a standby's copy, side by
# side (store_load_bench.cc says what each figure is), on a one-member etcd (Debian's
# etcd-server) started here on loopback.
#
# Usage: bench/store/load.sh [ASSIGNMENTS...]     (default: 10000 100000)
#   BUILD_DIR  a Release build with bench/store/store_load_bench (default build/bench,
#              configured and built here with -DMICROSCALE_BUILD_BENCHMARKS=ON)
#   REPEATS    runs of each load (default 5)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD_DIR=${BUILD_DIR:-$ROOT/build/bench}
REPEATS=${REPEATS:-5}
SIZES=("$@")
((${#SIZES[@]} > 0)) || SIZES=(10000 100000)

if [[ ! -x $BUILD_DIR/bench/store/store_load_bench ]]; then
  cmake -S "$ROOT" -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release \
    -DMICROSCALE_BUILD_TESTS=OFF -DMICROSCALE_BUILD_BENCHMARKS=ON >/dev/null
fi
cmake --build "$BUILD_DIR" --target store_load_bench >/dev/null

WORK=$(mktemp -d)
ETCD_PID=""
cleanup() {
  [[ -z $ETCD_PID ]] || kill "$ETCD_PID" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT
source "$ROOT/bench/etcd.sh"
start_etcd load "$WORK" || exit 1

echo "store load: etcd $(etcd --version | head -1 | awk '{print $3}') on $ETCD, $(nproc) cores, $(date -u '+%Y-%m-%d %H:%M UTC'), commit $(git -C "$ROOT" rev-parse --short HEAD)"
for n in "${SIZES[@]}"; do
  echo "== $n assignments, $REPEATS repeats"
  "$BUILD_DIR/bench/store/store_load_bench" "$ETCD" "$n" "$REPEATS"
done
