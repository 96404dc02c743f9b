#!/usr/bin/env bash
# Control-plane scale: a real microscale-controller against NODES simulated agents (one
# scale_load_driver process; every node a real AgentGateway stream), APPS static-demand
# apps of PER_APP containers each.
#
# 1. start the controller (loopback, unique cluster name, SQLite in a temp dir) and the
#    load driver; wait until every node is Ready (controller metric microscale_nodes);
# 2. apply APPS apps with static demand 0 (`microscalectl apply` of generated manifests,
#    CHUNK apps each, default 4000, applied concurrently);
# 3. idle 5 s, sample the controller's RSS;
# 4. the step: apply the same manifests with demand PER_APP for every app, and time until
#    the controller reports sum(running) == sum(desired) == APPS x PER_APP
#    (microscale_app_*_containers on /metrics) and until the simulated nodes hold that many
#    containers (the driver's own count, read every POLL s, default 0.25). A scrape of
#    10,000 apps (80,000 series) costs the controller CPU: 4 a second took 15 % of its CPU
#    in the step it measures. So /metrics is scraped every POLL_EARLY s (default 1) until
#    the nodes hold them, then every POLL s;
# 5. with everything running, the dashboard: one page (its history, then the stream for
#    10 s): the controller's CPU, and what the page receives;
# 6. the step back to 0, timed the same way.
# For each step it prints: apply time, convergence time, reconcile duration p50/p99 over the
# step (from the controller's histogram microscale_reconcile_duration_seconds, bucket
# interpolation like histogram_quantile), the longest pass's wall time and CPU (from the
# controller's `slow reconcile pass` log), commands/s (microscale_commands_total), the
# controller's CPU seconds over the step (/proc) and its RSS (now and peak).
#
# Usage: bench/scale/scale.sh NODES APPS PER_APP      (e.g. 1000 10000 10)
#   BUILD_DIR  release build (default build/bench) with microscale-controller,
#              microscalectl and bench/scale/scale_load_driver
#   START_DELAY_MS  simulated container start time (default 0)
#   HEARTBEAT_MS  every simulated node's heartbeat interval (default 2000, the agent's)
#   PERF=1     profiles the controller with `perf record -g` over the up step and prints
#              the top symbols (self and with children)
#   PERF_IDLE=1  the same over the 10 s of steady state after the up step (everything
#              running, nothing changing: what the idle cost is spent on)
#   IDLE_S     length of each idle measurement (default 10; 60 averages over the full
#              reconcile pass that runs every 30 s even when nothing changes)
#   KEEP_WORK=1 keeps the logs
#   STORE=etcd  the controller's state on a one-member etcd (Debian's etcd-server, started
#              here on loopback) instead of SQLite; each step also prints etcd's writes
#              (puts, deletes and transactions, from etcd's own /metrics) and writes/s
set -euo pipefail

NODES=${1:?usage: scale.sh NODES APPS PER_APP}
APPS=${2:?usage: scale.sh NODES APPS PER_APP}
PER_APP=${3:?usage: scale.sh NODES APPS PER_APP}
TOTAL=$((APPS * PER_APP))
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD_DIR=${BUILD_DIR:-$ROOT/build/bench}
CONTROLLER_BIN=$BUILD_DIR/controller/microscale-controller
CTL_BIN=$BUILD_DIR/cli/microscalectl
DRIVER_BIN=$BUILD_DIR/bench/scale/scale_load_driver
for b in "$CONTROLLER_BIN" "$CTL_BIN" "$DRIVER_BIN"; do
  [[ -x $b ]] || { echo "scale: $b not built (see the header of this script)" >&2; exit 1; }
