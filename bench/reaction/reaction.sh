#!/usr/bin/env bash
# Reaction time on one real Docker node: Microscale against a serial `docker run -d` loop
# and `docker-compose up -d --scale`, in one run, alternating.
#
# The script starts a release controller and one agent (--runtime=docker) on loopback with a
# unique cluster name, applies one static-demand app (microscale/demo:latest, 250m CPU,
# 64Mi, default bridge network) and then, for each step size N in STEPS:
#   up    0 -> N   Microscale: `microscalectl demand set`; run: a serial `docker run -d`
#                  loop; compose: `docker-compose up -d --scale app=N`
#   down  N -> 0   Microscale: `demand set 0`; run: a serial `docker rm -f` loop;
#                  compose: `docker-compose up -d --scale app=0`
# A step is timed from the moment the command is issued until the Docker Engine itself
# reports every container running (up) or gone (down): the script asks the engine's API
# for the containers of that method's label about every 20 ms. The order of the methods
# rotates each repeat after an untimed warm-up round; p50/p95 (nearest rank) and ratios
# against Microscale's p50 are printed as markdown.
#
# Then a polled source: a second app whose demand is the length of a Redis list
# (redis-server on loopback, started here), read every `intervalSeconds` (INTERVALS). Each
# repeat waits a random fraction of the interval, LPUSHes one item and times until the
# app's first container is running: detection delay plus one cold start.
#
# Then the queue step: for each queue source in QUEUE_SOURCES (redis-list, redis-stream,
# rabbitmq: a redis-server and a RabbitMQ broker with its management plugin started here, on
# loopback), QUEUE_N messages are published at once to an app with targetPerContainer
# QUEUE_TARGET read every second, timed until ceil(N / target) containers run; the queue is
# then emptied and the app waits back at 0. Sources alternate each repeat (REPEATS).
#
# Usage: bench/reaction/reaction.sh [REPEATS]     (default 5)
#   BUILD_DIR   release build with the three binaries (default build/bench:
#               cmake -DCMAKE_BUILD_TYPE=Release -DMICROSCALE_BUILD_BENCHMARKS=ON
#               -DMICROSCALE_BUILD_TESTS=OFF; targets microscale-controller
#               microscale-agent microscalectl)
#   STEPS       step sizes (default "1 10 20"; empty skips them)
#   INTERVALS   intervalSeconds of the polled step (default "1 2"; empty skips it)
#   POLL_REPEATS repeats of the polled step per interval (default 2 x REPEATS)
#   QUEUE_SOURCES queue sources of the queue step (default "redis-list redis-stream
#               rabbitmq"; empty skips it), QUEUE_N (default 20), QUEUE_TARGET (default 5)
set -euo pipefail

REPEATS=${1:-5}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD_DIR=${BUILD_DIR:-$ROOT/build/bench}
STEPS=${STEPS-1 10 20}
INTERVALS=${INTERVALS-1 2}
POLL_REPEATS=${POLL_REPEATS:-$((2 * REPEATS))}
QUEUE_SOURCES=${QUEUE_SOURCES-redis-list redis-stream rabbitmq}
QUEUE_N=${QUEUE_N:-20}
QUEUE_TARGET=${QUEUE_TARGET:-5}
IMAGE=microscale/demo:latest
CLUSTER=reaction-$$
RUN_LABEL=io.microscale.bench=$CLUSTER
SOCK=/var/run/docker.sock
export DOCKER_API_VERSION=1.41 COMPOSE_API_VERSION=1.41

CONTROLLER_BIN=$BUILD_DIR/controller/microscale-controller
AGENT_BIN=$BUILD_DIR/node-agent/agent/microscale-agent
CTL_BIN=$BUILD_DIR/cli/microscalectl
for b in "$CONTROLLER_BIN" "$AGENT_BIN" "$CTL_BIN"; do
  [[ -x $b ]] || { echo "reaction: $b not built (see the header of this script)" >&2; exit 1; }
