#!/usr/bin/env bash
# Predictive scale-up against plain level mode, with the simulator, on the traces in
# bench/traces/ (a ramp, a daily sine, spikes, noise without a trend).
#
# For each trace the same app (apps.yaml: targetPerContainer 10, read every 1 s) runs
# twice through `microscalectl simulate` (the real decision core, offline): as is, and
# with `predictive: {horizonSeconds: H}`. The script prints, per trace, the shortfall
# (demand not served, unit-seconds) and the container-seconds (allocated containers x
# seconds) of both, and the change. Both are counted after the first WARMUP seconds: at
# t = 0 every container is a cold start that no forecast can help, the same in both runs.
#
# Usage: bench/predictive/predictive.sh [HORIZON]     (default 30)
#   CTL          microscalectl to use (default build/bench/cli/microscalectl, then
#                build/test/cli/microscalectl)
#   START_DELAY  the simulator's --start-delay (default 1s: a cold start on Docker with
#                the read and command on top)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
HERE=$ROOT/bench/predictive
HORIZON=${1:-30}
START_DELAY=${START_DELAY:-1s}
WARMUP=${WARMUP:-60}
CTL=${CTL:-}
if [[ -z $CTL ]]; then
  for c in "$ROOT/build/bench/cli/microscalectl" "$ROOT/build/test/cli/microscalectl"; do
    [[ -x $c ]] && { CTL=$c; break; }
  done
fi
[[ -x ${CTL:-} ]] || { echo "predictive: no microscalectl built (set CTL)" >&2; exit 1; }

WORK=$(mktemp -d /tmp/microscale-predictive.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
cp "$HERE/apps.yaml" "$WORK/level.yaml"
sed "s/    intervalSeconds: 1/    intervalSeconds: 1\n    predictive: {horizonSeconds: $HORIZON}/" \
  "$HERE/apps.yaml" >"$WORK/predictive.yaml"
grep -q "horizonSeconds: $HORIZON" "$WORK/predictive.yaml"

run() {  # run MODE TRACE -> JSON summary file
  "$CTL" simulate --apps "$WORK/$1.yaml" --nodes "$HERE/nodes.csv" \
    --demand "$ROOT/bench/traces/$2.csv" --start-delay "$START_DELAY" -o csv \
    >"$WORK/$1-$2.csv"
}

echo "predictive: horizon ${HORIZON}s, start delay $START_DELAY, $(date -u +%Y-%m-%d), $(nproc) cores" >&2
for trace in ramp sine spike noisy; do
  run level "$trace"
  run predictive "$trace"
done
python3 - "$WORK" "$WARMUP" <<'PY'
import csv, sys
work, warmup = sys.argv[1], float(sys.argv[2])
def summary(mode, trace):
    out = {"shortfall": 0.0, "containerSeconds": 0.0}
    with open(f"{work}/{mode}-{trace}.csv") as f:
        rows = [r for r in csv.DictReader(f) if float(r["seconds"]) >= warmup]
    for prev, row in zip(rows, rows[1:]):
        step = float(row["seconds"]) - float(prev["seconds"])
        out["containerSeconds"] += int(prev["allocated"]) * step
    out["shortfall"] = sum(float(r["shortfall"]) for r in rows)
    return out
print(f"after the first {warmup:.0f} s")
print("| trace | shortfall, level | shortfall, predictive | change | container-s, level | container-s, predictive | change |")
print("|---|---|---|---|---|---|---|")
for trace in ("ramp", "sine", "spike", "noisy"):
    l, p = summary("level", trace), summary("predictive", trace)
    def pct(a, b):
        return "n/a" if a == 0 else f"{100 * (b - a) / a:+.1f}%"
    print(f"| {trace} | {l['shortfall']:.1f} | {p['shortfall']:.1f} | {pct(l['shortfall'], p['shortfall'])} "
          f"| {l['containerSeconds']:.0f} | {p['containerSeconds']:.0f} | {pct(l['containerSeconds'], p['containerSeconds'])} |")
PY
