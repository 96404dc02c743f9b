#!/usr/bin/env bash
# Checks the Helm chart deploy/helm/microscale with the real Helm 3 (scripts/fetch-helm):
# `helm lint --strict`, then `helm template` with the default values (plaintext gRPC with
# --insecure), with tests/deploy/values-custom.yaml and with tests/deploy/values-tls.yaml
# (mutual TLS from Secrets, a token for the apply Job), each render checked by
# check_rendered.py against the images scripts/build-images builds and the binaries' --help,
# plus what each set of values must switch on or off: flags, Secret mounts and their modes.
# Usage: helm_test.sh [CONTROLLER AGENT CLI]   (binaries; default those of build/test)
set -euo pipefail
cd "$(dirname "$0")/../.."
source tests/deploy/lib.sh
mapfile -t BINARIES < <(binaries_or_default "$@")

HELM="$(scripts/fetch-helm)/helm/helm"
CHART=deploy/helm/microscale
CUSTOM=tests/deploy/values-custom.yaml
TLS_VALUES=tests/deploy/values-tls.yaml
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
expect "controller flags: plaintext needs --insecure" \
  "$(query "$default" '" ".join(container("StatefulSet", "controller")["args"])')" \
  "--grpc-addr=0.0.0.0:7400 --http-addr=0.0.0.0:7401 --data-dir=/var/lib/microscale --cluster-name=default --placement=spread --node-timeout=10s --startup-grace=10s --log-format=text --insecure"
expect "agent flags" "$(query "$default" '" ".join(container("DaemonSet", "agent")["args"])')" \
  "--controller=microscale-controller:7400 --cluster-name=default --node-name=\$(NODE_NAME) --advertise-address=\$(NODE_IP) --http-addr=0.0.0.0:7402 --docker-host=unix:///var/run/docker.sock --max-containers=0 --log-format=text"
expect "no secret volumes without TLS" \
  "$(query "$default" '[v["name"] for o in objs if "template" in o.get("spec", {}) for v in o["spec"]["template"]["spec"].get("volumes", []) if "secret" in v]')" \
  "[]"
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
  "--grpc-addr=0.0.0.0:17400 --http-addr=0.0.0.0:17401 --data-dir=/var/lib/microscale --cluster-name=edge-cluster --placement=binpack --node-timeout=30s --startup-grace=20s --log-format=json --allow-host-network --insecure"
expect "apply job flags" "$(query "$custom" '" ".join(container("Job", "apply")["args"])')" \
  "--controller=edge-controller:17400 apply --filename=/etc/microscale/apps/apps.yaml"
expect "apply job without a token" "$(query "$custom" 'container("Job", "apply").get("env")')" "None"
expect "agent flags" "$(query "$custom" '" ".join(container("DaemonSet", "agent")["args"])')" \
  "--controller=edge-controller:17400 --cluster-name=edge-cluster --node-name=\$(NODE_NAME) --advertise-address=\$(NODE_IP) --http-addr=0.0.0.0:17402 --docker-host=unix:///var/run/docker.sock --max-containers=40 --log-format=json --cpu=3500m --memory=4Gi --labels=disk=ssd,zone=a"
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

# --- mutual TLS and a token (values-tls.yaml) ----------------------------------------------
tls=$work/tls.yaml
"$HELM" lint --strict "$CHART" -f "$TLS_VALUES" >/dev/null || fail "helm lint with $TLS_VALUES"
"$HELM" template microscale "$CHART" --namespace microscale -f "$TLS_VALUES" >"$tls"
python tests/deploy/check_rendered.py "$tls" "$work/images.txt" "$work/help" ||
  fail "render with $TLS_VALUES"
tls_flags="--tls-cert=/etc/microscale/tls/tls.crt --tls-key=/etc/microscale/tls/tls.key --tls-ca=/etc/microscale/tls/ca.crt"
expect "controller flags with TLS" "$(query "$tls" '" ".join(container("StatefulSet", "controller")["args"])')" \
  "--grpc-addr=0.0.0.0:7400 --http-addr=0.0.0.0:7401 --data-dir=/var/lib/microscale --cluster-name=default --placement=spread --node-timeout=10s --startup-grace=10s --log-format=text $tls_flags --tls-allow-any-node-name"
expect "agent flags with TLS" "$(query "$tls" '" ".join(container("DaemonSet", "agent")["args"])')" \
  "--controller=microscale-controller:7400 --cluster-name=default --node-name=\$(NODE_NAME) --advertise-address=\$(NODE_IP) --http-addr=0.0.0.0:7402 --docker-host=unix:///var/run/docker.sock --max-containers=0 --log-format=text $tls_flags"
expect "apply job flags with TLS" "$(query "$tls" '" ".join(container("Job", "apply")["args"])')" \
  "--controller=microscale-controller:7400 --tls-ca=/etc/microscale/tls/ca.crt apply --filename=/etc/microscale/apps/apps.yaml"
# Mounts: (mount path, read-only) of the volume named tls, and that volume's Secret.
tls_mount() {
  query "$tls" "[(m['mountPath'], m.get('readOnly')) for m in container('$1', '$2')['volumeMounts'] if m['name'] == 'tls']"
}
tls_volume() {
  query "$tls" "[v['secret'] for v in kind('$1')[0]['spec']['template']['spec']['volumes'] if v['name'] == 'tls']"
}
for workload in StatefulSet:controller DaemonSet:agent Job:apply; do
  expect "$workload mounts the TLS Secret read-only" "$(tls_mount "${workload%%:*}" "${workload#*:}")" \
    "[('/etc/microscale/tls', True)]"
done
expect "controller Secret, readable by fsGroup 10001" "$(tls_volume StatefulSet)" \
  "[{'secretName': 'microscale-controller-tls', 'defaultMode': 288}]"
expect "controller fsGroup" \
  "$(query "$tls" 'kind("StatefulSet")[0]["spec"]["template"]["spec"]["securityContext"]["fsGroup"]')" "10001"
expect "agent Secret, readable by root only" "$(tls_volume DaemonSet)" \
  "[{'secretName': 'microscale-agent-tls', 'defaultMode': 256}]"
expect "apply job gets the CA alone" "$(tls_volume Job)" \
  "[{'secretName': 'microscale-agent-tls', 'items': [{'key': 'ca.crt', 'path': 'ca.crt'}], 'defaultMode': 292}]"
expect "apply job token" "$(query "$tls" 'container("Job", "apply")["env"]')" \
  "[{'name': 'MICROSCALE_TOKEN', 'valueFrom': {'secretKeyRef': {'name': 'microscale-token', 'key': 'admin'}}}]"
expect "--insecure with TLS" "$(grep -c -- '--insecure' "$tls" || true)" "0"
# Half a TLS setup is refused at render time, naming what is missing.
for half in "tls.secretName=x" "tls.agentSecretName=x"; do
  if out=$("$HELM" template microscale "$CHART" --set "$half" 2>&1); then
    fail "helm template --set $half rendered"
  fi
  grep -q "needs tls\." <<<"$out" || fail "helm template --set $half: $out"
done

# --- no RBAC, by design -----------------------------------------------------------------
for file in "$default" "$custom" "$tls"; do
  expect "RBAC objects" \
    "$(query "$file" '[o["kind"] for o in objs if o["kind"] in ("ServiceAccount", "Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding")]')" \
    "[]"
  expect "service account tokens" \
    "$(query "$file" 'sorted({o["spec"]["template"]["spec"].get("automountServiceAccountToken") for o in objs if "template" in o.get("spec", {})})')" \
    "[False]"
done
echo "PASS: helm lint and template (default, custom and TLS values)" >&2
