#!/usr/bin/env python3
"""The dashboard in a real browser (Debian's chromium, headless, driven by chromedriver).

  dashboard_browser_test.py CONTROLLER AGENT CLI SOURCE_DIR OUT_DIR

Starts a controller and two agents (simulated runtime) on loopback, applies the demo's
apps plus one whose Prometheus source answers with markup, opens the dashboard and checks:
- it loads with no console error and shows both apps and both nodes;
- a demand set with the CLI shows on the page within seconds;
- a demand set from the page reaches the controller (the CLI sees it);
- with a token, a control without one is refused and shown as refused, and with the admin
  token it works;
- the hostile error text is shown as text and runs nothing;
and writes OUT_DIR/dashboard.png (docs/images/dashboard.png is a copy). Every process is
stopped at the end, pass or fail. Prints each step; exits 1 at the first failure.
"""

import base64
import http.server
import json
import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request

HOSTILE = '<img src=x onerror="document.title=\'pwned\'">'


GIVEN_PORTS = set()  # handed out before: several are picked before any server listens


def free_port():
    """A port on 127.0.0.1 that is free now, below the kernel's ephemeral range, where no
    outgoing connection of a test running alongside can take it before a server listens."""
    with open("/proc/sys/net/ipv4/ip_local_port_range") as f:
        ephemeral_low = int(f.read().split()[0])
    for _ in range(200):
        port = random.randint(10000, max(11000, ephemeral_low - 1))
        if port in GIVEN_PORTS:
            continue
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
        GIVEN_PORTS.add(port)
        return port
    raise RuntimeError("no free port below the ephemeral range")


def wait_for(what, condition, timeout=60):
    deadline = time.time() + timeout
    last = None
    while time.time() < deadline:
        try:
            last = condition()
            if last:
                return last
        except Exception as e:  # the page or a server is not there yet
            last = e
        time.sleep(0.25)
    raise AssertionError(f"timed out after {timeout}s waiting for {what} (last: {last!r})")


class HostilePrometheus(http.server.BaseHTTPRequestHandler):
    """Answers every query with an error whose text is markup."""

    def do_GET(self):
        body = json.dumps({"status": "error", "errorType": "bad_data", "error": HOSTILE}).encode()
        self.send_response(400)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


class WebDriver:
    """The few WebDriver commands the test needs, over chromedriver's HTTP API."""

    def __init__(self, port):
        self.base = f"http://127.0.0.1:{port}"
        caps = {"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:loggingPrefs": {"browser": "ALL"},
            "goog:chromeOptions": {
                "binary": "/usr/bin/chromium",
                "args": ["--headless=new", "--no-sandbox", "--disable-gpu",
                         "--disable-dev-shm-usage", "--window-size=1400,1000",
                         "--no-first-run", "--disable-extensions"],
            }}}}
        self.session = self.call("POST", "/session", caps)["sessionId"]

    def call(self, method, path, body=None):
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.base + path, data=data, method=method,
                                         headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=60) as r:
                return json.load(r)["value"]
        except urllib.error.HTTPError as e:
            raise AssertionError(f"webdriver {method} {path}: {e.read().decode()}") from None

    def s(self, method, path, body=None):
        return self.call(method, f"/session/{self.session}{path}", body)

    def go(self, url):
        self.s("POST", "/url", {"url": url})

    def js(self, script, *args):
        return self.s("POST", "/execute/sync", {"script": script, "args": list(args)})

    def console(self):
        return self.s("POST", "/se/log", {"type": "browser"})

    def screenshot(self, path):
        with open(path, "wb") as f:
            f.write(base64.b64decode(self.s("GET", "/screenshot")))

    def quit(self):
        try:
            self.call("DELETE", f"/session/{self.session}")
        except Exception:
            pass


