#!/usr/bin/env bash
# Build faiss-node's native addon against the system faiss library (Debian's libfaiss-dev, faiss 1.7.3).
#
# faiss-node's own install script downloads a prebuilt binary, or clones faiss from GitHub and builds
# it with cmake. Neither works on an offline or air-gapped network, so package.json skips that script
# ("allowScripts") and this one compiles the addon's single source file instead. It takes seconds.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
package_dir="$root/node_modules/faiss-node"
output="$package_dir/build/Release/faiss-node.node"

if [ ! -f "$package_dir/src/faiss.cc" ]; then
  echo "build-faiss: $package_dir/src/faiss.cc is missing; run 'npm ci' first" >&2
  exit 1
fi
if [ ! -f /usr/include/faiss/IndexFlat.h ]; then
  echo "build-faiss: faiss headers are missing; install them with: apt-get install -y libfaiss-dev liblapack-dev libblas-dev" >&2
  exit 1
fi
if [ -f "$output" ] && [ "$output" -nt "$package_dir/src/faiss.cc" ] && [ "$output" -nt "$0" ] &&
  [ "$output" -nt "$root/scripts/patch-faiss-node.mjs" ] && [ "$output" -nt "$root/scripts/faiss-vector-distances.cc" ]; then
  echo "build-faiss: $output is up to date"
  exit 0
fi

# Node's headers: next to the running node binary, or wherever npm's nodedir points.
node_prefix=$(dirname "$(dirname "$(command -v node)")")
node_include="$node_prefix/include/node"
if [ ! -f "$node_include/node_api.h" ]; then
  node_include="$(npm config get nodedir)/include/node"
fi
addon_api_include=$(node -p "require('node-addon-api').include_dir" 2>/dev/null || true)
addon_api_include=${addon_api_include//\"/}
if [ -z "$addon_api_include" ] || [ ! -f "$addon_api_include/napi.h" ]; then
  addon_api_include="$root/node_modules/node-addon-api"
fi

# faiss 1.7.3 declares idx_t only as faiss::Index::idx_t; faiss-node expects faiss::idx_t (faiss >= 1.7.4).
shim=$(mktemp --suffix=.h)
trap 'rm -f "$shim"' EXIT
printf '#include <cstdint>\nnamespace faiss { typedef int64_t idx_t; }\n' > "$shim"

# Index.add() and Index.train() of this build also accept a Float32Array (scripts/patch-faiss-node.mjs).
patched_source=$(mktemp --suffix=.cc)
trap 'rm -f "$shim" "$patched_source"' EXIT
node "$root/scripts/patch-faiss-node.mjs" "$package_dir/src/faiss.cc" "$patched_source"

# Debian's libfaiss.a computes distances with scalar loops, and scripts/faiss-vector-distances.cc
# defines vectorised ones. Its object comes first and --allow-multiple-definition keeps the first
# definition of a symbol, so faiss's own code calls the vectorised functions.
mkdir -p "$(dirname "$output")"
g++ -std=c++17 -O2 -fPIC -shared -fopenmp \
  -DNAPI_VERSION=8 -DNAPI_DISABLE_CPP_EXCEPTIONS -DNODE_ADDON_API_DISABLE_DEPRECATED \
  -include "$shim" \
  -I"$node_include" -I"$addon_api_include" -I"$package_dir/src" \
  "$root/scripts/faiss-vector-distances.cc" "$patched_source" \
  -o "$output" \
  -Wl,--allow-multiple-definition \
  -lfaiss -llapack -lblas -fopenmp

echo "build-faiss: built $output"
