"""Checks rendered Kubernetes objects (helm template / kubectl kustomize output) against
what the project builds: every image is one scripts/build-images builds, every flag and
MICROSCALE_* variable passed to a binary is in that binary's --help, every port a container
declares is one its flags make it listen on, every Service, probe, volume and --controller
address (one or a comma-separated list, each a Service or a controller pod's name under its
headless Service) points at something that exists in the render, each controller replica
advertises its own pod's name, every --tls-* file is a key of a Secret mounted read-only
there, and controller, agents and microscalectl agree on TLS (a plaintext gRPC port beyond
loopback carries --insecure).

Usage: check_rendered.py RENDERED.yaml IMAGES.txt HELP_DIR [--registry PREFIX]
  IMAGES.txt  the output of `scripts/build-images --list`
  HELP_DIR    controller.txt, agent.txt, cli.txt (--help of each binary) and
              cli-<subcommand>.txt for each CLI subcommand the render uses
Prints one line per problem and exits 1 if there is any.
"""

import argparse
import os
import re
import sys

import yaml

WORKLOAD_KINDS = {"StatefulSet", "DaemonSet", "Deployment", "Job"}
BINARY_OF_REPOSITORY = {
    "microscale/controller": "controller",
    "microscale/agent": "agent",
    "microscale/cli": "cli",
}


