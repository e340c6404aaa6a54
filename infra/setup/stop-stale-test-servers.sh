#!/usr/bin/env bash
# Stops PostgreSQL servers and radosgw daemons that killed test runs left behind under /tmp/pipeline-tests and removes the
# folders of test processes that are gone (folder names carry the test process id: NAME-PID-...).
root="${TMPDIR:-/tmp}/pipeline-tests"
[ -d "$root" ] || exit 0
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | tail -1)
for dir in "$root"/*/; do
  dir=${dir%/}
  owner=$(basename "$dir" | cut -d- -f2)
  [[ "$owner" =~ ^[0-9]+$ ]] && kill -0 "$owner" 2>/dev/null && continue
  if [ -f "$dir/postmaster.pid" ]; then
    runuser -u postgres -- "$bin/pg_ctl" -D "$dir" -m immediate stop >/dev/null 2>&1 || kill -9 "$(head -1 "$dir/postmaster.pid")" 2>/dev/null || true
  fi
  # Ceph daemons of a test radosgw (TestS3): stopped by the pids in their pid files.
  for pidfile in "$dir"/run/*.pid; do
    [ -f "$pidfile" ] && kill -9 "$(cat "$pidfile")" 2>/dev/null || true
  done
  rm -rf "$dir"
done
exit 0
