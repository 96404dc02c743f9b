#!/usr/bin/env bash
# Checks the Helm chart deploy/helm/microscale with the real Helm 3 (scripts/fetch-helm):
# `helm lint --strict`, then `helm template` with the default values (plaintext gRPC with
# --insecure), with tests/deploy/values-custom.yaml, with tests/deploy/values-tls.yaml
# (mutual TLS from Secrets, a token for the apply Job) and with the chart's values-ha.yaml
# (three controllers on etcd, alone and with the custom and TLS values), each render checked
# by check_rendered.py against the images scripts/build-images builds and the binaries'
# --help, plus what each set of values must switch on or off: flags, Secret mounts and their
# modes, replicas, the state volume and the controllers' addresses.
# Usage: helm_test.sh [CONTROLLER AGENT CLI]   (binaries; default those of build/test)
set -euo pipefail
cd "$(dirname "$0")/../.."
source tests/deploy/lib.sh
mapfile -t BINARIES < <(binaries_or_default "$@")

HELM="$(scripts/fetch-helm)/helm/helm"
CHART=deploy/helm/microscale
CUSTOM=tests/deploy/values-custom.yaml
TLS_VALUES=tests/deploy/values-tls.yaml
HA_VALUES=$CHART/values-ha.yaml
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

# --- three controllers on etcd (values-ha.yaml) --------------------------------------------
ha=$work/ha.yaml
"$HELM" lint --strict "$CHART" -f "$HA_VALUES" >/dev/null || fail "helm lint with $HA_VALUES"
"$HELM" template microscale "$CHART" --namespace microscale -f "$HA_VALUES" >"$ha"
python tests/deploy/check_rendered.py "$ha" "$work/images.txt" "$work/help" ||
  fail "render with $HA_VALUES"
expect "kinds with etcd" "$(query "$ha" 'sorted(o["kind"] for o in objs)')" \
  "['DaemonSet', 'Service', 'Service', 'Service', 'StatefulSet']"
expect "three controllers, started together" \
  "$(query "$ha" '[kind("StatefulSet")[0]["spec"].get(k) for k in ("replicas", "podManagementPolicy")]')" \
  "[3, 'Parallel']"
expect "no PVC and no state volume with etcd" \
  "$(query "$ha" '("volumeClaimTemplates" in kind("StatefulSet")[0]["spec"], [v["name"] for v in kind("StatefulSet")[0]["spec"]["template"]["spec"]["volumes"]], [m["mountPath"] for m in container("StatefulSet", "controller")["volumeMounts"]])')" \
  "(False, ['tmp'], ['/tmp'])"
pods="microscale-controller-headless.microscale.svc:7400"
expect "controller flags on etcd" "$(query "$ha" '" ".join(container("StatefulSet", "controller")["args"])')" \
  "--grpc-addr=0.0.0.0:7400 --http-addr=0.0.0.0:7401 --store=etcd://etcd-0.etcd:2379,etcd-1.etcd:2379,etcd-2.etcd:2379 --advertise-addr=\$(POD_NAME).$pods --cluster-name=default --placement=spread --node-timeout=10s --startup-grace=10s --log-format=text --insecure"
expect "pod name from the downward API" \
  "$(query "$ha" 'container("StatefulSet", "controller")["env"]')" \
  "[{'name': 'POD_NAME', 'valueFrom': {'fieldRef': {'fieldPath': 'metadata.name'}}}]"
expect "probes: liveness on /healthz (a standby answers it), readiness on /readyz (a standby is not Ready)" \
  "$(query "$ha" '[(k, v["httpGet"]["path"]) for k, v in sorted(container("StatefulSet", "controller").items()) if k.endswith("Probe")]')" \
  "[('livenessProbe', '/healthz'), ('readinessProbe', '/readyz')]"
expect "agents are given every controller" \
  "$(query "$ha" '[a for a in container("DaemonSet", "agent")["args"] if a.startswith("--controller=")]')" \
  "['--controller=microscale-controller-0.$pods,microscale-controller-1.$pods,microscale-controller-2.$pods']"