done
CLUSTER=scale-$$
WORK=$(mktemp -d /tmp/microscale-scale.XXXXXX)
PIDS=()
cleanup() {
  trap - EXIT INT TERM
  local pid
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  if [[ ${KEEP_WORK:-0} == 1 ]]; then echo "scale: logs kept in $WORK" >&2; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

now_ms() { local t=${EPOCHREALTIME/./}; echo $((t / 1000)); }
ctl() { "$CTL_BIN" --controller "$GRPC" --timeout 120s "$@"; }
metrics() { curl -sf --max-time 30 "http://$HTTP/metrics"; }
rss_kib() { awk '/^VmRSS/ { print $2 }' "/proc/$1/status"; }
hwm_kib() { awk '/^VmHWM/ { print $2 }' "/proc/$1/status"; }
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
TICKS=$(getconf CLK_TCK)

# sums METRICS_FILE -> "nodes_ready desired running"
sums() {
  awk '/^microscale_nodes\{.*state="Ready"/ { r = $NF }
       /^microscale_app_desired_containers\{/ { d += $NF }
       /^microscale_app_running_containers\{/ { u += $NF }
       END { printf "%d %d %d\n", r, d, u }' "$1"
}

# hist_quantile Q BEFORE AFTER: quantile of the reconcile histogram between two scrapes.
hist_quantile() {
  awk -v q="$1" '
    FNR == 1 { f++ }
    /^microscale_reconcile_duration_seconds_bucket/ {
      match($0, /le="[^"]*"/); le = substr($0, RSTART + 4, RLENGTH - 5)
      if (f == 1) b[le] = $NF; else { a[le] = $NF; order[++n] = le }
    }
    END {
      total = a["+Inf"] - b["+Inf"]
      if (total <= 0) { print "n/a"; exit }
      rank = q * total; prev_le = 0; prev_c = 0
      for (i = 1; i <= n; i++) {
        le = order[i]; c = a[le] - b[le]
        if (c >= rank) {
          if (le == "+Inf") { printf ">%s s\n", prev_le; exit }
          frac = (c == prev_c) ? 0 : (rank - prev_c) / (c - prev_c)
          printf "%.1f ms\n", 1000 * (prev_le + (le - prev_le) * frac); exit
        }
        prev_le = le; prev_c = c
      }
    }' "$2" "$3"
}
# largest_pass FROM_MS TO_MS: the wall time and CPU of the longest pass that ended between
# the two (epoch ms), from the controller's `slow reconcile pass` log lines; the histogram's
# buckets only bound a p99. "< 500 ms" when no pass of the step was slow.
largest_pass() {
  python3 - "$1" "$2" "$WORK/controller.log" <<'PY'
import datetime, re, sys
lo, hi, path = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
def ms(text):
    total = 0.0
    for value, unit in re.findall(r"([\d.]+)(h|ms|us|m|s)", text):
        total += float(value) * {"h": 3.6e6, "m": 6e4, "s": 1e3, "ms": 1, "us": 1e-3}[unit]
    return total
best = None
for line in open(path, errors="replace"):
    if "slow reconcile pass" not in line:
        continue
    at = datetime.datetime.strptime(line.split()[0], "%Y-%m-%dT%H:%M:%S.%fZ")
    at_ms = at.replace(tzinfo=datetime.timezone.utc).timestamp() * 1000
    took = re.search(r" took=(\S+)", line)
    cpu = re.search(r" cpu=(\S+)", line)
    if took and lo <= at_ms <= hi and (best is None or ms(took.group(1)) > best[0]):
        best = (ms(took.group(1)), ms(cpu.group(1)) if cpu else float("nan"))
print("< 500 ms" if best is None else "%.0f / %.0f ms" % best)
PY
}
counter_sum() {  # counter_sum NAME FILE
  awk -v n="$1" 'index($0, n) == 1 && $0 !~ /^#/ { s += $NF } END { printf "%d\n", s }' "$2"
}
hist_count() {
  awk '/^microscale_reconcile_duration_seconds_count/ { print $NF }' "$1"
}
hist_sum_ms() {
  awk '/^microscale_reconcile_duration_seconds_sum/ { printf "%d\n", $NF * 1000 }' "$1"
}

# manifest VALUE NAME: writes the apps as $WORK/NAME-<k>.yaml, CHUNK apps a file (the CLI
# takes at most 1 MiB a manifest).
CHUNK=${CHUNK:-4000}
POLL=${POLL:-0.25}
manifest() {
  awk -v apps="$APPS" -v per="$PER_APP" -v value="$1" -v chunk="$CHUNK" \
    -v prefix="$WORK/$2-" 'BEGIN {
    for (i = 0; i < apps; i++) {
      f = sprintf("%s%03d.yaml", prefix, int(i / chunk))
      printf "---\napiVersion: microscale.io/v1\nkind: App\nmetadata: {name: app-%05d}\n", i > f
      printf "spec: {priority: %d, image: \"microscale/demo:latest\", ", 1 + i % 10 > f
      printf "resources: {cpu: 10m, memory: 16Mi}, replicas: {min: 0, max: %d}, ", per > f
      printf "demand: {source: static, targetPerContainer: 1, value: %d}}\n", value > f
    }
  }'
}
# apply_all NAME: applies every file of NAME at once (one microscalectl per file).
apply_all() {
  local f pids=() rc=0
  for f in "$WORK/$1"-*.yaml; do
    ctl apply -f "$f" >/dev/null &
    pids+=($!)
  done
  for f in "${pids[@]}"; do wait "$f" || rc=1; done
  return $rc
}

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
STORE_FLAGS=(--data-dir "$WORK/data")
ETCD=""
if [[ ${STORE:-sqlite} == etcd ]]; then
  source "$ROOT/bench/etcd.sh"
  start_etcd scale "$WORK" || { kill "$ETCD_PID" 2>/dev/null; exit 1; }
  PIDS+=("$ETCD_PID")
  STORE_FLAGS=(--store "etcd://$ETCD")
fi
# etcd_writes FILE: "puts deletes txns" from a scrape of etcd's /metrics.
etcd_writes() {
  awk '/^etcd_mvcc_put_total / { p = $NF } /^etcd_mvcc_delete_total / { d = $NF }
       /^etcd_mvcc_txn_total / { t = $NF } END { printf "%d %d %d\n", p, d, t }' "$1"
}

# --- start ------------------------------------------------------------------------------------
"$CONTROLLER_BIN" --grpc-addr 127.0.0.1:0 --http-addr 127.0.0.1:0 "${STORE_FLAGS[@]}" \
  --cluster-name "$CLUSTER" --startup-grace 0s 2>"$WORK/controller.log" &
CPID=$!
PIDS+=($CPID)
for _ in $(seq 1 200); do
  grep -qs 'grpc_port=' "$WORK/controller.log" && break
  sleep 0.05
done
GRPC=127.0.0.1:$(grep -o 'grpc_port=[0-9]*' "$WORK/controller.log" | head -1 | cut -d= -f2)
HTTP=127.0.0.1:$(grep -o 'http_port=[0-9]*' "$WORK/controller.log" | head -1 | cut -d= -f2)
IDLE_EMPTY_RSS=$(rss_kib "$CPID")

"$DRIVER_BIN" --controller "$GRPC" --cluster "$CLUSTER" --nodes "$NODES" \
  --start-delay-ms "${START_DELAY_MS:-0}" --heartbeat-ms "${HEARTBEAT_MS:-2000}" \
  >"$WORK/driver.out" 2>"$WORK/driver.log" &
DPID=$!
PIDS+=($DPID)
t0=$(now_ms)
while true; do
  metrics >"$WORK/m.txt" || true
  read -r ready _ _ < <(sums "$WORK/m.txt")
  ((ready == NODES)) && break
  if (($(now_ms) - t0 > 300000)); then echo "scale: only $ready of $NODES nodes Ready" >&2; exit 1; fi
  sleep 0.5
done
echo "scale: $NODES nodes Ready after $(($(now_ms) - t0)) ms" >&2
sleep 3
NODES_RSS=$(rss_kib "$CPID")

manifest 0 zero
manifest "$PER_APP" full
t0=$(now_ms)
apply_all zero
CREATE_MS=$(($(now_ms) - t0))
echo "scale: created $APPS apps in $CREATE_MS ms" >&2
sleep 5
IDLE_RSS=$(rss_kib "$CPID")
IDLE_S=${IDLE_S:-10}
# idle_cpu: the controller's CPU (cores) over IDLE_S seconds, and the reconcile passes run.
idle_cpu() {
  local c0 p0 s0
  metrics >"$WORK/idle0.txt" || true
  p0=$(hist_count "$WORK/idle0.txt")
  s0=$(hist_sum_ms "$WORK/idle0.txt")
  c0=$(cpu_ticks "$CPID")
  sleep "$IDLE_S"
  local cpu
  cpu=$(awk -v t="$(($(cpu_ticks "$CPID") - c0))" -v hz="$TICKS" -v s="$IDLE_S" \
    'BEGIN { printf "%.3f", t / hz / s }')
  metrics >"$WORK/idle1.txt" || true
  echo "$cpu cores, $(($(hist_count "$WORK/idle1.txt") - p0)) passes in ${IDLE_S} s" \
    "($(($(hist_sum_ms "$WORK/idle1.txt") - s0)) ms)"
}
IDLE_CPU=$(idle_cpu)

# perf_summary DATA WHEN: the controller's top symbols in a perf recording, by self time
# and with their callees.
perf_summary() {
  echo
  echo "Controller profile $2 (perf, self time, top entries):"
  echo
  { perf report -i "$1" --no-children --sort symbol --percent-limit 1.5 --stdio \
    2>/dev/null | grep -E '^ +[0-9.]+%' | sed 's/ \{3,\}/  /g' | cut -c1-160 | head -25; } || true
  echo
  echo "By caller chain (children, top entries):"
  { perf report -i "$1" --children --sort symbol --percent-limit 3 --stdio -g none \
    2>/dev/null | grep -E '^ +[0-9.]+%' | sed 's/ \{3,\}/  /g' | cut -c1-160 | head -40; } || true
}

# nodes_hold T0 TARGET: ms from T0 until the simulated nodes held TARGET containers (the
# driver's own count), or nothing yet.
nodes_hold() {
  awk -v t0="$1" -v want="$2" '{
      split($1, a, "="); split($3, b, "=")
      if (a[2] >= t0 && b[2] == want) { print a[2] - t0; exit } }' "$WORK/driver.out"
}

# step SET TARGET NAME: applies the manifests SET, times convergence to TARGET running; prints a row.
step() {
  local file=$1 target=$2 name=$3 t0 t_apply t_ctl="" t_agents="" c0 c1 d r u
  metrics >"$WORK/before.txt"
  [[ -z $ETCD ]] || curl -sf --max-time 30 "http://$ETCD/metrics" >"$WORK/etcd-before.txt"
  c0=$(cpu_ticks "$CPID")
  t0=$(now_ms)
  apply_all "$file"
  t_apply=$(($(now_ms) - t0))
  local scraped=0
  while true; do
    [[ -n $t_agents ]] || t_agents=$(nodes_hold "$t0" "$target")
    # Until the nodes hold them, the controller is scraped every POLL_EARLY s at most.
    if [[ -n $t_agents ]] || (($(now_ms) - scraped >= ${POLL_EARLY:-1} * 1000)); then
      scraped=$(now_ms)
      metrics >"$WORK/m.txt" || true
      read -r _ d u < <(sums "$WORK/m.txt")
      if ((d == target && u == target)); then
        t_ctl=$(($(now_ms) - t0))
        break
      fi
    fi
    if (($(now_ms) - t0 > 600000)); then
      echo "scale: $name: desired $d running $u after 600 s, want $target" >&2
      exit 1
    fi
    sleep "$POLL"
  done
  # The controller counts a container out when it sends the stop: wait for the nodes too.
  while [[ -z $t_agents ]]; do
    t_agents=$(nodes_hold "$t0" "$target")
    if (($(now_ms) - t0 > 600000)); then echo "scale: $name: nodes never held $target" >&2; exit 1; fi
    [[ -n $t_agents ]] || sleep 0.2
  done
  c1=$(cpu_ticks "$CPID")
  sleep 2
  metrics >"$WORK/after.txt"
  if [[ -n $ETCD ]]; then
    curl -sf --max-time 30 "http://$ETCD/metrics" >"$WORK/etcd-after.txt"
    local p0 d0 x0 p1 d1 x1
    read -r p0 d0 x0 < <(etcd_writes "$WORK/etcd-before.txt")
    read -r p1 d1 x1 < <(etcd_writes "$WORK/etcd-after.txt")
    echo "scale: $name: etcd $((p1 - p0)) puts, $((d1 - d0)) deletes in $((x1 - x0)) transactions;" \
      "$(awk -v w="$((p1 - p0 + d1 - d0))" -v t="$t_ctl" 'BEGIN { printf "%.0f", (t > 0 ? w * 1000 / t : 0) }') writes/s and" \
      "$(awk -v x="$((x1 - x0))" -v t="$t_ctl" 'BEGIN { printf "%.0f", (t > 0 ? x * 1000 / t : 0) }') transactions/s over the step" >&2
  fi
  local cmds reconciles cpu largest
  largest=$(largest_pass "$t0" "$(now_ms)")
  cmds=$(($(counter_sum microscale_commands_total "$WORK/after.txt") -
    $(counter_sum microscale_commands_total "$WORK/before.txt")))
  reconciles=$(($(hist_count "$WORK/after.txt") - $(hist_count "$WORK/before.txt")))
  cpu=$(awk -v t="$((c1 - c0))" -v hz="$TICKS" 'BEGIN { printf "%.1f", t / hz }')
  printf '| %s | %d | %d | %s | %d | %s | %s | %s | %d | %d | %.0f | %s | %d | %d |\n' \
    "$name" "$t_apply" "$t_ctl" "${t_agents:-n/a}" "$reconciles" \
    "$(hist_quantile 0.5 "$WORK/before.txt" "$WORK/after.txt")" \
    "$(hist_quantile 0.99 "$WORK/before.txt" "$WORK/after.txt")" "$largest" \
    "$cmds" "$target" "$(awk -v c="$cmds" -v t="$t_ctl" 'BEGIN { print (t > 0 ? c * 1000 / t : 0) }')" \
    "$cpu" "$(($(rss_kib "$CPID") / 1024))" "$(($(hwm_kib "$CPID") / 1024))"
}

echo
echo "Scale: $NODES simulated nodes, $APPS apps x $PER_APP = $TOTAL containers, store ${STORE:-sqlite} (date $(date -u +%FT%TZ))"
echo
echo "| step | apply (ms) | converged, controller view (ms) | converged, nodes hold them (ms) | reconciles | reconcile p50 | reconcile p99 | largest pass (wall / CPU) | commands | containers | commands/s | controller CPU (s) | RSS (MiB) | peak RSS (MiB) |"
echo "|---|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|"
if [[ ${PERF:-0} == 1 ]]; then
  perf record -F "${PERF_HZ:-499}" ${PERF_CALLGRAPH:--g} -p "$CPID" -o "$WORK/perf.data" 2>"$WORK/perf.log" &
  PERF_PID=$!
  sleep 1
fi
step full "$TOTAL" "0 -> $TOTAL"
if [[ -n ${PERF_PID:-} ]]; then
  kill -INT "$PERF_PID"
  wait "$PERF_PID" || true
  perf_summary "$WORK/perf.data" "over the up step"
fi
sleep 3
STEADY_RSS=$(rss_kib "$CPID")
if [[ ${PERF_IDLE:-0} == 1 ]]; then
  perf record -F "${PERF_HZ:-499}" ${PERF_CALLGRAPH:--g} -p "$CPID" -o "$WORK/perf-idle.data" \
    2>"$WORK/perf-idle.log" &
  PERF_IDLE_PID=$!
fi
STEADY_CPU=$(idle_cpu)
if [[ -n ${PERF_IDLE_PID:-} ]]; then
  kill -INT "$PERF_IDLE_PID"
  wait "$PERF_IDLE_PID" || true
  perf_summary "$WORK/perf-idle.data" "at steady state, $TOTAL running"
fi
# One dashboard page open: its history once, then the stream for 10 s (after 3 s to settle).
t0=$(now_ms)
HISTORY_BYTES=$(curl -sf --max-time 60 "http://$HTTP/api/v1/history" | wc -c)
HISTORY_MS=$(($(now_ms) - t0))
: > "$WORK/stream.out"
curl -sN --max-time 120 "http://$HTTP/api/v1/stream" >> "$WORK/stream.out" &
STREAM_PID=$!
for _ in $(seq 1 120); do  # the follower's first snapshot, then 3 s to settle
  grep -q '^event: snapshot' "$WORK/stream.out" && break
  sleep 0.5
done
FIRST_SNAPSHOT_KIB=$(($(wc -c < "$WORK/stream.out") / 1024))
sleep 3
s0=$(wc -c < "$WORK/stream.out")
e0=$(grep -c '^event: snapshot' "$WORK/stream.out" || true)
c0=$(cpu_ticks "$CPID")
sleep 10
PAGE_CPU=$(awk -v t="$(($(cpu_ticks "$CPID") - c0))" -v hz="$TICKS" 'BEGIN { printf "%.2f", t / hz / 10 }')
PAGE_KIBS=$(( ($(wc -c < "$WORK/stream.out") - s0) / 10 / 1024 ))
PAGE_EVENTS=$(( $(grep -c '^event: snapshot' "$WORK/stream.out" || true) - e0 ))
kill "$STREAM_PID" 2>/dev/null || true
wait "$STREAM_PID" 2>/dev/null || true
step zero 0 "$TOTAL -> 0"
echo
echo "Controller RSS: empty $((IDLE_EMPTY_RSS / 1024)) MiB; $NODES nodes $((NODES_RSS / 1024)) MiB;" \
  "+ $APPS apps at 0 $((IDLE_RSS / 1024)) MiB (idle: $IDLE_CPU);" \
  "$TOTAL containers running, steady $((STEADY_RSS / 1024)) MiB (idle: $STEADY_CPU);" \
  "peak $(($(hwm_kib "$CPID") / 1024)) MiB. Load driver RSS $(($(rss_kib "$DPID") / 1024)) MiB." \
  "Creating $APPS apps took $CREATE_MS ms."
echo "Dashboard, one page open with $TOTAL containers running: CPU $PAGE_CPU cores" \
  "(without a page: $STEADY_CPU); $PAGE_EVENTS snapshots in 10 s, $PAGE_KIBS KiB/s;" \
  "first snapshot $FIRST_SNAPSHOT_KIB KiB; its history: $((HISTORY_BYTES / 1024)) KiB in" \
  "$HISTORY_MS ms."