done
for c in docker-compose redis-server redis-cli curl; do
  command -v "$c" >/dev/null || { echo "reaction: $c not found (scripts/setup)" >&2; exit 1; }
done
"$ROOT/tests/support/ensure-dockerd"
"$ROOT/tests/support/images/build-test-image" "$IMAGE"

WORK=$(mktemp -d /tmp/microscale-reaction.XXXXXX)
PIDS=()

# --- cleanup -------------------------------------------------------------------------------
remove_ours() {
  local ids
  ids=$({ docker ps -aq --filter "label=$RUN_LABEL"
    docker ps -aq --filter "label=io.microscale.cluster=$CLUSTER"; } | sort -u)
  if [[ -n $ids ]]; then docker rm -f $ids >/dev/null 2>&1 || true; fi
}
cleanup() {
  trap - EXIT INT TERM
  local pid
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  if [[ -n ${EPMD_PORT:-} ]]; then epmd -port "$EPMD_PORT" -kill >/dev/null 2>&1 || true; fi
  remove_ours
  if [[ ${KEEP_WORK:-0} == 1 ]]; then echo "reaction: logs kept in $WORK" >&2; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- helpers -------------------------------------------------------------------------------
now_ms() { local t=${EPOCHREALTIME/./}; echo $((t / 1000)); }

# count LABEL running|all: containers of LABEL as the engine lists them.
count() {
  local filters
  if [[ $2 == running ]]; then
    filters="{\"label\":[\"$1\"],\"status\":[\"running\"]}"
  else
    filters="{\"label\":[\"$1\"]}"
  fi
  local listed
  listed=$(curl -sf --unix-socket "$SOCK" -G "http://localhost/v1.41/containers/json" \
    --data-urlencode "all=$([[ $2 == all ]] && echo 1 || echo 0)" \
    --data-urlencode "filters=$filters") || { echo "reaction: the engine did not answer" >&2; return 1; }
  printf '%s' "$listed" | awk -F'"Id":' '{ n += NF - 1 } END { print n + 0 }'
}

# wait_for LABEL running|all TARGET T0_MS: prints ms from T0 until count == TARGET.
wait_for() {
  local deadline=$(($(now_ms) + 180000)) n
  while true; do
    n=$(count "$1" "$2")
    if [[ $n -eq $3 ]]; then
      echo $(($(now_ms) - $4))
      return 0
    fi
    if (($(now_ms) > deadline)); then
      echo "reaction: $1 still has $n ($2) containers, want $3" >&2
      return 1
    fi
    sleep 0.02
  done
}

percentile() {  # percentile P values... (nearest rank)
  local p=$1
  shift
  printf '%s\n' "$@" | sort -n | awk -v p="$p" '{ v[NR] = $1 } END {
    r = int(p * NR + 0.999999); if (r < 1) r = 1; if (r > NR) r = NR; print v[r] }'
}

ctl() { "$CTL_BIN" --controller "$GRPC" "$@"; }

# --- the cluster ---------------------------------------------------------------------------
start_cluster() {
  "$CONTROLLER_BIN" --grpc-addr 127.0.0.1:0 --http-addr 127.0.0.1:0 --data-dir "$WORK/data" \
    --cluster-name "$CLUSTER" --startup-grace 0s 2>"$WORK/controller.log" &
  PIDS+=($!)
  local i
  for i in $(seq 1 200); do
    if grep -qs 'grpc_port=' "$WORK/controller.log"; then break; fi
    sleep 0.05
  done
  GRPC=127.0.0.1:$(grep -o 'grpc_port=[0-9]*' "$WORK/controller.log" | head -1 | cut -d= -f2)
  HTTP=127.0.0.1:$(grep -o 'http_port=[0-9]*' "$WORK/controller.log" | head -1 | cut -d= -f2)
  [[ $GRPC != 127.0.0.1: ]] || { cat "$WORK/controller.log" >&2; exit 1; }
  "$AGENT_BIN" --controller "$GRPC" --node-name "reaction-node" --cluster-name "$CLUSTER" \
    --runtime docker --http-addr 127.0.0.1:0 --cpu 8 --memory 8Gi 2>"$WORK/agent.log" &
  PIDS+=($!)
  for i in $(seq 1 200); do
    if ctl get nodes 2>/dev/null | grep -q ' Ready '; then return 0; fi
    sleep 0.1
  done
  echo "reaction: the agent did not become Ready" >&2
  cat "$WORK/agent.log" >&2
  exit 1
}

