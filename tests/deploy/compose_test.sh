#!/usr/bin/env bash
# Integration test of Microscaling-in-a-Box (deploy/compose/docker-compose.yml) on the real
# Docker Engine with Debian's docker-compose 1.29:
#   - the images build offline (scripts/build-images);
#   - `up` starts controller, agent, Prometheus and applies the demo apps;
#   - demo containers appear on this host and checkout-api's count follows its random demand
#     up and down;
#   - microscalectl in the CLI image lists both apps;
#   - Prometheus scrapes the controller and the agent (targets up);
#   - `down -v` plus removing the demo containers by cluster label leaves no container,
#     volume or network behind.
# With --tls, the same with deploy/compose/docker-compose.tls.yml added: certificates from
# scripts/make-test-ca, the agent joins and apply-demo applies over mutual TLS, a plaintext
# microscalectl is refused, and a token made in the controller's container is then required.
# A unique project and cluster name keep it apart from anything else on the host, and the
# cleanup runs on every exit.
# Usage: compose_test.sh [--tls]
set -euo pipefail
cd "$(dirname "$0")/../.."
source tests/deploy/lib.sh
TLS=0
[[ ${1:-} == --tls ]] && TLS=1

PROJECT="mscompose$$$(date +%s)"
CLUSTER="compose-test-$PROJECT"
export DOCKER_API_VERSION=1.41
# Empty ports: Docker publishes each on a free loopback port.
export MICROSCALE_CLUSTER=$CLUSTER MICROSCALE_GRPC_PORT='' MICROSCALE_HTTP_PORT='' \
  MICROSCALE_PROMETHEUS_PORT=
COMPOSE=(docker-compose --ansi never -p "$PROJECT" -f deploy/compose/docker-compose.yml)
CLI_TLS=()
if ((TLS)); then
  pki=$(mktemp -d)
  MICROSCALE_TLS_SANS=DNS:controller scripts/make-test-ca "$pki" >/dev/null
  # The controller and CLI images run as uid 10001.
  chown 10001:10001 "$pki"/* 2>/dev/null || chmod a+r "$pki"/*
  export MICROSCALE_PKI=$pki
  COMPOSE+=(-f deploy/compose/docker-compose.tls.yml)
  CLI_TLS=(-v "$pki/ca.crt:/pki/ca.crt:ro")
fi

cleanup() {
  local rc=$?
  compose_cleanup "$rc" "$CLUSTER" "${COMPOSE[@]}"
  [[ -z ${pki:-} ]] || rm -rf "$pki"
  exit "$rc"
}
trap cleanup EXIT

step "building the images"
./scripts/build-images >/dev/null
step "docker-compose up (project $PROJECT)"
compose_up "${COMPOSE[@]}"

CONTROLLER_HTTP=$("${COMPOSE[@]}" port controller 7401)
PROMETHEUS=$("${COMPOSE[@]}" port prometheus 9090)
[[ $CONTROLLER_HTTP == 127.0.0.1:* && $PROMETHEUS == 127.0.0.1:* ]] ||
  fail "ports are not published on 127.0.0.1 only: $CONTROLLER_HTTP $PROMETHEUS"

# --- the demo apps run and scale ---------------------------------------------------------
running_of() {
  cluster_containers "$CLUSTER" --filter "label=io.microscale.app=$1" --filter status=running | wc -l
}
has_demo_containers() { (($(running_of checkout-api) >= 1)); }
wait_until 90 "checkout-api containers run on this host" has_demo_containers
step "demo containers run; waiting for checkout-api to scale"

# Random demand moves checkout-api (priority 1, never preempted) both ways: its running
# count must rise and, later or earlier, fall.
last_count=$(running_of checkout-api)
counts=$last_count rose=0 fell=0
checkout_scales_both_ways() {
  local count
  count=$(running_of checkout-api)
  if ((count != last_count)); then
    ((count > last_count)) && rose=1
    ((count < last_count)) && fell=1
    counts+=" $count"
    last_count=$count
  fi
  ((rose && fell))
}
wait_until 120 "checkout-api's container count follows its random demand up and down" \
  checkout_scales_both_ways
step "checkout-api ran with $counts containers"

controller_reports_running() {
  curl -sf "http://$CONTROLLER_HTTP/metrics" |
    grep -E '^microscale_app_running_containers\{[^}]*app="checkout-api"' |
    awk '{ exit !($NF >= 1) }'
}
wait_until 30 "the controller's /metrics reports checkout-api running" controller_reports_running

cli() {
  docker run --rm --network "${PROJECT}_default" "${CLI_TLS[@]}" microscale/cli:latest \
    --controller controller:7400 "$@"
}
if ((TLS)); then
  out=$(cli get apps 2>&1) && fail "a plaintext microscalectl was served: $out"
  apps=$(cli --tls-ca /pki/ca.crt -o json get apps)
  step "microscalectl over TLS listed the apps; plaintext was refused"
  # Tokens as docs/deployment.md creates them: in the controller's container.
  token=$("${COMPOSE[@]}" exec -T controller microscale-controller token create \
    --name compose-test --role read --data-dir /var/lib/microscale | grep -o 'mst_[0-9a-f]*') ||
    fail "token create in the controller container"
  wait_until 10 "a call without a token is refused" \
    bash -c '! "$@" >/dev/null 2>&1' _ docker run --rm --network "${PROJECT}_default" \
    "${CLI_TLS[@]}" microscale/cli:latest --controller controller:7400 --tls-ca /pki/ca.crt get apps
  cli --tls-ca /pki/ca.crt --token "$token" get apps >/dev/null || fail "the read token was refused"
else
  apps=$(cli -o json get apps)
fi
names=$(python -c 'import json,sys; print(" ".join(sorted(i["metadata"]["name"] for i in json.load(sys.stdin)["items"])))' <<<"$apps")
[[ $names == "batch-worker checkout-api" ]] || fail "microscalectl get apps listed: $names"

step "waiting for Prometheus targets"
# --- Prometheus scrapes both -------------------------------------------------------------
targets_up() {
  curl -sf "http://$PROMETHEUS/api/v1/targets?state=active" | python -c '
import json, sys
targets = json.load(sys.stdin)["data"]["activeTargets"]
health = {t["labels"]["job"]: t["health"] for t in targets}
sys.exit(0 if health.get("microscale-controller") == "up" and
         health.get("microscale-agent") == "up" else 1)'
}
wait_until 60 "Prometheus reports the controller and agent targets up" targets_up

scraped_demand() {
  curl -sf "http://$PROMETHEUS/api/v1/query" --data-urlencode 'query=microscale_app_demand' |
    grep -q '"app":"checkout-api"'
}
wait_until 30 "Prometheus holds microscale_app_demand of checkout-api" scraped_demand

# --- down leaves nothing ----------------------------------------------------------------
step "docker-compose down -v"
compose_down_leaves_nothing "$PROJECT" "$CLUSTER" "${COMPOSE[@]}"
echo "PASS: compose$( ((TLS)) && echo " with mutual TLS") brought the demo up, scaled it, was scraped, and left nothing" >&2
