#!/usr/bin/env bash
# Starts a throwaway real S3: one Ceph monitor, one in-memory (memstore) OSD and radosgw on 127.0.0.1, all under DIR,
# with one S3 user. The daemons write pid files to DIR/run/*.pid; stop them with radosgw-stop.sh DIR (kill by those pids).
# Usage: radosgw-start.sh DIR MON_PORT RGW_PORT ACCESS_KEY SECRET_KEY   (Ceph 16 from apt: radosgw ceph-mon ceph-osd ceph-common)
# The daemons live no longer than the process that started this script (RADOSGW_OWNER_PID, default: the parent, e.g. a
# test host): a detached watcher stops them when it exits, even when it is killed or its exit handler is cut short.
set -euo pipefail
trap 'echo "radosgw-start: failed at line $LINENO ($BASH_COMMAND, exit $?); logs in $D" >&2' ERR
D=$1; MONPORT=$2; RGWPORT=$3; ACCESS=$4; SECRET=$5
command -v radosgw >/dev/null || { echo "radosgw is not installed; run infra/setup/setup.sh (apt: radosgw ceph-mon ceph-osd ceph-common)" >&2; exit 2; }
mkdir -p "$D/mon-a" "$D/osd-0" "$D/run" "$D/rgw"
OWNER=${RADOSGW_OWNER_PID:-$PPID}
# `tail --pid` returns when the owner exits; the watcher holds none of this script's pipes (the caller reads them to EOF).
setsid bash -c 'tail --pid="$1" -f /dev/null; exec bash "$2" "$3"' watcher "$OWNER" "$(dirname "$0")/radosgw-stop.sh" "$D" \
  </dev/null >/dev/null 2>&1 &
FSID=$(cat /proc/sys/kernel/random/uuid)
cat > "$D/ceph.conf" <<CONF
[global]
fsid = $FSID
mon host = v1:127.0.0.1:$MONPORT
mon initial members = a
auth cluster required = none
auth service required = none
auth client required = none
osd pool default size = 1
osd pool default min size = 1
mon allow pool size one = true
mon allow pool delete = true
osd objectstore = memstore
memstore device bytes = 1073741824
osd pool default pg num = 8
osd pool default pgp num = 8
mon max pg per osd = 1000
run dir = $D/run
log file = $D/\$name.log
pid file = $D/run/\$name.pid
admin socket = $D/run/\$name.asok
keyring = $D/keyring
ms bind ipv4 = true
ms bind ipv6 = false
mon data = $D/mon-\$id
osd data = $D/osd-\$id
osd max object name len = 256
osd max object namespace len = 64
[client.rgw.a]
rgw frontends = beast endpoint=127.0.0.1:$RGWPORT
rgw data = $D/rgw
rgw dns name = 127.0.0.1
CONF
C=(-c "$D/ceph.conf")
# Each wait below polls for a condition (the daemon answers), bounded; the pause between polls is not synchronisation.
wait_for() { local what=$1; shift; for _ in $(seq 1 120); do "$@" >/dev/null 2>&1 && return 0; sleep 0.5; done; echo "radosgw-start: $what did not come up; see $D/*.log" >&2; exit 1; }
# Under load Ceph 16's clients sometimes send a command before they hold the monitor map ("handle_command on fsid
# 00000000-… != …", then EPERM or an OSD exiting with 250): those steps are retried, bounded.
retry() { for _ in $(seq 1 10); do "$@" && return 0; sleep 1; done; "$@"; }
ceph-authtool --create-keyring "$D/keyring" --gen-key -n mon. --cap mon 'allow *' >/dev/null
ceph-authtool "$D/keyring" --gen-key -n client.admin --cap mon 'allow *' --cap osd 'allow *' --cap mgr 'allow *' >/dev/null
monmaptool --create --add a "v1:127.0.0.1:$MONPORT" --fsid "$FSID" "$D/monmap" >/dev/null
ceph-mon "${C[@]}" --mkfs -i a --monmap "$D/monmap" --keyring "$D/keyring"
ceph-mon "${C[@]}" -i a
wait_for "the monitor" ceph "${C[@]}" -s --connect-timeout 2
ceph-osd "${C[@]}" -i 0 --mkfs >/dev/null 2>&1
retry ceph "${C[@]}" osd new "$(cat "$D/osd-0/fsid")" 0 >/dev/null
retry ceph-osd "${C[@]}" -i 0 >/dev/null 2>&1
wait_for "the OSD" bash -c "ceph -c '$D/ceph.conf' osd stat 2>/dev/null | grep -q '1 up'"
radosgw "${C[@]}" -n client.rgw.a
wait_for "radosgw" curl -sf -o /dev/null "http://127.0.0.1:$RGWPORT/"
retry radosgw-admin "${C[@]}" user create --uid=pipeline --display-name=pipeline --access-key="$ACCESS" --secret-key="$SECRET" >/dev/null
echo "radosgw listening on http://127.0.0.1:$RGWPORT"
