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