expect "pod names resolve before Ready, the Service sends to Ready pods only" \
  "$(query "$ha" '[(o["metadata"]["name"], o["spec"].get("publishNotReadyAddresses")) for o in kind("Service") if "controller" in o["metadata"]["name"]]')" \
  "[('microscale-controller', None), ('microscale-controller-headless', True)]"
expect "anti-affinity of the controllers" \
  "$(query "$ha" 'kind("StatefulSet")[0]["spec"]["template"]["spec"]["affinity"]["podAntiAffinity"]["preferredDuringSchedulingIgnoredDuringExecution"][0]["podAffinityTerm"]["topologyKey"]')" \
  "kubernetes.io/hostname"

# With the custom and TLS values, a prefix, a lease and five replicas.
ha_tls=$work/ha-tls.yaml
"$HELM" template ms "$CHART" --namespace edge -f "$CUSTOM" -f "$TLS_VALUES" -f "$HA_VALUES" \
  --set store.etcd.prefix=/ms/edge/ --set store.etcd.leaderLease=3s --set controller.replicas=5 \
  >"$ha_tls"
python tests/deploy/check_rendered.py "$ha_tls" "$work/images.txt" "$work/help" \
  --registry registry.example.com/ || fail "render with $CUSTOM, $TLS_VALUES and $HA_VALUES"
expect "controller flags on etcd with TLS" \
  "$(query "$ha_tls" '" ".join(a for a in container("StatefulSet", "controller")["args"] if a.split("=")[0] in ("--store", "--etcd-prefix", "--leader-lease", "--advertise-addr", "--data-dir", "--tls-cert", "--insecure"))')" \
  "--store=etcd://etcd-0.etcd:2379,etcd-1.etcd:2379,etcd-2.etcd:2379 --etcd-prefix=/ms/edge/ --leader-lease=3s --advertise-addr=\$(POD_NAME).edge-controller-headless.edge.svc:17400 --tls-cert=/etc/microscale/tls/tls.crt"
edge_pods=$(for i in 0 1 2 3 4; do printf 'edge-controller-%s.edge-controller-headless.edge.svc:17400,' "$i"; done)
expect "the apply Job is given every controller" \
  "$(query "$ha_tls" '" ".join(container("Job", "apply")["args"][:2])')" \
  "--controller=${edge_pods%,} --tls-ca=/etc/microscale/tls/ca.crt"
expect "replicas" "$(query "$ha_tls" 'kind("StatefulSet")[0]["spec"]["replicas"]')" "5"

# More than one controller on SQLite is refused, naming the value that is missing.
if out=$("$HELM" template microscale "$CHART" --set controller.replicas=3 2>&1); then
  fail "helm template --set controller.replicas=3 rendered without etcd"
fi
grep -q "needs store.etcd.endpoints" <<<"$out" || fail "helm template --set controller.replicas=3: $out"
# check_rendered.py catches an agent given a controller the StatefulSet does not have.
sed 's/microscale-controller-2\./microscale-controller-3./' "$ha" >"$work/ha-broken.yaml"
if out=$(python tests/deploy/check_rendered.py "$work/ha-broken.yaml" "$work/images.txt" \
  "$work/help" 2>&1); then
  fail "check_rendered.py accepted an agent given microscale-controller-3"
fi
grep -q "microscale-controller-3.* does not reach a controller" <<<"$out" ||
  fail "check_rendered.py on a wrong controller list: $out"

# --- no RBAC, by design -----------------------------------------------------------------
for file in "$default" "$custom" "$tls" "$ha" "$ha_tls"; do
  expect "RBAC objects" \
    "$(query "$file" '[o["kind"] for o in objs if o["kind"] in ("ServiceAccount", "Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding")]')" \
    "[]"
  expect "service account tokens" \
    "$(query "$file" 'sorted({o["spec"]["template"]["spec"].get("automountServiceAccountToken") for o in objs if "template" in o.get("spec", {})})')" \
    "[False]"
done
echo "PASS: helm lint and template (default, custom, TLS and HA values)" >&2
