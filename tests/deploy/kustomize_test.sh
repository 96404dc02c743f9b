#!/usr/bin/env bash
# Checks the plain manifests deploy/kubernetes: `kubectl kustomize` renders them, the render
# passes check_rendered.py (images scripts/build-images builds, flags and ports in the
# binaries' --help), and it holds the same resources as the Helm chart rendered with the
# demo apps (compare_renders.py), so the two ways to deploy cannot drift apart; the same for
# the mutual-TLS overlay deploy/kubernetes-tls against the chart with tls values.
# Usage: kustomize_test.sh [CONTROLLER AGENT CLI]   (binaries; default those of build/test)
set -euo pipefail
cd "$(dirname "$0")/../.."
source tests/deploy/lib.sh
mapfile -t BINARIES < <(binaries_or_default "$@")

TOOLS=$(scripts/fetch-helm)
HELM=$TOOLS/helm/helm
KUBECTL=$(command -v kubectl || echo "$TOOLS/kubectl/kubectl")
DEMO=deploy/demo/microscaling-in-a-box.yaml
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
write_help_texts "$work/help" "${BINARIES[@]}"
scripts/build-images --list >"$work/images.txt"

"$KUBECTL" kustomize deploy/kubernetes >"$work/kustomized.yaml" || fail "kubectl kustomize"
python tests/deploy/check_rendered.py "$work/kustomized.yaml" "$work/images.txt" "$work/help" ||
  fail "kustomize render"
expect "namespace of every object" \
  "$(query "$work/kustomized.yaml" 'sorted({o["metadata"].get("namespace") for o in objs if o["kind"] != "Namespace"})')" \
  "['microscale']"

# The chart with the demo apps as values.apps renders what deploy/kubernetes holds.
python - "$DEMO" >"$work/demo-values.yaml" <<'PY'
import sys, yaml
apps = [d for d in yaml.safe_load_all(open(sys.argv[1])) if d]
print(yaml.safe_dump({"apps": [{"name": a["metadata"]["name"], "labels": a["metadata"].get("labels"),
                                "spec": a["spec"]} for a in apps]}))
PY
"$HELM" template microscale deploy/helm/microscale --namespace microscale \
  -f "$work/demo-values.yaml" >"$work/helm.yaml"
python tests/deploy/compare_renders.py "$work/kustomized.yaml" "$work/helm.yaml" "$DEMO" ||
  fail "deploy/kubernetes and the Helm chart differ"
expect "plaintext controller says --insecure" \
  "$(query "$work/kustomized.yaml" '"--insecure" in container("StatefulSet", "controller")["args"]')" "True"

# The TLS overlay: the same checks (Secret mounts behind every --tls-* file, TLS on every
# side), and equal to the chart with the overlay's Secret names as tls values.
"$KUBECTL" kustomize deploy/kubernetes-tls >"$work/kustomized-tls.yaml" ||
  fail "kubectl kustomize deploy/kubernetes-tls"
python tests/deploy/check_rendered.py "$work/kustomized-tls.yaml" "$work/images.txt" "$work/help" ||
  fail "kustomize render of deploy/kubernetes-tls"
expect "no --insecure with TLS" "$(grep -c -- '--insecure' "$work/kustomized-tls.yaml" || true)" "0"
"$HELM" template microscale deploy/helm/microscale --namespace microscale \
  -f "$work/demo-values.yaml" --set tls.secretName=microscale-controller-tls \
  --set tls.agentSecretName=microscale-agent-tls >"$work/helm-tls.yaml"
python tests/deploy/compare_renders.py "$work/kustomized-tls.yaml" "$work/helm-tls.yaml" "$DEMO" ||
  fail "deploy/kubernetes-tls and the Helm chart with TLS differ"
echo "PASS: kubectl kustomize deploy/kubernetes and deploy/kubernetes-tls" >&2
