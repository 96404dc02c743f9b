#!/usr/bin/env bash
# Failover time of controllers sharing an etcd store, beside a single SQLite controller that
# a supervisor restarts on the same machine (the best a one-controller setup can do; if the
# machine is lost, it does not come back at all).
#
# Starts a one-member etcd on loopback (Debian's etcd-server), two controllers on one prefix
# (--leader-lease LEASE) and one agent on the simulated runtime given both addresses, and an
# app with a static demand. Each repeat kills the leader with kill -9 and measures, from the
# kill:
#   write   until `microscalectl --controller A,B demand set` succeeds (a standby leads and
#           takes writes);
#   served  until the agent runs the new count (the demand step served by the new leader).
# The killed controller is started again (it becomes the standby) before the next repeat.
# Then the same with one SQLite controller: kill -9 and start it again at once, as a
# supervisor would.
# Prints p50 and p95 (nearest rank) as markdown.
#
# Usage: bench/failover/failover.sh [REPEATS]     (default 5)
#   BUILD_DIR  a build with microscale-controller, microscale-agent, microscalectl
#              (default build/bench; see bench/README.md)
#   LEASE      --leader-lease (default 5s)
set -euo pipefail

REPEATS=${1:-5}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD_DIR=${BUILD_DIR:-$ROOT/build/bench}
LEASE=${LEASE:-5s}
CONTROLLER_BIN=$BUILD_DIR/controller/microscale-controller
AGENT_BIN=$BUILD_DIR/node-agent/agent/microscale-agent
CTL_BIN=$BUILD_DIR/cli/microscalectl
for b in "$CONTROLLER_BIN" "$AGENT_BIN" "$CTL_BIN" /usr/bin/etcd; do
  [[ -x $b ]] || { echo "failover: $b is missing (build the tree; apt-get install etcd-server)" >&2; exit 1; }
done

WORK=$(mktemp -d /tmp/microscale-failover.XXXXXX)
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
now() { date +%s.%N; }
ms_since() { python3 -c "import sys; print(round((float(sys.argv[2]) - float(sys.argv[1])) * 1000))" "$1" "$(now)"; }

ETCD_CLIENT=$(free_port)
ETCD_PEER=$(free_port)
/usr/bin/etcd --name m1 --data-dir "$WORK/etcd" \
  --listen-client-urls "http://127.0.0.1:$ETCD_CLIENT" --advertise-client-urls "http://127.0.0.1:$ETCD_CLIENT" \
  --listen-peer-urls "http://127.0.0.1:$ETCD_PEER" --initial-advertise-peer-urls "http://127.0.0.1:$ETCD_PEER" \
  --initial-cluster "m1=http://127.0.0.1:$ETCD_PEER" --log-level warn >"$WORK/etcd.log" 2>&1 &
PIDS+=($!)

ADDR=("127.0.0.1:$(free_port)" "127.0.0.1:$(free_port)")
HTTP=("127.0.0.1:$(free_port)" "127.0.0.1:$(free_port)")
CPID=(0 0)
start_controller() {  # start_controller INDEX [extra flags...]
  local i=$1
  shift
  "$CONTROLLER_BIN" --grpc-addr "${ADDR[$i]}" --http-addr "${HTTP[$i]}" "$@" \
    >>"$WORK/controller-$i.log" 2>&1 &
  CPID[$i]=$!
  PIDS+=($!)
}
ctl() { "$CTL_BIN" --timeout 2s "$@"; }
running_of() {  # running_of CONTROLLERS: running containers of app web
  ctl --controller "$1" get containers -o json 2>/dev/null |
    python3 -c 'import json,sys; d=json.load(sys.stdin); print(sum(1 for c in d["items"] if c["app"]=="web" and c["state"]=="Running"))' 2>/dev/null || echo -1
}
wait_until() {  # wait_until SECONDS COMMAND...
  local deadline=$((SECONDS + $1))
  shift
  until "$@" >/dev/null 2>&1; do
    ((SECONDS < deadline)) || { echo "failover: timed out waiting for: $*" >&2; exit 1; }
    sleep 0.02
  done
}
has_count() { [[ $(running_of "$1") == "$2" ]]; }
APP='apiVersion: microscale.io/v1
kind: App
metadata: {name: web}
spec:
  image: microscale/demo:latest
  replicas: {max: 10}
  demand: {source: static, value: 2}'

