#!/usr/bin/env bash
# Checks the systemd units of deploy/systemd without a running systemd:
#   - `systemd-analyze verify` over a scratch root holding the units, the env files, the
#     real binaries at their ExecStart paths and this system's own units: no warning at all;
#   - `systemd-analyze security --offline` rates both units at most 2.0 ("OK");
#   - the hardening the units promise is there;
#   - every variable of the example env files is a flag's env twin in the binary's --help;
#   - mutual TLS by default: the env files' MICROSCALE_TLS_* point into the credentials
#     directory the units fill from /etc/microscale/pki/ (LoadCredential=), and a gRPC port
#     beyond loopback has TLS or an explicit MICROSCALE_INSECURE=true;
#   - the same for controller-ha.env, the controller.env of several controllers on etcd,
#     which also names an etcd store and advertises its gRPC port; the controller started
#     with its variables alone accepts them all and waits for etcd; agent.env shows the
#     list of controllers an agent is then given.
# Usage: systemd_test.sh [CONTROLLER AGENT CLI]   (binaries; default those of build/test)
set -euo pipefail
cd "$(dirname "$0")/../.."
source tests/deploy/lib.sh
mapfile -t BINARIES < <(binaries_or_default "$@")
command -v systemd-analyze >/dev/null || fail "systemd-analyze is missing (apt-get install systemd)"

UNITS=(microscale-controller.service microscale-agent.service)
root=$(mktemp -d)
controller_pid=
trap '[[ -z $controller_pid ]] || kill "$controller_pid" 2>/dev/null; rm -rf "$root"' EXIT
mkdir -p "$root/usr/local/bin" "$root/etc/systemd/system" "$root/etc/microscale" \
  "$root/usr/lib/systemd"
cp -a /usr/lib/systemd/system "$root/usr/lib/systemd/"
cp "${BINARIES[0]}" "$root/usr/local/bin/microscale-controller"
cp "${BINARIES[1]}" "$root/usr/local/bin/microscale-agent"
cp deploy/systemd/controller.env deploy/systemd/agent.env "$root/etc/microscale/"
for unit in "${UNITS[@]}"; do cp "deploy/systemd/$unit" "$root/etc/systemd/system/"; done

if ! out=$(systemd-analyze verify --root="$root" "${UNITS[@]}" 2>&1) || [[ -n "$out" ]]; then
  fail "systemd-analyze verify: $out"
fi

for unit in "${UNITS[@]}"; do
  systemd-analyze security --offline=yes --root="$root" --threshold=20 --no-pager "$unit" \
    >"$root/security.txt" 2>&1 || { cat "$root/security.txt" >&2; fail "$unit exposure above 2.0"; }
  for setting in ProtectSystem=strict NoNewPrivileges=yes DynamicUser=yes ProtectHome=yes \
    PrivateTmp=yes Restart=on-failure CapabilityBoundingSet= "ExecStart=/usr/local/bin/${unit%.service}"; do
    grep -qx "$setting" "deploy/systemd/$unit" || fail "$unit lacks $setting"
  done
done
grep -qx 'StateDirectory=microscale' deploy/systemd/microscale-controller.service ||
  fail "the controller keeps no state directory"
grep -qx 'EnvironmentFile=-/etc/microscale/controller.env' deploy/systemd/microscale-controller.service ||
  fail "the controller reads no env file"
grep -qx 'EnvironmentFile=-/etc/microscale/agent.env' deploy/systemd/microscale-agent.service ||
  fail "the agent reads no env file"

check_env_file() {
  local file=$1 binary=$2 help name
  help=$("$binary" --help)
  for name in $(sed -n 's/^#\{0,1\}\(MICROSCALE_[A-Z_]*\)=.*/\1/p' "$file"); do
    grep -q "Env:$name)" <<<"$help" || fail "$file sets $name, which $(basename "$binary") does not read"
  done
}
check_env_file deploy/systemd/controller.env "${BINARIES[0]}"
check_env_file deploy/systemd/controller-ha.env "${BINARIES[0]}"
check_env_file deploy/systemd/agent.env "${BINARIES[1]}"