app_manifest() {  # app_manifest NAME MAX DEMAND_YAML
  cat <<YAML
apiVersion: microscale.io/v1
kind: App
metadata: {name: $1}
spec:
  priority: 1
  image: $IMAGE
  resources: {cpu: 250m, memory: 64Mi}
  replicas: {min: 0, max: $2}
  stopTimeoutSeconds: 10
  demand:
$3
YAML
}

apply_static_app() {
  app_manifest rx 20 "    source: static
    targetPerContainer: 1
    value: 0" >"$WORK/rx.yaml"
  ctl apply -f "$WORK/rx.yaml" >/dev/null
}

write_compose() {
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
      io.microscale.bench: "$CLUSTER"
YAML
}

# --- the methods: each issues its step and returns at once (or runs in the background) ----
ms_up() { ctl demand set rx "$1" >/dev/null; }
ms_down() { ctl demand set rx 0 >/dev/null; }
# The run loop's containers also carry LOOP_LABEL, so a filter finds only them.
LOOP_LABEL=io.microscale.bench.loop=$CLUSTER
run_up() {
  local i
  for i in $(seq 1 "$1"); do
    docker run -d --name "run-$CLUSTER-$i" --label "$RUN_LABEL" --label "$LOOP_LABEL" \
      --cpus 0.25 --memory 64m --security-opt no-new-privileges "$IMAGE" >/dev/null
  done
}
run_down() {
  local id
  for id in $(docker ps -aq --filter "label=$LOOP_LABEL"); do
    docker rm -f "$id" >/dev/null
  done
}
compose() { docker-compose -p "$CLUSTER" -f "$WORK/docker-compose.yml" "$@" >/dev/null 2>&1; }
compose_up() { compose up -d --scale "app=$1"; }
compose_down() { compose up -d --scale app=0; }

label_of() {
  case $1 in
    ms) echo "io.microscale.cluster=$CLUSTER" ;;
    run) echo "$LOOP_LABEL" ;;
    compose) echo "com.docker.compose.project=$CLUSTER" ;;
  esac
}

# measure METHOD N: the up step then the down step; prints "UP_MS DOWN_MS".
measure() {
  local m=$1 n=$2 label t0 up down pid
  label=$(label_of "$m")
  [[ $(count "$label" all) -eq 0 ]] || { echo "reaction: $m did not start from 0" >&2; exit 1; }
  t0=$(now_ms)
  "${m}_up" "$n" &
  pid=$!
  up=$(wait_for "$label" running "$n" "$t0")
  wait "$pid"
  [[ $(count "$label" running) -eq $n ]] || { echo "reaction: $m overshot $n" >&2; exit 1; }
  t0=$(now_ms)
  "${m}_down" &
  pid=$!
  down=$(wait_for "$label" all 0 "$t0")
  wait "$pid"
  echo "$up $down"
}

# --- the polled step -------------------------------------------------------------------------
start_redis() {
  REDIS_PORT=$((20000 + RANDOM % 20000))
  redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no \
    --daemonize no >"$WORK/redis.log" 2>&1 &
  PIDS+=($!)
  local i
  for i in $(seq 1 100); do
    if redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1; then return 0; fi
    sleep 0.05
  done
  echo "reaction: redis-server did not start" >&2
  exit 1
}