percentiles() {  # percentiles VALUES...: "p50 / p95" (nearest rank)
  python3 -c '
import math, sys
v = sorted(int(x) for x in sys.argv[1:])
rank = lambda p: v[max(0, math.ceil(p / 100 * len(v)) - 1)]
print(f"{rank(50):,} / {rank(95):,}")' "$@"
}

# --- two controllers on etcd ---------------------------------------------------------------
STORE=(--store "etcd://127.0.0.1:$ETCD_CLIENT" --etcd-prefix "/failover-$$/" --leader-lease "$LEASE")
start_controller 0 "${STORE[@]}"
wait_until 60 ctl --controller "${ADDR[0]}" version
start_controller 1 "${STORE[@]}"
BOTH="${ADDR[0]},${ADDR[1]}"
"$AGENT_BIN" --runtime=sim --controller "$BOTH" --node-name bench-node --http-addr 127.0.0.1:0 \
  --heartbeat-interval 200ms --cpu 16 >"$WORK/agent.log" 2>&1 &
PIDS+=($!)
echo "$APP" | ctl --controller "$BOTH" apply -f - >/dev/null
wait_until 60 has_count "$BOTH" 2

writes=() served=()
count=2
for ((r = 1; r <= REPEATS; r++)); do
  leader=0
  ctl --controller "${ADDR[0]}" version >/dev/null 2>&1 || leader=1
  count=$((count == 2 ? 3 : 2))
  t0=$(now)
  kill -9 "${CPID[$leader]}"
  wait_until 120 ctl --controller "$BOTH" demand set web "$count"
  writes+=("$(ms_since "$t0")")
  wait_until 120 has_count "$BOTH" "$count"
  served+=("$(ms_since "$t0")")
  echo "etcd repeat $r: write ${writes[-1]} ms, served ${served[-1]} ms" >&2
  start_controller "$leader" "${STORE[@]}"
  wait_until 60 grep -q "standby" "$WORK/controller-$leader.log"
done

# --- one SQLite controller, restarted at once -------------------------------------------------
kill -9 "${CPID[0]}" "${CPID[1]}" 2>/dev/null || true
SQLITE=(--store sqlite --data-dir "$WORK/sqlite")
start_controller 0 "${SQLITE[@]}"
wait_until 60 ctl --controller "${ADDR[0]}" version
echo "$APP" | ctl --controller "${ADDR[0]}" apply -f - >/dev/null
wait_until 60 has_count "${ADDR[0]}" 2
swrites=() sserved=()
for ((r = 1; r <= REPEATS; r++)); do
  count=$((count == 2 ? 3 : 2))
  t0=$(now)
  kill -9 "${CPID[0]}"
  wait "${CPID[0]}" 2>/dev/null || true
  start_controller 0 "${SQLITE[@]}"
  wait_until 120 ctl --controller "${ADDR[0]}" demand set web "$count"
  swrites+=("$(ms_since "$t0")")
  wait_until 120 has_count "${ADDR[0]}" "$count"
  sserved+=("$(ms_since "$t0")")
  echo "sqlite repeat $r: write ${swrites[-1]} ms, served ${sserved[-1]} ms" >&2
done

echo
echo "Failover, $REPEATS repeats, lease $LEASE ($(date -u +%Y-%m-%d), $(nproc) cores)"
echo
echo "| setup | kill -9 -> a write accepted, p50 / p95 (ms) | kill -9 -> demand step served, p50 / p95 (ms) |"
echo "|---|---:|---:|"
echo "| 2 controllers on etcd, standby takes over | $(percentiles "${writes[@]}") | $(percentiles "${served[@]}") |"
echo "| 1 controller on SQLite, restarted at once on the same machine | $(percentiles "${swrites[@]}") | $(percentiles "${sserved[@]}") |"
