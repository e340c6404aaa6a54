#!/usr/bin/env bash
# Builds the dashboard's front-end dependency into static files (no CDN at run time): lightweight-charts from npm,
# its standalone production bundle copied into the pipeline cache, where Pipeline.Api.csproj embeds it. Idempotent.
set -euo pipefail
cache="${PIPELINE_CACHE:-$HOME/.cache/pipeline}"
version=5.2.1
out="$cache/lightweight-charts-$version/lightweight-charts.standalone.production.js"
[ -f "$out" ] && exit 0
echo "setup: building dashboard assets (lightweight-charts $version from npm)" >&2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack -q "lightweight-charts@$version" >/dev/null 2>&1 && tar xzf "lightweight-charts-$version.tgz")
mkdir -p "$(dirname "$out")"
cp "$work/package/dist/lightweight-charts.standalone.production.js" "$out.tmp"
cp "$work/package/LICENSE" "$(dirname "$out")/LICENSE"
mv "$out.tmp" "$out"