apply_polled_app() {  # apply_polled_app INTERVAL
  app_manifest rq 1 "    source: redis-list
    targetPerContainer: 1
    intervalSeconds: $1
    redisList: {address: \"127.0.0.1:$REDIS_PORT\", key: jobs-$CLUSTER}" >"$WORK/rq.yaml"
  ctl apply -f "$WORK/rq.yaml" >/dev/null
}

polled_step() {  # polled_step INTERVAL -> ms from LPUSH to the container running
  local label=io.microscale.app=rq t0 ms
  redis-cli -p "$REDIS_PORT" del "jobs-$CLUSTER" >/dev/null
  wait_for "$label" all 0 "$(now_ms)" >/dev/null
  # A random phase against the source's timer.
  sleep "$(awk -v i="$1" -v r="$RANDOM" 'BEGIN { printf "%.3f", i * r / 32768 }')"
  t0=$(now_ms)
  redis-cli -p "$REDIS_PORT" lpush "jobs-$CLUSTER" job >/dev/null
  ms=$(wait_for "$label" running 1 "$t0")
  echo "$ms"
}

# --- the queue step ----------------------------------------------------------------------------
start_rabbitmq() {  # a broker of our own: its ports, node name, epmd, database and cookie
  RABBIT_HTTP=$((20000 + RANDOM % 20000))
  local amqp=$((RABBIT_HTTP + 1)) dist=$((RABBIT_HTTP + 2)) epmd=$((RABBIT_HTTP + 3)) i
  mkdir -p "$WORK/rabbit"
  printf 'listeners.tcp.1 = 127.0.0.1:%s\nmanagement.tcp.ip = 127.0.0.1\nmanagement.tcp.port = %s\ncollect_statistics_interval = 500\n' \
    "$amqp" "$RABBIT_HTTP" >"$WORK/rabbit/rabbitmq.conf"
  echo '[rabbitmq_management].' >"$WORK/rabbit/enabled_plugins"
  env HOME="$WORK/rabbit" RABBITMQ_NODENAME="reaction-$amqp@localhost" \
    RABBITMQ_CONFIG_FILE="$WORK/rabbit/rabbitmq.conf" \
    RABBITMQ_ENABLED_PLUGINS_FILE="$WORK/rabbit/enabled_plugins" \
    RABBITMQ_MNESIA_BASE="$WORK/rabbit/mnesia" RABBITMQ_LOG_BASE="$WORK/rabbit/log" \
    RABBITMQ_DIST_PORT="$dist" ERL_EPMD_ADDRESS=127.0.0.1 ERL_EPMD_PORT="$epmd" \
    RUNNING_UNDER_SYSTEMD=true /usr/lib/rabbitmq/bin/rabbitmq-server >"$WORK/rabbit.log" 2>&1 &
  PIDS+=($!)
  EPMD_PORT=$epmd
  for i in $(seq 1 600); do
    if rabbit_api GET /api/overview >/dev/null 2>&1; then
      rabbit_api PUT "/api/queues/%2F/jobs-$CLUSTER" '{"durable":false}' >/dev/null
      return 0
    fi
    sleep 0.2
  done
  echo "reaction: rabbitmq-server did not start" >&2
  exit 1
}
rabbit_api() {  # rabbit_api METHOD PATH [JSON]
  curl -sf -u guest:guest -X "$1" -H 'content-type: application/json' \
    ${3:+-d "$3"} "http://127.0.0.1:$RABBIT_HTTP$2"
}

apply_queue_app() {  # apply_queue_app SOURCE
  local block
  case $1 in
    redis-list) block="redisList: {address: \"127.0.0.1:$REDIS_PORT\", key: queue-$CLUSTER}" ;;
    redis-stream) block="redisStream: {address: \"127.0.0.1:$REDIS_PORT\", key: orders-$CLUSTER, group: workers}" ;;
    rabbitmq) block="rabbitmq: {url: \"http://127.0.0.1:$RABBIT_HTTP\", queue: jobs-$CLUSTER}" ;;
  esac
  app_manifest "q-$1" 20 "    source: $1
    targetPerContainer: $QUEUE_TARGET
    intervalSeconds: 1
    $block" >"$WORK/q-$1.yaml"
  ctl apply -f "$WORK/q-$1.yaml" >/dev/null
}

