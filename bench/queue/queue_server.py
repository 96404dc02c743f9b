#!/usr/bin/env python3
"""Closed-loop queues for bench/queue: arrivals from a scenario, drained by real containers.

One process serves one or more independent queues on 127.0.0.1, one per app. Every queue
receives the same arrivals (so two scaling modes can be compared side by side in one run);
each queue is drained at MU items/s by every container of its app that the Docker Engine
reports as running (a created, paused or exited container drains nothing). By default the
server follows the engine's event stream (API v1.41, over its unix socket): a container
drains from its State.StartedAt (what it would have drained before its start event arrived
is drained when the event comes; meta.json's "eventLag" is that delay) until its die or
pause event. With
--running-from poll it counts the containers that the engine lists as running every POLL
seconds instead, which credits each start late by the poll's period and the list's own
latency (both are recorded: meta.json's "pollLag", from a start event to the poll that first
listed the container running). The queues are integrated every TICK seconds.

  GET  /q/APP   -> {"depth": N, ...}  N = the items waiting, an integer (an item partly
                   drained is still waiting); "enqueued", the whole items ever arrived (the
                   same for every queue: a counter that only grows); also "backlog" (the
                   fluid value), "lambda", "running", "t"
  GET  /stats   -> the same, when the server has a single queue
  GET  /status  -> {"started", "t", "done", "duration"}
  POST /start   -> starts the scenario clock (t = 0); before it, λ = 0 and nothing arrives

Scenario: comma-separated segments DURATION:LAMBDA (constant) or DURATION:FROM-TO (linear
ramp), in seconds and items/s, e.g. "150:10,60:0" or "60:0-20,120:20,60:0". Arrivals are
either fluid (the integral of λ, deterministic) or Poisson with a seeded RNG: the event
times of a unit-rate Poisson process are drawn from the seed and mapped through the
cumulative arrival function, so the arrivals do not depend on the timing of the ticks.

Each queue's timeline goes to OUT/APP.csv, one row per tick after the start:
  t,lambda,arrived,backlog,depth,running,existing,reads
(existing: the app's containers in any state; reads: /q/APP requests served so far).
With --controller-metrics URL, the controller's view of each app (every microscale_app_*
sample labelled with the app: demand, desired, allocated, running, and the queue mode's
estimates when exported) is scraped about every 0.5 s into OUT/APP.controller.csv:
t,metric,value.
OUT/meta.json describes the run. The server exits when the scenario ends.
"""

import argparse
import datetime
import http.client
import http.server
import json
import math
import os
import random
import re
import socket
import sys
import threading
import time
import urllib.parse
import urllib.request

API = "/v1.41"


class Scenario:
    """λ(t) as piecewise linear segments, and its integral Λ(t)."""

    def __init__(self, text):
        self.segments = []  # (start, duration, from, to)
        start = 0.0
        for part in text.split(","):
            dur, _, rate = part.strip().partition(":")
            lo, _, hi = rate.partition("-")
            d, a = float(dur), float(lo)
            b = float(hi) if hi else a
            if d <= 0 or a < 0 or b < 0:
                raise ValueError(f"bad scenario segment {part!r}")
            self.segments.append((start, d, a, b))
            start += d
        self.duration = start

    def rate(self, t):
        for s, d, a, b in self.segments:
            if t < s + d:
                return a + (b - a) * max(0.0, t - s) / d
        return 0.0

    def cumulative(self, t):
        total = 0.0
        for s, d, a, b in self.segments:
            tau = min(max(t - s, 0.0), d)
            total += a * tau + (b - a) * tau * tau / (2 * d)
        return total

    def off_time(self):
        """The start of the trailing λ = 0 segments: when arrivals stop."""
        off = self.duration
        for s, d, a, b in reversed(self.segments):
            if a == 0 and b == 0:
                off = s
            else:
                break
        return off

    def peak(self):
        return max(max(a, b) for _, _, a, b in self.segments)

    def high_mean(self):
        off = self.off_time()
        return self.cumulative(off) / off if off > 0 else 0.0


class Arrivals:
    """Items arrived by time t: fluid Λ(t), or a seeded Poisson process on Λ(t)."""

    def __init__(self, scenario, kind, seed):
        self.scenario, self.kind = scenario, kind
        self.rng = random.Random(seed)
        self.next_event = self.rng.expovariate(1.0)
        self.count = 0

    def arrived(self, t):
        big_lambda = self.scenario.cumulative(t)
        if self.kind == "fluid":
            return big_lambda
        while self.next_event <= big_lambda:
            self.count += 1
            self.next_event += self.rng.expovariate(1.0)
        return float(self.count)


class UnixHTTPConnection(http.client.HTTPConnection):
    def __init__(self, path, timeout):
        super().__init__("localhost", timeout=timeout)
        self.path = path

    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(self.timeout)
        self.sock.connect(self.path)


