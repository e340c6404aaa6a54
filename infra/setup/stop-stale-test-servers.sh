#!/usr/bin/env bash
# Stops PostgreSQL servers that killed test runs left behind under /tmp/pipeline-tests, then clears the folder.
root="${TMPDIR:-/tmp}/pipeline-tests"
[ -d "$root" ] || exit 0
for pid in "$root"/*/postmaster.pid; do
  [ -f "$pid" ] || continue
  dir=$(dirname "$pid")
  bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | tail -1)
  runuser -u postgres -- "$bin/pg_ctl" -D "$dir" -m immediate stop >/dev/null 2>&1 || kill -9 "$(head -1 "$pid")" 2>/dev/null || true
done
rm -rf "$root"
