# shellcheck shell=bash
# Shared helpers of the deployment tests (sourced, not run).

# fail MESSAGE: prints the reason on stderr and ends the test.
fail() {
  printf 'FAIL: %s\n' "$*" >&2
  exit 1
}

# wait_until SECONDS DESCRIPTION COMMAND...: runs COMMAND every half second until it
# succeeds; fails the test naming DESCRIPTION if it has not within SECONDS.
wait_until() {
  local seconds=$1 description=$2
  shift 2
  local deadline=$((SECONDS + seconds))
  until "$@"; do
    ((SECONDS < deadline)) || fail "not within ${seconds}s: $description"
    sleep 0.5
  done
}

# python: Debian's interpreter, which has PyYAML (a dependency of docker-compose).
python() { /usr/bin/python3 "$@"; }

# write_help_texts DIR CONTROLLER AGENT CLI: the --help of each binary as DIR/controller.txt,
# DIR/agent.txt, DIR/cli.txt, and DIR/cli-<command>.txt for every microscalectl command.
write_help_texts() {
  local dir=$1 command
  mkdir -p "$dir"
  "$2" --help >"$dir/controller.txt"
  "$3" --help >"$dir/agent.txt"
  "$4" --help >"$dir/cli.txt"
  for command in $(awk '/^Subcommands:/ { on = 1; next } on && /^  [a-z]/ { print $1 } on && /^$/ { on = 0 }' \
    "$dir/cli.txt"); do
    "$4" "$command" --help >"$dir/cli-$command.txt"
  done
}

# binaries_or_default CONTROLLER AGENT CLI: the three binaries given, or those of
# $MICROSCALE_BUILD_DIR (default build/test); prints them one a line.
binaries_or_default() {
  if (($# == 3)); then
    printf '%s\n' "$@"
    return
  fi
  local dir=${MICROSCALE_BUILD_DIR:-build/test}
  printf '%s\n' "$dir/controller/microscale-controller" "$dir/node-agent/agent/microscale-agent" \
    "$dir/cli/microscalectl"
}

# query FILE EXPRESSION: evaluates a Python expression over the objects of a multi-document
# YAML file (bound to `objs`; `kind(k)` lists the objects of kind k) and prints the result.
query() {
  python - "$1" "$2" <<'PY'
import sys, yaml
objs = [o for o in yaml.safe_load_all(open(sys.argv[1])) if o]
def kind(k):
    return [o for o in objs if o["kind"] == k]
def container(k, name):
    return [o for o in objs if o["kind"] == k][0]["spec"]["template"]["spec"]["containers"][0]
print(eval(sys.argv[2]))
PY
}

# expect DESCRIPTION ACTUAL EXPECTED
expect() {
  [[ "$2" == "$3" ]] || fail "$1: got [$2], want [$3]"
}

# step TEXT: prints TEXT with the seconds since the test started.
step() { printf '[%3ds] %s\n' "$SECONDS" "$*" >&2; }

# --- docker-compose tests ---------------------------------------------------------------
# The containers the agents start belong to the host's Docker, not to a compose project;
# they carry their cluster's label.

# cluster_containers CLUSTER [DOCKER PS ARGS...]: ids of CLUSTER's containers, one a line.
cluster_containers() {
  local cluster=$1
  shift
  docker ps -q --filter "label=io.microscale.cluster=$cluster" "$@"
}

# remove_cluster_containers CLUSTER: removes CLUSTER's containers, running or not.
remove_cluster_containers() {
  local ids
  mapfile -t ids < <(cluster_containers "$1" -a)
  ((${#ids[@]} == 0)) || docker rm -f "${ids[@]}" >/dev/null
}

# compose_up COMPOSE...: `up -d`, failing the test with compose's output if it fails.
compose_up() {
  local out
  out=$("$@" up -d 2>&1) || { printf '%s\n' "$out" >&2; fail "docker-compose up failed"; }
  grep -v '^Creating' <<<"$out" >&2 || true
}

# compose_cleanup RC CLUSTER COMPOSE...: on a failure (RC != 0) shows the project's state
# and the last logs; then removes the project with its volumes and CLUSTER's containers.
compose_cleanup() {
  local rc=$1 cluster=$2
  shift 2
  if ((rc != 0)); then
    "$@" ps >&2 || true
    "$@" logs --tail=30 >&2 || true
  fi
  "$@" down -v --remove-orphans -t 5 >/dev/null 2>&1 || true
  remove_cluster_containers "$cluster" || true
}

# compose_down_leaves_nothing PROJECT CLUSTER COMPOSE...: `down -v`, then fails the test
# if any container, volume or network of PROJECT, or any container of CLUSTER, is left.
compose_down_leaves_nothing() {
  local project=$1 cluster=$2
  shift 2
  "$@" down -v -t 10 >/dev/null 2>&1 || fail "docker-compose down failed"
  remove_cluster_containers "$cluster"
  local filter="label=com.docker.compose.project=$project"
  [[ -z "$(docker ps -aq --filter "$filter")" ]] || fail "compose containers left"
  [[ -z "$(cluster_containers "$cluster" -a)" ]] || fail "containers of cluster $cluster left"
  [[ -z "$(docker volume ls -q --filter "$filter")" ]] || fail "volumes left"
  [[ -z "$(docker network ls -q --filter "$filter")" ]] || fail "networks left"
}
