#!/usr/bin/env bash
# Checks the Helm chart deploy/helm/microscale with the real Helm 3 (scripts/fetch-helm):
# `helm lint --strict`, then `helm template` with the default values and with
# tests/deploy/values-custom.yaml, each render checked by check_rendered.py against the
# images scripts/build-images builds and the binaries' --help, plus what each set of values
# must switch on or off.
# Usage: helm_test.sh [CONTROLLER AGENT CLI]   (binaries; default those of build/test)
set -euo pipefail
cd "$(dirname "$0")/../.."
source tests/deploy/lib.sh
mapfile -t BINARIES < <(binaries_or_default "$@")

HELM="$(scripts/fetch-helm)/helm/helm"
CHART=deploy/helm/microscale
CUSTOM=tests/deploy/values-custom.yaml
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
write_help_texts "$work/help" "${BINARIES[@]}"
scripts/build-images --list >"$work/images.txt"

"$HELM" lint --strict "$CHART" >/dev/null || "$HELM" lint --strict "$CHART" || fail "helm lint"
"$HELM" lint --strict "$CHART" -f "$CUSTOM" >/dev/null || fail "helm lint with $CUSTOM"

# --- default values ---------------------------------------------------------------------
default=$work/default.yaml
"$HELM" template microscale "$CHART" --namespace microscale >"$default"
python tests/deploy/check_rendered.py "$default" "$work/images.txt" "$work/help" ||
  fail "default render"
expect "kinds" "$(query "$default" 'sorted(o["kind"] for o in objs)')" \
  "['DaemonSet', 'Service', 'Service', 'Service', 'StatefulSet']"
expect "controller PVC" \
  "$(query "$default" 'kind("StatefulSet")[0]["spec"]["volumeClaimTemplates"][0]["spec"]["resources"]')" \
  "{'requests': {'storage': '1Gi'}}"
expect "node name from the downward API" \
  "$(query "$default" 'container("DaemonSet", "agent")["env"][0]["valueFrom"]["fieldRef"]["fieldPath"]')" \
  "spec.nodeName"
expect "agent flags" "$(query "$default" '" ".join(container("DaemonSet", "agent")["args"])')" \
  "--controller=microscale-controller:7400 --cluster-name=default --node-name=\$(NODE_NAME) --http-addr=0.0.0.0:7402 --docker-host=unix:///var/run/docker.sock --max-containers=0 --log-format=text"
expect "docker socket" \
  "$(query "$default" 'kind("DaemonSet")[0]["spec"]["template"]["spec"]["volumes"][0]["hostPath"]')" \
  "{'path': '/var/run/docker.sock', 'type': 'Socket'}"
expect "images" "$(query "$default" 'sorted(c["image"] for o in objs if "template" in o.get("spec", {}) for c in o["spec"]["template"]["spec"]["containers"])')" \
  "['microscale/agent:0.1.0', 'microscale/controller:0.1.0']"

# --- non-default values -----------------------------------------------------------------
custom=$work/custom.yaml
"$HELM" template ms "$CHART" --namespace edge -f "$CUSTOM" >"$custom"
python tests/deploy/check_rendered.py "$custom" "$work/images.txt" "$work/help" \
  --registry registry.example.com/ || fail "render with $CUSTOM"
expect "kinds" "$(query "$custom" 'sorted(o["kind"] for o in objs)')" \
  "['ConfigMap', 'DaemonSet', 'Job', 'Service', 'Service', 'Service', 'ServiceMonitor', 'StatefulSet']"
expect "no PVC without persistence" \
  "$(query "$custom" '"volumeClaimTemplates" in kind("StatefulSet")[0]["spec"]')" "False"
expect "controller flags" "$(query "$custom" '" ".join(container("StatefulSet", "controller")["args"])')" \
  "--grpc-addr=0.0.0.0:17400 --http-addr=0.0.0.0:17401 --data-dir=/var/lib/microscale --cluster-name=edge-cluster --placement=binpack --node-timeout=30s --startup-grace=20s --log-format=json --allow-host-network"
expect "agent flags" "$(query "$custom" '" ".join(container("DaemonSet", "agent")["args"])')" \
  "--controller=edge-controller:17400 --cluster-name=edge-cluster --node-name=\$(NODE_NAME) --http-addr=0.0.0.0:17402 --docker-host=unix:///var/run/docker.sock --max-containers=40 --log-format=json --cpu=3500m --memory=4Gi --labels=disk=ssd,zone=a"
expect "socket path" \
  "$(query "$custom" 'kind("DaemonSet")[0]["spec"]["template"]["spec"]["volumes"][0]["hostPath"]["path"]')" \
  "/run/docker.sock"
expect "apps" "$(query "$custom" '[(a["metadata"]["name"], a["spec"]["priority"]) for a in yaml.safe_load_all(kind("ConfigMap")[0]["data"]["apps.yaml"])]')" \
  "[('checkout-api', 1), ('batch-worker', 2)]"
expect "apply job is a hook" \
  "$(query "$custom" 'kind("Job")[0]["metadata"]["annotations"]["helm.sh/hook"]')" \
  "post-install,post-upgrade"
expect "service monitor labels" \
  "$(query "$custom" 'kind("ServiceMonitor")[0]["metadata"]["labels"]["release"]')" "prometheus"

# --- no RBAC, by design -----------------------------------------------------------------
for file in "$default" "$custom"; do
  expect "RBAC objects" \
    "$(query "$file" '[o["kind"] for o in objs if o["kind"] in ("ServiceAccount", "Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding")]')" \
    "[]"
  expect "service account tokens" \
    "$(query "$file" 'sorted({o["spec"]["template"]["spec"].get("automountServiceAccountToken") for o in objs if "template" in o.get("spec", {})})')" \
    "[False]"
done
echo "PASS: helm lint and template (default and custom values)" >&2