publish() {  # publish SOURCE N: N messages at once
  local i
  case $1 in
    redis-list) for i in $(seq "$2"); do echo "RPUSH queue-$CLUSTER job"; done | redis-cli -p "$REDIS_PORT" >/dev/null ;;
    redis-stream) for i in $(seq "$2"); do echo "XADD orders-$CLUSTER * n 1"; done | redis-cli -p "$REDIS_PORT" >/dev/null ;;
    rabbitmq) for i in $(seq "$2"); do
        rabbit_api POST /api/exchanges/%2F/amq.default/publish \
          "{\"properties\":{},\"routing_key\":\"jobs-$CLUSTER\",\"payload\":\"job\",\"payload_encoding\":\"string\"}" >/dev/null
      done ;;
  esac
}

empty_queue() {  # empty_queue SOURCE
  case $1 in
    redis-list) redis-cli -p "$REDIS_PORT" del "queue-$CLUSTER" >/dev/null ;;
    redis-stream) redis-cli -p "$REDIS_PORT" xgroup setid "orders-$CLUSTER" workers '$' >/dev/null ;;
    rabbitmq) rabbit_api DELETE "/api/queues/%2F/jobs-$CLUSTER/contents" >/dev/null ;;
  esac
}

queue_step() {  # queue_step SOURCE -> ms from the first message published to N running
  local label=io.microscale.app=q-$1 t0 ms
  empty_queue "$1"
  wait_for "$label" all 0 "$(now_ms)" >/dev/null
  sleep "$(awk -v r="$RANDOM" 'BEGIN { printf "%.3f", r / 32768 }')"  # a random phase
  t0=$(now_ms)
  publish "$1" "$QUEUE_N"
  ms=$(wait_for "$label" running $(((QUEUE_N + QUEUE_TARGET - 1) / QUEUE_TARGET)) "$t0")
  empty_queue "$1"
  echo "$ms"
}

# --- the run -----------------------------------------------------------------------------------
start_cluster
apply_static_app
write_compose
METHODS=(ms run compose)
declare -A UP=() DOWN=()

echo "reaction: steps [$STEPS] x ${#METHODS[@]} methods x $REPEATS repeats (+1 warm-up)" >&2
if [[ -n $STEPS ]]; then
  for m in "${METHODS[@]}"; do measure "$m" 1 >/dev/null; done
  for r in $(seq 1 "$REPEATS"); do
    for n in $STEPS; do
      for k in 0 1 2; do
        m=${METHODS[$(((r + k) % 3))]}
        read -r up down < <(measure "$m" "$n")
        UP[$m.$n]="${UP[$m.$n]:-} $up"
        DOWN[$m.$n]="${DOWN[$m.$n]:-} $down"
        echo "  repeat $r  0->$n  $m: up $up ms, down $down ms" >&2
      done
    done
  done
fi

method_name() {
  case $1 in
    ms) echo "Microscale (\`demand set\`)" ;;
    run) echo "serial \`docker run -d\` / \`docker rm -f\` loop" ;;
    compose) echo "\`docker-compose up -d --scale\`" ;;
  esac
}

print_table() {  # print_table up|down
  local dir=$1 n m samples p50 p95 ref ratio
  echo
  if [[ $dir == up ]]; then echo "Scale up 0 -> N (ms until all N running):"; else
    echo "Scale down N -> 0 (ms until all N gone):"; fi
  echo
  echo "| N | method | p50 (ms) | p95 (ms) | p50 / Microscale p50 | samples (ms) |"
  echo "|---:|---|---:|---:|---:|---|"
  for n in $STEPS; do
    if [[ $dir == up ]]; then ref=$(percentile 0.5 ${UP[ms.$n]}); else
      ref=$(percentile 0.5 ${DOWN[ms.$n]}); fi
    for m in "${METHODS[@]}"; do
      if [[ $dir == up ]]; then samples=${UP[$m.$n]}; else samples=${DOWN[$m.$n]}; fi
      p50=$(percentile 0.5 $samples)
      p95=$(percentile 0.95 $samples)
      ratio=$(awk -v a="$p50" -v b="$ref" 'BEGIN { printf "%.2fx", (b > 0 ? a / b : 0) }')
      echo "| $n | $(method_name "$m") | $p50 | $p95 | $ratio |$samples |"
    done
  done
}
if [[ -n $STEPS ]]; then
  print_table up
  print_table down
