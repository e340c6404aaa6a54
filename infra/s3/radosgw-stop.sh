#!/usr/bin/env bash
# Stops the daemons radosgw-start.sh started under DIR, by the pids in their pid files (never by name).
D=$1
for f in "$D"/run/*.pid; do
  [ -f "$f" ] || continue
  pid=$(cat "$f")
  [[ "$pid" =~ ^[0-9]+$ ]] && kill -9 "$pid" 2>/dev/null || true
done
exit 0
