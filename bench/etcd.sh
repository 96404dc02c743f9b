# Sourced by the benchmarks that keep state on etcd.
#
# start_etcd NAME DIR: starts a one-member etcd (Debian's etcd-server) on free loopback
# ports, its data in DIR/etcd and its log in DIR/etcd.log, and waits up to 30 s for it to
# answer. Sets ETCD (host:port of its client port) and ETCD_PID; returns 1 (after printing
# its log) when it did not answer.
start_etcd() {
  local name=$1 dir=$2 peer
  local ports
  ports=$(python3 -c 'import socket
s = [socket.socket() for _ in range(2)]
for x in s: x.bind(("127.0.0.1", 0))
print(" ".join(str(x.getsockname()[1]) for x in s))')
  ETCD=127.0.0.1:${ports% *}
  peer=http://127.0.0.1:${ports#* }
  etcd --name "$name" --data-dir "$dir/etcd" --listen-client-urls "http://$ETCD" \
    --advertise-client-urls "http://$ETCD" --listen-peer-urls "$peer" \
    --initial-advertise-peer-urls "$peer" --initial-cluster "$name=$peer" \
    --quota-backend-bytes 8589934592 --log-level warn 2>"$dir/etcd.log" &
  ETCD_PID=$!
  for _ in $(seq 1 300); do
    curl -sf --max-time 1 "http://$ETCD/health" >/dev/null && return 0
    sleep 0.1
  done
  cat "$dir/etcd.log" >&2
  return 1
}
