#!/bin/sh
# Suite 'deploy': render the Kubernetes manifests with kustomize (base; the NFD,
# least-privilege and TLS variants; the NPD ConfigMap) and validate them offline
# with validate-manifests.mjs. Installs the pinned npm packages (package-lock.json)
# on first use.
set -eu
src=${SM_SOURCE_ROOT:?}
here=$src/test/deploy
work=${SM_BUILD_ROOT:-/tmp}/deploy-manifests
command -v node >/dev/null 2>&1 || { echo "node not installed"; exit 77; }
command -v npm >/dev/null 2>&1 || { echo "npm not installed"; exit 77; }
command -v kubectl >/dev/null 2>&1 || { echo "kubectl (kustomize) not installed"; exit 77; }

# npm ci when node_modules is missing or older than the lock file.
if [ ! -d "$here/node_modules" ] || [ "$here/package-lock.json" -nt "$here/node_modules/.package-lock.json" ]; then
	(cd "$here" && npm ci --no-audit --no-fund --loglevel=error)
fi

rm -rf "$work"
mkdir -p "$work/variant-nfd" "$work/variant-lp" "$work/variant-tls" "$work/variant-dash"
rel=$(realpath --relative-to="$work/variant-nfd" "$src/daemonset")
for v in nfd least-privilege tls dashboards; do
	d=$work/variant-nfd
	[ "$v" = least-privilege ] && d=$work/variant-lp
	[ "$v" = tls ] && d=$work/variant-tls
	[ "$v" = dashboards ] && d=$work/variant-dash
	cat >"$d/kustomization.yaml" <<EOK
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
  - $rel
components:
  - $rel/$v
EOK
done

kubectl kustomize "$src/daemonset" >"$work/base.yaml"
kubectl kustomize "$work/variant-nfd" >"$work/nfd.yaml"
kubectl kustomize "$work/variant-lp" >"$work/least-privilege.yaml"
kubectl kustomize "$work/variant-tls" >"$work/tls.yaml"
kubectl kustomize "$work/variant-dash" >"$work/dashboards.yaml"
kubectl kustomize "$src/daemonset/npd" >"$work/npd.yaml"
# The dashboard ConfigMap: the sidecar label, no name hash, the namespace, and
# the committed JSON byte for byte.
python3 - "$work/dashboards.yaml" "$src/daemonset/dashboards/ssd-monitor.json" <<'EOP'
import json, sys, yaml
docs = [d for d in yaml.safe_load_all(open(sys.argv[1])) if d]
cms = [d for d in docs if d["kind"] == "ConfigMap" and d["metadata"]["name"] == "ssd-monitor-dashboard"]
assert len(cms) == 1, "dashboard ConfigMap missing: %s" % [d["metadata"]["name"] for d in docs]
cm = cms[0]
assert cm["metadata"]["labels"].get("grafana_dashboard") == "1", cm["metadata"]["labels"]
assert cm["metadata"]["namespace"] == "ssd-monitor", cm["metadata"]
assert cm["data"]["ssd-monitor.json"] == open(sys.argv[2]).read(), "ConfigMap data differs from ssd-monitor.json"
json.loads(cm["data"]["ssd-monitor.json"])
print("dashboard ConfigMap: ok (%d objects in the dashboards variant)" % len(docs))
EOP
echo "rendered: $(grep -c '^kind:' "$work/base.yaml") objects (base)"

exec node "$here/validate-manifests.mjs" "$work/base.yaml" "$work/nfd.yaml" \
	"$work/least-privilege.yaml" "$work/npd.yaml" "$src/daemonset/npd/ssd-monitor-plugin-monitor.json" \
	"$work/tls.yaml" "$work/dashboards.yaml"
