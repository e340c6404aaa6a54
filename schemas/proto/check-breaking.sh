#!/usr/bin/env bash
# buf breaking: the .proto files here against those of a git revision (default: the previous commit, HEAD~1; when the
# files have uncommitted changes, against HEAD). A field renumbered, retyped or removed without `reserved` fails, so an
# incompatible contract change fails `make lint` / `make test` before any registry would refuse it at run time.
# Usage: schemas/proto/check-breaking.sh [REVISION]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
buf="${PIPELINE_CACHE:-$HOME/.cache/pipeline}/buf/node_modules/.bin/buf"
cd "$here"
root=$(git rev-parse --show-toplevel)
prefix=$(git rev-parse --show-prefix)
if [ $# -gt 0 ]; then against="$1"
elif [ -n "$(git status --porcelain -- .)" ]; then against=HEAD
else against=HEAD~1
fi
if ! git rev-parse -q --verify "$against^{commit}" >/dev/null; then
  echo "proto breaking check: no revision $against to compare with (a first commit or a shallow clone); skipped" >&2
  exit 0
fi
base=$(mktemp -d)
trap 'rm -rf "$base"' EXIT
(cd "$root" && git archive "$against" -- "$prefix") | tar -x -C "$base"
if [ ! -d "$base/$prefix" ]; then echo "proto breaking check: $against has no $prefix; skipped" >&2; exit 0; fi
"$buf" breaking --against "$base/$prefix"
echo "proto breaking check: schemas/proto is compatible with $against" >&2