# TLS: each MICROSCALE_TLS_* file of an env file is in its unit's credentials directory,
# loaded by a LoadCredential= of that unit from /etc/microscale/pki/; the controller's
# non-loopback gRPC port has all three files or says MICROSCALE_INSECURE=true, and the agent
# uses TLS exactly when the controller does.
active() { sed -n "s/^$2=//p" "deploy/systemd/$1"; }
tls_files() {
  local env=$1 unit=$2 name path file
  for name in MICROSCALE_TLS_CERT MICROSCALE_TLS_KEY MICROSCALE_TLS_CA; do
    path=$(active "$env" "$name")
    [[ -n $path ]] || continue
    file=${path#/run/credentials/$unit/}
    [[ $file != "$path" && $file != */* ]] ||
      fail "$env: $name=$path is not in the credentials directory of $unit"
    grep -qx "LoadCredential=$file:/etc/microscale/pki/$file" "deploy/systemd/$unit" ||
      fail "$unit does not load $file (for $name of $env) from /etc/microscale/pki/"
    echo "$name"
  done
}
agent_tls=$(tls_files agent.env microscale-agent.service | wc -l)
check_controller_tls() {
  local env=$1 controller_tls grpc insecure
  controller_tls=$(tls_files "$env" microscale-controller.service | wc -l)
  grpc=$(active "$env" MICROSCALE_GRPC_ADDR)
  insecure=$(active "$env" MICROSCALE_INSECURE)
  case ${grpc%:*} in
    127.* | localhost | "[::1]" | "") ;;
    *) ((controller_tls == 3)) || [[ $insecure == true ]] ||
      fail "$env serves $grpc without all three TLS files or MICROSCALE_INSECURE=true" ;;
  esac
  ((controller_tls == 0 || controller_tls == 3)) || fail "$env sets $controller_tls of 3 TLS files"
  ((agent_tls == controller_tls)) || fail "agent.env sets $agent_tls TLS files, $env $controller_tls"
  [[ -z $insecure || $controller_tls == 0 ]] || fail "$env sets both TLS and MICROSCALE_INSECURE"
}
check_controller_tls controller.env
check_controller_tls controller-ha.env

# Several controllers on etcd: controller-ha.env names the store and advertises this host's
# gRPC port, and agent.env shows the list agents are then given, this controller in it.
store=$(active controller-ha.env MICROSCALE_STORE)
[[ $store =~ ^etcd://[^,:/]+:[0-9]+(,[^,:/]+:[0-9]+)*$ ]] ||
  fail "controller-ha.env: MICROSCALE_STORE=$store is not etcd://host:port,..."
advertised=$(active controller-ha.env MICROSCALE_ADVERTISE_ADDR)
grpc=$(active controller-ha.env MICROSCALE_GRPC_ADDR)
[[ -n $advertised && ${advertised##*:} == "${grpc##*:}" ]] ||
  fail "controller-ha.env advertises [$advertised], not the port of MICROSCALE_GRPC_ADDR=$grpc"
controllers=$(sed -n 's/^#\{0,1\}MICROSCALE_CONTROLLER=\(.*,.*\)/\1/p' deploy/systemd/agent.env)
[[ ,$controllers, == *",$advertised,"* ]] ||
  fail "agent.env lists no controllers [$controllers] with $advertised among them"
[[ -z $(active controller-ha.env MICROSCALE_DATA_DIR) ]] ||
  fail "controller-ha.env sets a data directory, which etcd makes useless"
# The controller given exactly those variables parses them all (a bad one exits 2 naming its
# flag) and waits for the store: the example's etcd does not answer here. Meanwhile it
# serves as a standby, so its TLS files must exist (made here, in place of the unit's
# credentials) and, in a test, its ports are on loopback.
log=$root/controller-ha.log
mapfile -t ha_env < <(grep -E '^MICROSCALE_[A-Z_]+=' deploy/systemd/controller-ha.env)
scripts/make-test-ca "$root/pki" >/dev/null
for i in "${!ha_env[@]}"; do
  case ${ha_env[i]} in
    MICROSCALE_TLS_CERT=*) ha_env[i]=MICROSCALE_TLS_CERT=$root/pki/controller.crt ;;
    MICROSCALE_TLS_KEY=*) ha_env[i]=MICROSCALE_TLS_KEY=$root/pki/controller.key ;;
    MICROSCALE_TLS_CA=*) ha_env[i]=MICROSCALE_TLS_CA=$root/pki/ca.crt ;;
  esac
done
ha_env+=(MICROSCALE_GRPC_ADDR=127.0.0.1:0 MICROSCALE_HTTP_ADDR=127.0.0.1:0)
binary=$(realpath "${BINARIES[0]}")
(cd "$root" && exec env -i "${ha_env[@]}" "$binary") >"$log" 2>&1 &
controller_pid=$!
waiting_for_etcd() {
  kill -0 "$controller_pid" 2>/dev/null || fail "the controller with controller-ha.env exited: $(cat "$log")"
  grep -q 'waiting for the state store' "$log"
}
wait_until 60 "the controller with controller-ha.env waits for etcd" waiting_for_etcd
kill "$controller_pid"
wait "$controller_pid" || true
controller_pid=
echo "PASS: systemd units verified" >&2