fi

if [[ -n $INTERVALS || -n $QUEUE_SOURCES ]]; then start_redis; fi
if [[ -n $INTERVALS ]]; then
  echo "reaction: polled step (redis-list) for intervalSeconds in [$INTERVALS]" >&2
  declare -A POLLED=()
  for iv in $INTERVALS; do
    apply_polled_app "$iv"
    polled_step "$iv" >/dev/null  # warm-up
    for r in $(seq 1 "$POLL_REPEATS"); do
      ms=$(polled_step "$iv")
      POLLED[$iv]="${POLLED[$iv]:-} $ms"
      echo "  intervalSeconds $iv repeat $r: $ms ms" >&2
    done
  done
  redis-cli -p "$REDIS_PORT" del "jobs-$CLUSTER" >/dev/null
  cold=$(percentile 0.5 ${UP[ms.1]:-0})
  echo
  echo "Polled source (redis-list), LPUSH -> first container running; cold 0 -> 1 p50 of this run: $cold ms"
  echo
  echo "| intervalSeconds | p50 (ms) | p95 (ms) | mean (ms) | mean - cold p50 (ms) | expected detection, interval / 2 (ms) | samples (ms) |"
  echo "|---:|---:|---:|---:|---:|---:|---|"
  for iv in $INTERVALS; do
    samples=${POLLED[$iv]}
    mean=$(printf '%s\n' $samples | awk '{ s += $1 } END { printf "%d", s / NR }')
    echo "| $iv | $(percentile 0.5 $samples) | $(percentile 0.95 $samples) | $mean |" \
      "$((mean - cold)) | $((iv * 500)) |$samples |"
  done
fi

if [[ -n $QUEUE_SOURCES ]]; then
  [[ $QUEUE_SOURCES != *rabbitmq* ]] || start_rabbitmq
  redis-cli -p "$REDIS_PORT" xgroup create "orders-$CLUSTER" workers '$' mkstream >/dev/null
  declare -A QUEUED=()
  read -ra QSOURCES <<<"$QUEUE_SOURCES"
  for src in "${QSOURCES[@]}"; do
    apply_queue_app "$src"
    queue_step "$src" >/dev/null  # warm-up
  done
  want=$(((QUEUE_N + QUEUE_TARGET - 1) / QUEUE_TARGET))
  echo "reaction: queue step, $QUEUE_N messages -> $want containers, [${QSOURCES[*]}]" >&2
  for r in $(seq 1 "$REPEATS"); do
    for k in $(seq 0 $((${#QSOURCES[@]} - 1))); do
      src=${QSOURCES[$(((r + k) % ${#QSOURCES[@]}))]}
      ms=$(queue_step "$src")
      QUEUED[$src]="${QUEUED[$src]:-} $ms"
      echo "  repeat $r $src: $ms ms" >&2
    done
  done
  echo
  echo "Queue step: $QUEUE_N messages published at once -> $want containers running" \
    "(targetPerContainer $QUEUE_TARGET, intervalSeconds 1):"
  echo
  echo "| source | p50 (ms) | p95 (ms) | samples (ms) |"
  echo "|---|---:|---:|---|"
  for src in "${QSOURCES[@]}"; do
    samples=${QUEUED[$src]}
    echo "| $src | $(percentile 0.5 $samples) | $(percentile 0.95 $samples) |$samples |"
  done
fi

echo
echo "Controller's own microscale_scale_reaction_seconds over the whole run:"
curl -sf "http://$HTTP/metrics" | grep -E '^microscale_scale_reaction_seconds_(sum|count)' || true
