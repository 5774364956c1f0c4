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
mkdir -p "$work/variant-nfd" "$work/variant-lp" "$work/variant-tls"
rel=$(realpath --relative-to="$work/variant-nfd" "$src/daemonset")
for v in nfd least-privilege tls; do
	d=$work/variant-nfd
	[ "$v" = least-privilege ] && d=$work/variant-lp
	[ "$v" = tls ] && d=$work/variant-tls
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
kubectl kustomize "$src/daemonset/npd" >"$work/npd.yaml"
echo "rendered: $(grep -c '^kind:' "$work/base.yaml") objects (base)"

exec node "$here/validate-manifests.mjs" "$work/base.yaml" "$work/nfd.yaml" \
	"$work/least-privilege.yaml" "$work/npd.yaml" "$src/daemonset/npd/ssd-monitor-plugin-monitor.json" \
	"$work/tls.yaml"
