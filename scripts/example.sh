#!/usr/bin/env bash
# The main job until the engine lands: the bundled example plan, initialised in a fresh
# repository, then `flux status` and `flux graph show`. Usage: npm run example [-- <dir>]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
flux=(node "$here/bin/flux.js")
dir="${1:-$(mktemp -d "${TMPDIR:-/tmp}/flux-example-XXXXXX")}"
mkdir -p "$dir/doc/plans"
cd "$dir"
if [ ! -d .git ]; then
  git init -q -b main
  git -c user.name=flux -c user.email=flux@example.invalid commit -q --allow-empty -m "Empty project"
fi
cp "$here/examples/PLAN-example.md" doc/plans/PLAN-example.md
echo "\$ flux init doc/plans/PLAN-example.md"
"${flux[@]}" init doc/plans/PLAN-example.md
echo
echo "\$ flux status"
"${flux[@]}" status
echo
echo "\$ flux graph show"
"${flux[@]}" graph show
echo
echo "The example repository is $dir (its state is in .work/)."