class Checker:
    def __init__(self, objects, images, help_dir, registry):
        self.objects = objects
        self.images = images
        self.help_dir = help_dir
        self.registry = registry
        self.problems = []

    def problem(self, where, text):
        self.problems.append(f"{where}: {text}")

    def help_text(self, name):
        path = os.path.join(self.help_dir, f"{name}.txt")
        if not os.path.exists(path):
            return None
        with open(path, encoding="utf-8") as f:
            return f.read()

    # --- objects -------------------------------------------------------------------------
    def of_kind(self, *kinds):
        return [o for o in self.objects if o.get("kind") in kinds]

    def pod_templates(self):
        for workload in self.of_kind(*WORKLOAD_KINDS):
            where = f'{workload["kind"]}/{workload["metadata"]["name"]}'
            yield where, workload["spec"]["template"]

    # --- images --------------------------------------------------------------------------
    def repository_of(self, where, image):
        if not image.startswith(self.registry):
            self.problem(where, f"image {image} lacks the registry prefix {self.registry!r}")
            return None
        local = image[len(self.registry):]
        if local not in self.images:
            self.problem(where, f"image {local} is not built by scripts/build-images")
            return None
        return local.rsplit(":", 1)[0]

    # --- flags ---------------------------------------------------------------------------
    @staticmethod
    def has_flag(help_text, flag):
        return re.search(r"(^|[\s,])" + re.escape(flag) + r"([\s=,]|$)", help_text, re.M)

    def check_flags(self, where, binary, args):
        text = self.help_text(binary)
        if text is None:
            self.problem(where, f"no --help text of {binary}")
            return
        subcommand_text = ""
        for arg in args:
            if not arg.startswith("-"):
                if binary == "cli" and not subcommand_text:
                    subcommand_text = self.help_text(f"cli-{arg}") or ""
                continue
            flag = arg.split("=", 1)[0]
            if not (self.has_flag(text, flag) or self.has_flag(subcommand_text, flag)):
                self.problem(where, f"flag {flag} is not in the --help of {binary}")

    def check_env(self, where, binary, container):
        text = self.help_text(binary) or ""
        defined = set()
        for env in container.get("env", []):
            defined.add(env["name"])
            if env["name"].startswith("MICROSCALE_") and f'Env:{env["name"]}' not in text:
                self.problem(where, f'variable {env["name"]} is not read by {binary}')
        for arg in container.get("args", []) + container.get("command", []):
            for ref in re.findall(r"\$\(([A-Za-z_][A-Za-z0-9_]*)\)", arg):
                if ref not in defined:
                    self.problem(where, f"argument {arg} refers to undefined ${ref}")

    # --- ports ---------------------------------------------------------------------------
    def listen_ports(self, binary, args, flags=("--grpc-addr", "--http-addr")):
        """Ports the daemon listens on: its *-addr flags, or their --help defaults."""
        text = self.help_text(binary) or ""
        ports = set()
        for flag in flags:
            value = next((a.split("=", 1)[1] for a in args if a.startswith(flag + "=")), None)
            if value is None:
                match = re.search(re.escape(flag) + r" TEXT=(\S+)", text)
                value = match.group(1) if match else None
            if value:
                ports.add(int(value.rsplit(":", 1)[1]))
        return ports

    def check_container_ports(self, where, binary, container):
        declared = {p["containerPort"] for p in container.get("ports", [])}
        if binary not in ("controller", "agent"):
            if declared:
                self.problem(where, f"{binary} listens on nothing but declares {declared}")
            return
        listening = self.listen_ports(binary, container.get("args", []))
        if declared != listening:
            self.problem(where, f"declares ports {sorted(declared)}, listens on {sorted(listening)}")
        for kind in ("livenessProbe", "readinessProbe", "startupProbe"):
            probe = container.get(kind, {}).get("httpGet")
            if probe and self.resolve_port(container, probe["port"]) is None:
                self.problem(where, f'{kind} port {probe["port"]} is not declared')

    @staticmethod
    def resolve_port(container, port):
        for declared in container.get("ports", []):
            if port in (declared.get("name"), declared["containerPort"]):
                return declared["containerPort"]
        return None

    # --- volumes -------------------------------------------------------------------------
    def check_volumes(self, where, workload_spec, template):
        spec = template["spec"]
        names = {v["name"] for v in spec.get("volumes", [])}
        names |= {c["metadata"]["name"] for c in workload_spec.get("volumeClaimTemplates", [])}
        config_maps = {o["metadata"]["name"] for o in self.of_kind("ConfigMap")}
        for container in spec["containers"]:
            for mount in container.get("volumeMounts", []):
                if mount["name"] not in names:
                    self.problem(where, f'mounts undefined volume {mount["name"]}')
        for volume in spec.get("volumes", []):
            name = volume.get("configMap", {}).get("name")
            if name and name not in config_maps:
                self.problem(where, f"uses ConfigMap {name}, which the render lacks")

    # --- services ------------------------------------------------------------------------
    def pods_selected(self, selector):
        for where, template in self.pod_templates():
            labels = template["metadata"].get("labels", {})
            if selector and all(labels.get(k) == v for k, v in selector.items()):
                yield where, template

    def check_services(self):
        for service in self.of_kind("Service"):
            where = f'Service/{service["metadata"]["name"]}'
            pods = list(self.pods_selected(service["spec"].get("selector", {})))
            if not pods:
                self.problem(where, "selects no pod of the render")
            for port in service["spec"]["ports"]:
                for pod_where, template in pods:
                    containers = template["spec"]["containers"]
                    target = port.get("targetPort", port["port"])
                    if all(self.resolve_port(c, target) is None for c in containers):
                        self.problem(where, f"targetPort {target} is not a port of {pod_where}")

    def service_port_target(self, host, port):
        """The container port behind Service `host` port `port`, or None."""
        for service in self.of_kind("Service"):
            if service["metadata"]["name"] != host:
                continue
            for service_port in service["spec"]["ports"]:
                if service_port["port"] != port:
                    continue
                for _, template in self.pods_selected(service["spec"].get("selector", {})):
                    for container in template["spec"]["containers"]:
                        target = service_port.get("targetPort", port)
                        resolved = self.resolve_port(container, target)
                        if resolved is not None:
                            return container, resolved
        return None

    # <StatefulSet>-<ordinal>.<headless Service>, optionally .<namespace>.svc[.cluster.local]
    POD_NAME = re.compile(
        r"^([a-z0-9-]+)-(\d+)\.([a-z0-9-]+)(\.[a-z0-9-]+\.svc(\.cluster\.local)?)?$")

    def pod_of_name(self, host):
        """(StatefulSet, ordinal) of the pod that `host` names as <pod>.<headless Service>
        (optionally .<namespace>.svc), or None."""
        match = self.POD_NAME.match(host)
        if not match:
            return None
        name, ordinal, service = match.group(1), int(match.group(2)), match.group(3)
        headless = [s for s in self.of_kind("Service") if s["metadata"]["name"] == service
                    and s["spec"].get("clusterIP") == "None"]
        for workload in self.of_kind("StatefulSet"):
            if (workload["metadata"]["name"] == name and headless
                    and workload["spec"].get("serviceName") == service
                    and ordinal < workload["spec"].get("replicas", 1)):
                return workload, ordinal
        return None

    def pod_port_target(self, host, port):
        """The controller container behind pod name `host`, and `port`, or None."""
        found = self.pod_of_name(host)
        if found is None:
            return None
        for container in found[0]["spec"]["template"]["spec"]["containers"]:
            if "microscale/controller:" in container["image"]:
                return container, port
        return None

    def check_controller_address(self, where, args):
        for arg in args:
            if not arg.startswith("--controller="):
                continue
            for address in arg.split("=", 1)[1].split(","):
                host, port = address.rsplit(":", 1)
                found = self.service_port_target(host, int(port)) or \
                    self.pod_port_target(host, int(port))
                if not found or "microscale/controller:" not in found[0]["image"]:
                    self.problem(where, f"--controller {host}:{port} does not reach a controller")
                    continue
                grpc = self.listen_ports("controller", found[0].get("args", []), ("--grpc-addr",))
                if found[1] not in grpc:
                    self.problem(where, f"--controller {host}:{port} reaches port {found[1]}")

    def check_advertised_address(self, where, workload, container):
        """Each replica's --advertise-addr is its own pod's name and gRPC port."""
        value = self.flag_values(container.get("args", [])).get("--advertise-addr")
        replicas = workload["spec"].get("replicas", 1)
        if value is None:
            if replicas > 1:
                self.problem(where, f"{replicas} replicas and no --advertise-addr")
            return
        grpc = self.listen_ports("controller", container.get("args", []), ("--grpc-addr",))
        for ordinal in range(replicas):
            pod = f'{workload["metadata"]["name"]}-{ordinal}'
            host, port = str(value).replace("$(POD_NAME)", pod).rsplit(":", 1)
            if self.pod_of_name(host) != (workload, ordinal) or int(port) not in grpc:
                self.problem(where, f"pod {pod} advertises {host}:{port}, not its own gRPC port")

    # --- TLS ---------------------------------------------------------------------------
    SECRET_KEYS = ("tls.crt", "tls.key", "ca.crt")  # kubernetes.io/tls plus the CA

    @staticmethod
    def flag_values(args):
        return {a.split("=", 1)[0]: (a.split("=", 1)[1] if "=" in a else True)
                for a in args if a.startswith("--")}

    def check_tls_files(self, where, template, container):
        """Every --tls-* file is a key of a Secret mounted read-only where the flag points."""
        volumes = {v["name"]: v for v in template["spec"].get("volumes", [])}
        for flag, path in self.flag_values(container.get("args", [])).items():
            if not flag.startswith("--tls-") or path is True:  # a switch names no file
                continue
            directory, _, key = str(path).rpartition("/")
            mount = next((m for m in container.get("volumeMounts", [])
                          if m["mountPath"] == directory), None)
            secret = volumes.get(mount["name"], {}).get("secret") if mount else None
            if secret is None:
                self.problem(where, f"{flag} {path}: {directory} is not a mounted Secret")
                continue
            if not mount.get("readOnly"):
                self.problem(where, f"{flag} {path}: the Secret is mounted writable")
            keys = [i["path"] for i in secret["items"]] if "items" in secret else self.SECRET_KEYS
            if key not in keys:
                self.problem(where, f"{flag} {path}: Secret {secret['secretName']} has no {key}")

    def check_tls_agreement(self):
        """Controller, agents and CLI agree on TLS, and a plaintext non-loopback gRPC port
        says --insecure (the controller refuses to start otherwise)."""
        by_binary = {}
        for workload in self.of_kind(*WORKLOAD_KINDS):
            for container in workload["spec"]["template"]["spec"]["containers"]:
                repository = container["image"][len(self.registry):].rsplit(":", 1)[0]
                binary = BINARY_OF_REPOSITORY.get(repository)
                if binary:
                    by_binary.setdefault(binary, []).append(
                        (f'{workload["kind"]}/{workload["metadata"]["name"]}',
                         self.flag_values(container.get("args", []))))
        for where, flags in by_binary.get("controller", []):
            tls = all(f in flags for f in ("--tls-cert", "--tls-key", "--tls-ca"))
            host = str(flags.get("--grpc-addr", "127.0.0.1:7400")).rsplit(":", 1)[0]
            loopback = host in ("localhost", "[::1]") or host.startswith("127.")
            if not (tls or loopback or flags.get("--insecure")):
                self.problem(where, f"plaintext gRPC on {host} without --insecure")
            if tls and "--insecure" in flags:
                self.problem(where, "both TLS and --insecure")
            wanted = {"agent": ("--tls-cert", "--tls-key", "--tls-ca"), "cli": ("--tls-ca",)}
            for binary, needed in wanted.items():
                for other, other_flags in by_binary.get(binary, []):
                    has = [f for f in needed if f in other_flags]
                    if tls and len(has) != len(needed):
                        self.problem(other, f"the controller serves TLS; {binary} lacks "
                                            f"{[f for f in needed if f not in has]}")
                    if not tls and has:
                        self.problem(other, f"{has} but the controller serves plaintext")

    # --- apps ----------------------------------------------------------------------------
    def check_apps(self):
        for config_map in self.of_kind("ConfigMap"):
            text = config_map.get("data", {}).get("apps.yaml")
            if text is None:
                continue
            where = f'ConfigMap/{config_map["metadata"]["name"]}'
            apps = [d for d in yaml.safe_load_all(text) if d]
            if not apps:
                self.problem(where, "apps.yaml holds no app")
            for app in apps:
                if app.get("apiVersion") != "microscale.io/v1" or app.get("kind") != "App":
                    self.problem(where, f"not a microscale.io/v1 App: {app}")
                    continue
                image = app["spec"].get("image", "")
                if image not in self.images:
                    self.problem(where, f'app {app["metadata"]["name"]} image {image} is not built')

    # --- all ----------------------------------------------------------------------------
    def check_service_monitors(self):
        for monitor in self.of_kind("ServiceMonitor"):
            where = f'ServiceMonitor/{monitor["metadata"]["name"]}'
            selector = monitor["spec"]["selector"]["matchLabels"]
            services = [s for s in self.of_kind("Service")
                        if all(s["metadata"].get("labels", {}).get(k) == v
                               for k, v in selector.items())]
            if len(services) < 2:
                self.problem(where, f"selects {len(services)} Services, not controller and agent")
            for endpoint in monitor["spec"]["endpoints"]:
                for service in services:
                    if endpoint["port"] not in {p.get("name") for p in service["spec"]["ports"]}:
                        self.problem(where, f'{service["metadata"]["name"]} has no port {endpoint["port"]}')

    def run(self):
        if not self.of_kind(*WORKLOAD_KINDS):
            self.problem("render", "holds no workload")
        for workload in self.of_kind(*WORKLOAD_KINDS):
            template = workload["spec"]["template"]
            for container in template["spec"]["containers"]:
                where = f'{workload["kind"]}/{workload["metadata"]["name"]}/{container["name"]}'
                repository = self.repository_of(where, container["image"])
                binary = BINARY_OF_REPOSITORY.get(repository)
                if binary is None:
                    continue
                args = container.get("args", [])
                self.check_flags(where, binary, args)
                self.check_env(where, binary, container)
                self.check_container_ports(where, binary, container)
                self.check_controller_address(where, args)
                if binary == "controller":
                    self.check_advertised_address(where, workload, container)
                self.check_tls_files(where, template, container)
            self.check_volumes(f'{workload["kind"]}/{workload["metadata"]["name"]}',
                               workload["spec"], template)
        self.check_services()
        self.check_tls_agreement()
        self.check_service_monitors()
        self.check_apps()
        return self.problems


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("rendered")
    parser.add_argument("images")
    parser.add_argument("help_dir")
    parser.add_argument("--registry", default="")
    options = parser.parse_args()
    with open(options.rendered, encoding="utf-8") as f:
        objects = [o for o in yaml.safe_load_all(f) if o]
    with open(options.images, encoding="utf-8") as f:
        images = set(f.read().split())
    problems = Checker(objects, images, options.help_dir, options.registry).run()
    for line in problems:
        print(line)
    kinds = sorted({o["kind"] for o in objects})
    print(f"checked {len(objects)} objects ({', '.join(kinds)}): {len(problems)} problems",
          file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
