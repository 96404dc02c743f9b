#!/usr/bin/env python3
"""Reads the timelines of bench/queue runs and prints the issue's table as markdown.

Usage: analyze.py RUNS_DIR   (each subdirectory: meta.json and one APP.csv per queue, as
written by queue_server.py)

Per run and app (t = 0 is the start of arrivals, t_off the moment they stop, N = the
needed count, ceil(peak λ / μ)):
  first container   first t with running >= 1
  reaches N         first t with running >= N ("never" if it does not)
  overshoot         max running over the run minus N (count and % of N)
  reversals         direction changes of the running count within [0, 120 s]
  backlog held      the queue depth over the last 60 s before t_off: median, min-max
  back to 0         the time after t_off from which running stays 0 to the end of the run
  reversals/min     direction changes over [0, t_off] per minute
  container-s       the integral of running over the run, against the ideal
                    (mean λ over [0, t_off]) / μ × t_off
and, from the controller's own view (APP.controller.csv, when scraped): when it first
wanted N containers, the most it wanted, and the reversals of its desired count in 120 s.
Each cell is the mean over the repeats with the range (min-max) in brackets.
"""

import csv
import json
import math
import os
import statistics
import sys
from collections import defaultdict

REVERSAL_WINDOW = 120.0
HELD_WINDOW = 60.0

SCENARIO_TITLES = {
    "step10": "λ 0 → 10 → 0 items/s (μ = 1, N = 10)",
    "step20": "λ 0 → 20 → 0 items/s (μ = 1, N = 20)",
    "ramp20": "λ ramp 0 → 20 items/s over 60 s, hold, → 0 (N = 20)",
    "poisson10": "Poisson arrivals, mean λ = 10 items/s, → 0 (N = 10)",
    "rampstep30": "λ ramp 0 → 15 items/s over 45 s, step to 30, → 0 (N = 30)",
}


def load(path):
    with open(path) as f:
        rows = list(csv.DictReader(f))
    return [{k: float(v) for k, v in r.items()} for r in rows]


def reversals(rows, t0, t1):
    direction, count, last = 0, 0, None
    for r in rows:
        if r["t"] < t0 or r["t"] > t1:
            continue
        n = r["running"]
        if last is not None and n != last:
            d = 1 if n > last else -1
            if direction and d != direction:
                count += 1
            direction = d
        last = n
    return count


def first_time(rows, pred):
    for r in rows:
        if pred(r):
            return r["t"]
    return None


def load_desired(path):
    """[{t, running}] of the controller's desired count, or None when not scraped."""
    if not os.path.exists(path):
        return None
    with open(path) as f:
        return [{"t": float(r["t"]), "running": float(r["value"])}
                for r in csv.DictReader(f) if r["metric"] == "desired_containers"]


def metrics(meta, rows, desired=None):
    mu, off, end = meta["mu"], meta["offTime"], meta["duration"]
    needed = math.ceil(meta["peakLambda"] / mu - 1e-9)
    out = {"needed": needed}
    out["first"] = first_time(rows, lambda r: r["running"] >= 1)
    out["first_created"] = first_time(rows, lambda r: r["existing"] >= 1)
    out["reach"] = first_time(rows, lambda r: r["running"] >= needed)
    peak = max(r["running"] for r in rows)
    out["over_n"] = max(0, peak - needed)
    out["over_pct"] = 100.0 * out["over_n"] / needed
    out["rev120"] = reversals(rows, 0, REVERSAL_WINDOW)
    after = [r["running"] for r in rows
             if out["reach"] is not None and out["reach"] <= r["t"] <= off]
    out["dip"] = min(after) if after else None
    held = [r["depth"] for r in rows if off - HELD_WINDOW <= r["t"] <= off]
    out["held_med"] = statistics.median(held) if held else None
    out["held_min"] = min(held) if held else None
    out["held_max"] = max(held) if held else None
    last_busy = None
    for r in rows:
        if r["running"] > 0:
            last_busy = r["t"]
    if rows[-1]["running"] > 0:
        out["to_zero"] = None
        out["stuck_at"] = rows[-1]["running"]
    else:
        zero_at = first_time(rows, lambda r: r["t"] > (last_busy or -1) and r["running"] == 0)
        out["to_zero"] = max(0.0, zero_at - off)
    out["rev_per_min"] = reversals(rows, 0, off) / (off / 60.0)
    cs = 0.0
    for a, b in zip(rows, rows[1:]):
        cs += a["running"] * (b["t"] - a["t"])
    out["cs"] = cs
    out["cs_ideal"] = meta["highMeanLambda"] / mu * off
    out["cs_ratio"] = cs / out["cs_ideal"] if out["cs_ideal"] else None
    reads = rows[-1]["reads"] - rows[0]["reads"]
    out["read_interval"] = (rows[-1]["t"] - rows[0]["t"]) / reads if reads else None
    out["tail"] = end - off
    out["load"] = meta.get("loadAvgStart")
    lag = meta.get("pollLag") or {}
    out["poll_lag"] = lag.get("p50")
    if desired:
        out["d_reach"] = first_time(desired, lambda r: r["running"] >= needed)
        out["d_max"] = max(r["running"] for r in desired)
        out["d_rev120"] = reversals(desired, 0, REVERSAL_WINDOW)
    return out


def agg(values, fmt="{:.1f}", unit=""):
    vals = [v for v in values if v is not None]
    if not vals:
        return "—"
    mean = sum(vals) / len(vals)
    if len(vals) == 1 or min(vals) == max(vals):
        s = fmt.format(mean) + unit
    else:
        s = f"{fmt.format(mean)}{unit} ({fmt.format(min(vals))}–{fmt.format(max(vals))})"
    return s


