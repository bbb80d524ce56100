#!/usr/bin/env bash
# `npm run test:node-matrix`: the packed Flux on other Node versions (default 22 and 24), each
# from the registry's `node` package. For each: npm pack, `npm install -g` of the tarball into a
# clean prefix (better-sqlite3 is compiled for that Node, against the headers the `node` package
# ships), then `flux --version`, `flux doctor` and `flux demo`. Not part of .ci/run: each Node
# rebuilds the SQLite binding (minutes). Usage: scripts/node-matrix.sh [major ...]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$PWD
VERSIONS=("$@")
[ ${#VERSIONS[@]} -eq 0 ] && VERSIONS=(22 24)
WORK=$(mktemp -d "${TMPDIR:-/tmp}/flux-node-matrix.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

TARBALL=$(npm pack --silent --pack-destination "$WORK" "$ROOT" | tail -1)
echo "packed $TARBALL"
status=0
for major in "${VERSIONS[@]}"; do
  dir="$WORK/node$major"
  start=$SECONDS
  echo "== Node $major"
  npm install --silent --prefix "$dir/runtime" --no-audit --no-fund "node@$major" >"$dir.log" 2>&1 || {
    echo "cannot install node@$major (see $dir.log)"; cat "$dir.log"; status=1; continue; }
  bin=$(cd "$dir/runtime/node_modules/node/bin" && pwd)
  # The platform package holds the headers node-gyp compiles the SQLite binding against.
  headers=$(dirname "$(find "$dir/runtime/node_modules" -maxdepth 4 -type d -name include | head -1)")
  echo "node $("$bin/node" --version) (headers: $headers)"
  (
    export PATH="$bin:$PATH" npm_config_nodedir="$headers" HOME="$dir/home" npm_config_cache="$(npm config get cache)"
    mkdir -p "$HOME"
    # A fresh HOME has no git identity, and the demo's merge commits need one.
    export GIT_AUTHOR_NAME="Flux matrix" GIT_AUTHOR_EMAIL="matrix@flux.invalid"
    export GIT_COMMITTER_NAME="Flux matrix" GIT_COMMITTER_EMAIL="matrix@flux.invalid"
    npm install -g --prefix "$dir/prefix" --no-audit --no-fund --prefer-offline "$WORK/$TARBALL" >>"$dir.log" 2>&1
    echo "installed in $((SECONDS - start)) s"
    flux="$dir/prefix/bin/flux"
    "$flux" --version
    "$flux" doctor || echo "(doctor found problems; see above)"
    node -e 'require(process.argv[1])(":memory:").close(); console.log("better-sqlite3 loads on", process.version)' \
      "$dir/prefix/lib/node_modules/$(node -p 'require(process.argv[1]).name' "$ROOT/package.json")/node_modules/better-sqlite3"
    # The demo runs Claude Code, which the package does not bring: use this checkout's.
    PATH="$ROOT/node_modules/.bin:$PATH" "$flux" demo --dir "$dir/demo"
  ) || { echo "Node $major: FAILED"; tail -30 "$dir.log"; status=1; }
  echo "Node $major took $((SECONDS - start)) s"
done
exit $status