def main():
    controller, agent, cli, source, out = sys.argv[1:6]
    os.makedirs(out, exist_ok=True)
    work = tempfile.mkdtemp(prefix="dashboard-browser-")
    procs = []
    prometheus = None
    driver = None

    def start(args, log):
        procs.append(subprocess.Popen(args, stdout=subprocess.DEVNULL,
                                      stderr=open(os.path.join(work, log), "w")))

    grpc, http_port = free_port(), free_port()
    base = f"http://127.0.0.1:{http_port}"

    def ctl(*args, check=True):
        r = subprocess.run([cli, "--controller", f"127.0.0.1:{grpc}", *args],
                           capture_output=True, text=True, env={**os.environ, "MICROSCALE_TOKEN": ""})
        if check and r.returncode != 0:
            raise AssertionError(f"microscalectl {' '.join(args)}: {r.stderr}")
        return r

    try:
        print("step: controller, two agents, the demo's apps and a hostile source")
        data = os.path.join(work, "data")
        start([controller, "--grpc-addr", f"127.0.0.1:{grpc}", "--http-addr",
               f"127.0.0.1:{http_port}", "--data-dir", data, "--cluster-name", "browser"],
              "controller.log")
        for i in (1, 2):
            start([agent, "--runtime", "sim", "--controller", f"127.0.0.1:{grpc}",
                   "--node-name", f"node-{i}", "--cluster-name", "browser",
                   "--http-addr", f"127.0.0.1:{free_port()}", "--cpu", "1", "--memory", "1Gi"],
                  f"agent-{i}.log")
        wait_for("both nodes Ready",
                 lambda: ctl("get", "nodes", check=False).stdout.count(" Ready ") == 2)
        prometheus = http.server.ThreadingHTTPServer(("127.0.0.1", 0), HostilePrometheus)
        threading.Thread(target=prometheus.serve_forever, daemon=True).start()
        hostile_app = (
            "apiVersion: microscale.io/v1\nkind: App\nmetadata: {name: reporter}\nspec:\n"
            "  priority: 5\n  image: microscale/demo:latest\n  replicas: {max: 1}\n"
            "  demand:\n    source: prometheus\n    prometheus: {url: \"http://127.0.0.1:"
            f"{prometheus.server_address[1]}\", query: up}}\n")
        demo = os.path.join(source, "deploy/demo/microscaling-in-a-box.yaml")
        ctl("apply", "-f", demo)
        subprocess.run([cli, "--controller", f"127.0.0.1:{grpc}", "apply", "-f", "-"],
                       input=hostile_app, text=True, check=True, capture_output=True)

        print("step: the page loads with no console error, both apps and both nodes")
        driver_port = free_port()
        start(["chromedriver", f"--port={driver_port}"], "chromedriver.log")
        wait_for("chromedriver", lambda: urllib.request.urlopen(
            f"http://127.0.0.1:{driver_port}/status", timeout=2).status == 200)
        driver = WebDriver(driver_port)
        driver.go(base + "/")
        wait_for("two updates of the page",
                 lambda: int(driver.js("return document.body.dataset.updates || 0")) >= 2)
        text = driver.js("return document.body.innerText")
        for name in ("checkout-api", "batch-worker", "node-1", "node-2"):
            assert name in text, f"{name} is not on the page"
        severe = [e for e in driver.console() if e.get("level") == "SEVERE"]
        assert not severe, f"console errors: {severe}"

        print("step: a demand set with the CLI shows on the page")
        ctl("demand", "set", "batch-worker", "3")
        wait_for("batch-worker desired 3 on the page", lambda: "desired 3" in driver.js(
            "const c = document.querySelector('[data-app=\"batch-worker\"]');"
            "return c ? c.textContent : ''"), timeout=30)

        # The node view agrees with the app's running figure (capacity is shared with
        # checkout-api, so the count itself depends on its random demand).
        def node_view_agrees():
            return driver.js(
                "const c = document.querySelector('[data-app=\"batch-worker\"]');"
                "const m = /running (\\d+)/.exec(c.querySelector('.figures').textContent);"
                "const squares = document.querySelectorAll("
                "'#nodes .slot.running[title^=\"batch-worker:\"]').length;"
                "return m !== null && Number(m[1]) === squares && squares > 0;")
        wait_for("the node view to show batch-worker's running containers", node_view_agrees,
                 timeout=30)

        print("step: a demand set from the page reaches the controller")
        set_from_page = (
            "const c = document.querySelector('[data-app=\"batch-worker\"]');"
            "const i = c.querySelector('input'); i.value = arguments[0];"
            "c.querySelector('button[data-action=\"demand\"]').click();")
        # A field being typed in keeps the focus while the page updates.
        driver.js("document.querySelector('[data-app=\"batch-worker\"] input').focus();"
                  "window.updatesAtFocus = Number(document.body.dataset.updates);")
        wait_for("two updates with the field focused", lambda: driver.js(
            "return Number(document.body.dataset.updates) - window.updatesAtFocus") >= 2)
        assert driver.js("return document.activeElement === document.querySelector("
                         "'[data-app=\"batch-worker\"] input')"), "an update took the focus"
        driver.js(set_from_page, "5")

        def cli_demand():
            apps = json.loads(ctl("get", "apps", "-o", "json").stdout)
            for item in apps["items"]:
                if item["metadata"]["name"] == "batch-worker":
                    return item["spec"]["demand"].get("value") == 5 or \
                        item["status"].get("demand") == 5
            return False
        wait_for("the CLI to see demand 5", cli_demand, timeout=30)

        print("step: the hostile error text is shown as text and runs nothing")
        wait_for("the hostile text on the page", lambda: HOSTILE in driver.js(
            "return document.body.innerText"), timeout=30)
        assert driver.js("return document.querySelectorAll('img').length") == 0, "markup rendered"
        assert driver.js("return document.title") != "pwned", "a script ran"

        print("step: with a token, a control needs one")
        r = subprocess.run([controller, "token", "create", "--data-dir", data, "--name", "ops",
                            "--role", "admin"], capture_output=True, text=True, check=True)
        secret = [w for w in r.stdout.split() if w.startswith("mst_")][0]
        result_of = ("const c = document.querySelector('[data-app=\"batch-worker\"]');"
                     "return c.querySelector('.result').textContent")

        def refused_without_token():
            # The controller reads its token table again within a second: try until then.
            driver.js(set_from_page, "6")
            wait_for("the control's answer", lambda: driver.js(result_of) not in ("", "..."),
                     timeout=15)
            return "refused: 401" in driver.js(result_of)
        wait_for("a refusal shown on the page", refused_without_token, timeout=30)
        driver.js("const t = document.getElementById('token'); t.value = arguments[0];"
                  "t.dispatchEvent(new Event('change'));", secret)
        wait_for("the page live again with the token",
                 lambda: driver.js("return document.getElementById('status').textContent")
                 .startswith("live"), timeout=30)
        driver.js(set_from_page, "6")
        wait_for("the control done with the admin token",
                 lambda: driver.js(result_of) == "done", timeout=30)

        print("step: screenshot, after 20 s more of the demo")
        time.sleep(20)  # a screenshot for the docs: charts with some history in them
        driver.js("window.scrollTo(0, 0)")
        shot = os.path.join(out, "dashboard.png")
        driver.screenshot(shot)
        assert os.path.getsize(shot) > 10000, "the screenshot is too small"
        print(f"dashboard browser test: passed; screenshot in {shot}")
        return 0
    except AssertionError as e:
        print(f"dashboard browser test: FAILED: {e}")
        for log in sorted(os.listdir(work)):
            if log.endswith(".log"):
                with open(os.path.join(work, log)) as f:
                    print(f"--- {log} (last lines)\n" + "".join(f.readlines()[-15:]))
        return 1
    finally:
        if driver:
            driver.quit()
        if prometheus:
            prometheus.shutdown()
        for p in procs:
            p.terminate()
        for p in procs:
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