def cell_reach(ms):
    reached = [m["reach"] for m in ms if m["reach"] is not None]
    s = agg(reached, unit=" s")
    if len(reached) < len(ms):
        s = "never" if not reached else f"{s}; never in {len(ms) - len(reached)}/{len(ms)}"
    return s


def cell_over(ms):
    if all(m["over_n"] == 0 for m in ms):
        return "none"
    return (agg([m["over_pct"] for m in ms], "{:.0f}", "%") + ", max +" +
            "{:g}".format(max(m["over_n"] for m in ms)) + " (" +
            "{:g}".format(max(m["over_n"] for m in ms) + ms[0]["needed"]) + ")")


def cell_held(ms):
    med = agg([m["held_med"] for m in ms], "{:.0f}")
    lo = min(m["held_min"] for m in ms if m["held_min"] is not None)
    hi = max(m["held_max"] for m in ms if m["held_max"] is not None)
    return f"{med}; swings {lo:g}–{hi:g}"


def cell_zero(ms):
    done = [m["to_zero"] for m in ms if m["to_zero"] is not None]
    s = agg(done, unit=" s")
    stuck = [m for m in ms if m["to_zero"] is None]
    if stuck:
        msg = f"not 0 within {stuck[0]['tail']:g} s in {len(stuck)}/{len(ms)} " \
              f"(left at {', '.join('{:g}'.format(m['stuck_at']) for m in stuck)})"
        s = msg if not done else f"{s}; {msg}"
    return s


def main():
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    root = sys.argv[1]
    results = defaultdict(list)  # (scenario, mode) -> [metrics]
    order = []
    for d in sorted(os.listdir(root)):
        meta_path = os.path.join(root, d, "meta.json")
        if not os.path.exists(meta_path):
            continue
        with open(meta_path) as f:
            meta = json.load(f)
        modes = meta.get("modes") or meta["apps"]
        for app, mode in zip(meta["apps"], modes):
            rows = load(os.path.join(root, d, f"{app}.csv"))
            if not rows or rows[-1]["t"] < meta["duration"] - 1:
                print(f"analyze: {d}/{app}.csv is incomplete, skipped", file=sys.stderr)
                continue
            key = (meta["name"], mode)
            if key not in results:
                order.append(key)
            desired = load_desired(os.path.join(root, d, f"{app}.controller.csv"))
            results[key].append(metrics(meta, rows, desired))
    if not results:
        print("analyze: no complete run found", file=sys.stderr)
        sys.exit(1)
    known = list(SCENARIO_TITLES)
    order.sort(key=lambda k: (known.index(k[0]) if k[0] in known else len(known), k[0],
                              {"level": 0, "queue": 1, "declared": 2, "counted": 3}.get(k[1], 4), k[1]))

    print("| scenario | mode | runs | first container | reaches N | overshoot | "
          "reversals in 120 s | backlog held (median; swings) | arrivals → 0: back to 0 |")
    print("|---|---|---:|---|---|---|---|---|---|")
    for scen, mode in order:
        ms = results[(scen, mode)]
        title = SCENARIO_TITLES.get(scen, scen)
        print(f"| {title} | {mode} | {len(ms)} | {agg([m['first'] for m in ms], '{:.2f}', ' s')}"
              f" | {cell_reach(ms)} | {cell_over(ms)} | {agg([m['rev120'] for m in ms], '{:.1f}')}"
              f" | {cell_held(ms)} | {cell_zero(ms)} |")
    print()
    print("Churn (reversals of the running count per minute over [0, t_off]) and cost "
          "(container-seconds over the whole run against the ideal, mean λ / μ × t_off):")
    print()
    print("| scenario | mode | reversals per minute | container-seconds | ideal | ratio | "
          "lowest running after reaching N, before t_off | mean read interval | "
          "first container listed | load average at start | poll lag p50 |")
    print("|---|---|---|---|---:|---|---|---:|---|---|---|")
    for scen, mode in order:
        ms = results[(scen, mode)]
        print(f"| {scen} | {mode} | {agg([m['rev_per_min'] for m in ms], '{:.2f}')} | "
              f"{agg([m['cs'] for m in ms], '{:.0f}')} | {ms[0]['cs_ideal']:.0f} | "
              f"{agg([m['cs_ratio'] for m in ms], '{:.2f}')} | "
              f"{agg([m['dip'] for m in ms], '{:.1f}')} | "
              f"{agg([m['read_interval'] for m in ms], '{:.2f}', ' s')} | "
              f"{agg([m['first_created'] for m in ms], '{:.2f}', ' s')} | "
              f"{agg([m['load'] for m in ms], '{:.1f}')} | "
              f"{agg([m['poll_lag'] for m in ms], '{:.2f}', ' s')} |")
    if any("d_max" in m for ms in results.values() for m in ms):
        print()
        print("The controller's desired count (scraped from its /metrics every 0.5 s):")
        print()
        print("| scenario | mode | desired first ≥ N | max desired | desired reversals in 120 s |")
        print("|---|---|---|---|---|")
        for scen, mode in order:
            ms = [m for m in results[(scen, mode)] if "d_max" in m]
            if not ms:
                continue
            print(f"| {scen} | {mode} | {agg([m['d_reach'] for m in ms], '{:.1f}', ' s')} | "
                  f"{agg([m['d_max'] for m in ms], '{:.1f}')} | "
                  f"{agg([m['d_rev120'] for m in ms], '{:.1f}')} |")


if __name__ == "__main__":
    main()