def engine_get(sock_path, path):
    """The engine's JSON answer to GET path (under /v1.41); OSError if it answers otherwise."""
    conn = UnixHTTPConnection(sock_path, timeout=2)
    try:
        conn.request("GET", f"{API}{path}")
        resp = conn.getresponse()
        body = resp.read()
        if resp.status != 200:
            raise OSError(f"engine answered {resp.status}: {body[:200]!r}")
    finally:
        conn.close()
    return json.loads(body)


def list_containers(sock_path, cluster, apps):
    """{app: (ids of the running containers, containers in any state)} for the cluster."""
    filters = json.dumps({"label": [f"io.microscale.cluster={cluster}"]})
    query = urllib.parse.urlencode({"all": "1", "filters": filters})
    running = {app: set() for app in apps}
    existing = {app: 0 for app in apps}
    for c in engine_get(sock_path, f"/containers/json?{query}"):
        app = (c.get("Labels") or {}).get("io.microscale.app")
        if app in running:
            existing[app] += 1
            if c.get("State") == "running":
                running[app].add(c["Id"])
    return {app: (running[app], existing[app]) for app in apps}


def engine_started_at(sock_path, cid):
    """The engine's State.StartedAt of a container as a time.time() value (None if unknown)."""
    try:
        text = (engine_get(sock_path, f"/containers/{cid}/json").get("State") or {}).get(
            "StartedAt") or ""
    except (OSError, ValueError, http.client.HTTPException):
        return None
    # RFC 3339 in UTC with up to nanoseconds: 2026-12-06T04:31:02.123456789Z
    m = re.fullmatch(r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(\.\d+)?Z", text)
    if not m:
        return None
    whole = datetime.datetime.strptime(m.group(1), "%Y-%m-%dT%H:%M:%S")
    return whole.replace(tzinfo=datetime.timezone.utc).timestamp() + float(m.group(2) or 0)


def scrape_controller(url, apps):
    """{app: {metric: value}} for the microscale_app_* gauges of `apps` on `url`."""
    with urllib.request.urlopen(url, timeout=2) as resp:
        text = resp.read().decode()
    out = {app: {} for app in apps}
    for line in text.splitlines():
        if not line.startswith("microscale_app_") or "{" not in line:
            continue
        name, _, rest = line.partition("{")
        labels, _, value = rest.rpartition("}")
        app = None
        for pair in labels.split(","):
            k, _, v = pair.partition("=")
            if k.strip() == "app":
                app = v.strip().strip('"')
        if app in out:
            try:
                out[app][name[len("microscale_app_"):]] = float(value.split()[0])
            except (ValueError, IndexError):
                pass
    return out


class Queue:
    def __init__(self, app, out_dir):
        self.app = app
        self.backlog = 0.0
        self.running = 0
        self.running_ids = set()  # from the event stream
        self.existing = 0
        self.reads = 0
        self.file = open(os.path.join(out_dir, f"{app}.csv"), "w", buffering=1)
        self.file.write("t,lambda,arrived,backlog,depth,running,existing,reads\n")

    def depth(self):
        return int(math.ceil(self.backlog - 1e-9))


class Bench:
    def __init__(self, args):
        self.args = args
        self.scenario = Scenario(args.scenario)
        self.arrivals = Arrivals(self.scenario, args.arrivals, args.seed)
        os.makedirs(args.out, exist_ok=True)
        self.queues = {app: Queue(app, args.out) for app in args.apps.split(",")}
        self.lock = threading.Lock()
        self.started_at = None  # monotonic time of t = 0
        self.done = threading.Event()
        self.poll_errors = 0
        self.event_errors = 0
        self.following = False  # the event stream is connected and the counts come from it
        self.started = {}  # container id -> monotonic time its start event arrived
        self.listed = set()  # ids a poll has listed as running
        self.poll_lag = []  # seconds from a start event to the poll that first listed it
        self.event_lag = []  # seconds from a container's StartedAt to its start event
        self.arrived = 0.0  # items ever enqueued, as integrated

    def t(self):
        return 0.0 if self.started_at is None else time.monotonic() - self.started_at

    def start(self):
        with self.lock:
            if self.started_at is None:
                self.started_at = time.monotonic()
                self.start_wall = time.time()
                self.load_start = os.getloadavg()[0]

    def poll_docker(self):
        while not self.done.is_set():
            try:
                listed = list_containers(self.args.docker_sock, self.args.cluster,
                                         list(self.queues))
                now = time.monotonic()
                with self.lock:
                    for app, (ids, existing) in listed.items():
                        q = self.queues[app]
                        q.existing = existing
                        if not self.following:
                            q.running = len(ids)
                        for cid in ids - self.listed:
                            if cid in self.started:
                                self.poll_lag.append(now - self.started[cid])
                        self.listed |= ids
            except (OSError, ValueError, KeyError, http.client.HTTPException) as e:
                self.poll_errors += 1
                print(f"queue_server: engine poll failed: {e}", file=sys.stderr)
            time.sleep(self.args.poll)

    def follow_events(self):
        """Keeps each queue's running count from the engine's container events."""
        filters = json.dumps({"type": ["container"],
                              "label": [f"io.microscale.cluster={self.args.cluster}"]})
        query = urllib.parse.urlencode({"filters": filters})
        while not self.done.is_set():
            conn = UnixHTTPConnection(self.args.docker_sock, timeout=None)
            try:
                conn.request("GET", f"{API}/events?{query}")
                resp = conn.getresponse()
                if resp.status != 200:
                    raise OSError(f"engine answered {resp.status} to /events")
                # The stream is open: a list taken now misses nothing (an event from before
                # it arrives on the stream too, and applying it again changes nothing).
                listed = list_containers(self.args.docker_sock, self.args.cluster,
                                         list(self.queues))
                with self.lock:
                    for app, (ids, _) in listed.items():
                        self.queues[app].running_ids = set(ids)
                        self.queues[app].running = len(ids)
                    self.following = self.args.running_from == "events"
                while not self.done.is_set():
                    line = resp.readline()
                    if not line:
                        raise OSError("the engine closed the event stream")
                    self.apply_event(json.loads(line))
            except (OSError, ValueError, KeyError, http.client.HTTPException) as e:
                with self.lock:
                    self.following = False
                self.event_errors += 1
                print(f"queue_server: engine events failed: {e}", file=sys.stderr)
                time.sleep(0.5)
            finally:
                conn.close()

    def apply_event(self, event):
        actor = event.get("Actor") or {}
        app = (actor.get("Attributes") or {}).get("io.microscale.app")
        cid = actor.get("ID") or event.get("id")
        action = event.get("Action") or event.get("status")
        if app not in self.queues or not cid:
            return
        # A container runs from the engine's StartedAt, a little before its start event
        # arrives: what it would have drained since is drained when the event comes (when
        # the events drive the counts; with the poll, the delay is only recorded).
        began = engine_started_at(self.args.docker_sock, cid) if action == "start" else None
        with self.lock:
            q = self.queues[app]
            if action in ("start", "unpause"):
                now = time.monotonic()
                if began is not None and cid not in q.running_ids:
                    owed = max(0.0, time.time() - began)
                    self.event_lag.append(owed)
                    if self.following:
                        q.backlog = max(0.0, q.backlog - self.args.mu * owed)
                q.running_ids.add(cid)
                self.started.setdefault(cid, now)
            elif action in ("die", "pause", "destroy"):
                q.running_ids.discard(cid)
            if self.following:
                q.running = len(q.running_ids)

    def poll_controller(self):
        files = {}
        for app in self.queues:
            files[app] = open(os.path.join(self.args.out, f"{app}.controller.csv"), "w",
                              buffering=1)
            files[app].write("t,metric,value\n")
        while not self.done.is_set():
            if self.started_at is not None:
                try:
                    seen = scrape_controller(self.args.controller_metrics, list(self.queues))
                    t = self.t()
                    for app, metrics in seen.items():
                        for name, value in sorted(metrics.items()):
                            files[app].write(f"{t:.3f},{name},{value:g}\n")
                except (OSError, ValueError) as e:
                    print(f"queue_server: controller scrape failed: {e}", file=sys.stderr)
            time.sleep(0.5)
        for f in files.values():
            f.close()

    def integrate(self):
        prev_t, prev_arrived = None, 0.0
        while True:
            with self.lock:
                if self.started_at is not None:
                    t = min(self.t(), self.scenario.duration)
                    arrived = self.arrivals.arrived(t)
                    if prev_t is None:
                        prev_t, prev_arrived = 0.0, 0.0
                    dt = t - prev_t
                    new = arrived - prev_arrived
                    lam = self.scenario.rate(t)
                    for q in self.queues.values():
                        drained = self.args.mu * q.running * dt
                        q.backlog = max(0.0, q.backlog + new - drained)
                        q.file.write(f"{t:.3f},{lam:g},{arrived:.3f},{q.backlog:.3f},"
                                     f"{q.depth()},{q.running},{q.existing},{q.reads}\n")
                    prev_t, prev_arrived = t, arrived
                    self.arrived = arrived
                    if t >= self.scenario.duration:
                        break
            time.sleep(self.args.tick)
        self.done.set()

    def queue_json(self, app):
        with self.lock:
            q = self.queues[app]
            q.reads += 1
            return {"depth": q.depth(), "enqueued": int(math.floor(self.arrived + 1e-9)),
                    "backlog": round(q.backlog, 3),
                    "lambda": self.scenario.rate(self.t()) if self.started_at else 0.0,
                    "running": q.running, "t": round(self.t(), 3)}

    def status_json(self):
        with self.lock:
            return {"started": self.started_at is not None, "t": round(self.t(), 3),
                    "done": self.done.is_set(), "duration": self.scenario.duration,
                    "pollErrors": self.poll_errors}

    def lag_summary(self, which):
        with self.lock:
            lags = sorted(which)
        if not lags:
            return None

        def quantile(f):
            return round(lags[min(len(lags) - 1, int(f * len(lags)))], 3)

        return {"starts": len(lags), "p50": quantile(0.5), "p95": quantile(0.95),
                "max": round(lags[-1], 3)}

    def write_meta(self, port):
        s = self.scenario
        meta = {"scenario": self.args.scenario, "name": self.args.name,
                "arrivals": self.args.arrivals, "seed": self.args.seed, "mu": self.args.mu,
                "tick": self.args.tick, "poll": self.args.poll, "cluster": self.args.cluster,
                "apps": list(self.queues), "modes": self.args.modes.split(",")
                if self.args.modes else [], "port": port, "duration": s.duration,
                "offTime": s.off_time(), "peakLambda": s.peak(), "highMeanLambda":
                s.high_mean(), "startWall": getattr(self, "start_wall", None),
                "pollErrors": self.poll_errors, "runningFrom": self.args.running_from,
                "eventErrors": self.event_errors, "pollLag": self.lag_summary(self.poll_lag),
                "eventLag": self.lag_summary(self.event_lag),
                "loadAvgStart": getattr(self, "load_start", None),
                "loadAvgEnd": os.getloadavg()[0] if self.done.is_set() else None}
        with open(os.path.join(self.args.out, "meta.json"), "w") as f:
            json.dump(meta, f, indent=1)


def make_handler(bench):
    class Handler(http.server.BaseHTTPRequestHandler):
        def reply(self, code, obj):
            body = json.dumps(obj).encode()
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self):
            path = urllib.parse.urlparse(self.path).path
            if path.startswith("/q/") and path[3:] in bench.queues:
                self.reply(200, bench.queue_json(path[3:]))
            elif path == "/stats" and len(bench.queues) == 1:
                self.reply(200, bench.queue_json(next(iter(bench.queues))))
            elif path == "/status":
                self.reply(200, bench.status_json())
            else:
                self.reply(404, {"error": "no such queue"})

        def do_POST(self):
            if urllib.parse.urlparse(self.path).path == "/start":
                bench.start()
                self.reply(200, bench.status_json())
            else:
                self.reply(404, {"error": "not found"})

        def log_message(self, *args):
            pass

    return Handler


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--apps", required=True, help="comma-separated app names, one queue each")
    p.add_argument("--cluster", required=True, help="io.microscale.cluster label to count")
    p.add_argument("--scenario", required=True, help='segments, e.g. "150:10,60:0"')
    p.add_argument("--name", default="", help="scenario name, recorded in meta.json")
    p.add_argument("--modes", default="", help="mode of each app, recorded in meta.json")
    p.add_argument("--arrivals", choices=["fluid", "poisson"], default="fluid")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--mu", type=float, default=1.0, help="items/s one running container drains")
    p.add_argument("--tick", type=float, default=0.05, help="integration step, seconds")
    p.add_argument("--poll", type=float, default=0.15, help="engine poll period, seconds")
    p.add_argument("--running-from", choices=["events", "poll"], default="events",
                   help="what the running count follows: the engine's events or its polls")
    p.add_argument("--port", type=int, default=0, help="0 picks a free port")
    p.add_argument("--port-file", help="written with the port once listening")
    p.add_argument("--docker-sock", default="/var/run/docker.sock")
    p.add_argument("--controller-metrics", help="the controller's /metrics URL, to log its view")
    p.add_argument("--out", required=True, help="directory for the timelines")
    args = p.parse_args()

    bench = Bench(args)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", args.port), make_handler(bench))
    server.daemon_threads = True
    port = server.server_address[1]
    bench.write_meta(port)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    threading.Thread(target=bench.poll_docker, daemon=True).start()
    threading.Thread(target=bench.follow_events, daemon=True).start()
    if args.controller_metrics:
        threading.Thread(target=bench.poll_controller, daemon=True).start()
    if args.port_file:
        with open(args.port_file + ".tmp", "w") as f:
            f.write(f"{port}\n")
        os.replace(args.port_file + ".tmp", args.port_file)
    print(f"queue_server: listening on 127.0.0.1:{port}", file=sys.stderr)
    try:
        bench.integrate()
    except KeyboardInterrupt:
        pass
    bench.write_meta(port)
    for q in bench.queues.values():
        q.file.close()
    server.shutdown()


if __name__ == "__main__":
    main()
