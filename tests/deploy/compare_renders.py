"""Compares the plain manifests (kubectl kustomize deploy/kubernetes) with the Helm chart's
render of the same settings: the same workloads and Services by name, the same pod specs
(images, flags, ports, probes, security, volumes) and Service specs, and the same apps.
Labels the chart adds for Helm, hook annotations, the ConfigMap hash suffix and the order of
volumes and volume mounts are ignored.

Usage: compare_renders.py KUSTOMIZE.yaml HELM.yaml DEMO_APPS.yaml
"""

import re
import sys

import yaml


def load(path):
    with open(path, encoding="utf-8") as f:
        return [o for o in yaml.safe_load_all(f) if o]


def without_hash(name):
    return re.sub(r"-[a-z0-9]{10}$", "", name)


def normalized(objects):
    """(kind, name) -> the parts that must agree."""
    result = {}
    for o in objects:
        kind, name = o["kind"], o["metadata"]["name"]
        if kind == "Service":
            result[(kind, name)] = o["spec"]
        elif kind in ("StatefulSet", "DaemonSet", "Job"):
            spec = dict(o["spec"])
            spec.pop("ttlSecondsAfterFinished", None)
            pod = dict(spec.pop("template")["spec"])
            # The order of volumes and mounts means nothing; kustomize patches prepend.
            pod["volumes"] = sorted(pod.get("volumes", []), key=lambda v: v["name"])
            for container in pod["containers"]:
                container["volumeMounts"] = sorted(container.get("volumeMounts", []),
                                                   key=lambda m: m["mountPath"])
            for volume in pod.get("volumes", []):
                if "configMap" in volume:
                    volume["configMap"]["name"] = without_hash(volume["configMap"]["name"])
            spec.pop("volumeClaimTemplates", None)
            claims = [c["spec"] for c in o["spec"].get("volumeClaimTemplates", [])]
            result[(kind, name)] = {"pod": pod, "claims": claims,
                                    "selector": spec.get("selector")}
        elif kind == "ConfigMap":
            apps = [d for d in yaml.safe_load_all(o["data"]["apps.yaml"]) if d]
            result[(kind, without_hash(name))] = apps
    return result


def main():
    kustomized, helm = normalized(load(sys.argv[1])), normalized(load(sys.argv[2]))
    with open(sys.argv[3], encoding="utf-8") as f:
        demo = [d for d in yaml.safe_load_all(f) if d]
    problems = []
    if sorted(kustomized) != sorted(helm):
        problems.append(f"objects differ: kustomize {sorted(kustomized)} helm {sorted(helm)}")
    for key in sorted(set(kustomized) & set(helm)):
        if kustomized[key] != helm[key]:
            problems.append(f"{key[0]}/{key[1]} differs:\n  kustomize {kustomized[key]}\n"
                            f"  helm      {helm[key]}")
    apps = kustomized.get(("ConfigMap", "microscale-apps"))
    if apps != demo:
        problems.append("deploy/kubernetes/apps.yaml is not the demo apps of deploy/demo")
    for line in problems:
        print(line)
    print(f"compared {len(kustomized)} objects: {len(problems)} differences", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
