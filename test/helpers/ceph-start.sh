#!/bin/bash
# A throwaway single-node Ceph 16 (Debian's packages): 1 monitor, 1 memstore OSD, 1 radosgw (beast),
# as plain processes on loopback with every file under DIR (no systemd, no block device). Modelled on
# ../shared/scaleout/ceph/start-ceph.sh. test/helpers/ceph.ts runs it and stops exactly the PIDs it
# finds in DIR/run/*.pid.
# Usage: ceph-start.sh DIR RGW_PORT MON_PORT   Last line: RGW=http://127.0.0.1:PORT AK=... SK=...
set -euo pipefail
D=$1; RGW_PORT=$2; MON_PORT=$3
mkdir -p "$D/run" "$D/log" "$D/mon.a" "$D/osd.0" "$D/rgw"
FSID=$(cat /proc/sys/kernel/random/uuid)
# Readiness polls (n tries, 0.2 s apart): waiting for a daemon to come up; a step that failed is never run again.
waitfor(){ local n=$1; shift; for ((i=0;i<n;i++)); do "$@" && return 0; sleep 0.2; done; echo "timeout waiting for: $*" >&2; return 1; }
cat > "$D/ceph.conf" <<CONF
[global]
fsid = $FSID
mon host = v2:127.0.0.1:$MON_PORT
public network = 127.0.0.1/32
cluster network = 127.0.0.1/32
ms bind msgr1 = false
ms bind ipv6 = false
keyring = $D/keyring
run dir = $D/run
admin socket = $D/run/\$name.asok
pid file = $D/run/\$name.pid
log file = $D/log/\$name.log
log to stderr = false
err to stderr = true
auth cluster required = cephx
auth service required = cephx
auth client required = cephx
osd pool default size = 1
osd pool default min size = 1
mon allow pool size one = true
osd pool default pg num = 8
osd pool default pgp num = 8
osd pool default pg autoscale mode = off
mon max pg per osd = 1000
osd crush chooseleaf type = 0
mon warn on pool no redundancy = false
mon warn on insecure global id reclaim allowed = false
auth allow insecure global id reclaim = false
mon data avail warn = 1
mon data avail crit = 0
paxos propose interval = 0.05
paxos min wait = 0.01
[mon]
mon data = $D/mon.\$id
mon cluster log file = $D/log/cluster.log
[osd]
osd data = $D/osd.\$id
keyring = $D/osd.\$id/keyring
osd objectstore = memstore
memstore device bytes = ${MEMSTORE_BYTES:-4294967296}
osd max object size = 134217728
[client.rgw.a]
rgw frontends = beast endpoint=127.0.0.1:$RGW_PORT tcp_nodelay=1
rgw data = $D/rgw
rgw thread pool size = 64
rgw enable usage log = false
rgw dynamic resharding = false
rgw gc obj min wait = 10
rgw gc processor period = 10
CONF
C="-c $D/ceph.conf"
ceph-authtool $C --create-keyring "$D/keyring" --gen-key -n mon. --cap mon 'allow *' >/dev/null
ceph-authtool $C "$D/keyring" --gen-key -n client.admin --cap mon 'allow *' --cap osd 'allow *' --cap mgr 'allow *' --cap mds 'allow *' >/dev/null
ceph-authtool $C "$D/keyring" --gen-key -n client.rgw.a --cap mon 'allow rw' --cap osd 'allow rwx' --cap mgr 'allow rw' >/dev/null
monmaptool --create --fsid "$FSID" --addv a "[v2:127.0.0.1:$MON_PORT]" "$D/monmap" >/dev/null
ceph-mon $C --mkfs -i a --monmap "$D/monmap" --keyring "$D/keyring"
ceph-mon $C -i a
ceph $C --connect-timeout 30 mon stat >/dev/null
OSD_UUID=$(cat /proc/sys/kernel/random/uuid); OSD_KEY=$(ceph-authtool --gen-print-key)
echo "{\"cephx_secret\": \"$OSD_KEY\"}" > "$D/osd.0/new.json"
OSD_ID=$(ceph $C osd new "$OSD_UUID" -i "$D/osd.0/new.json")
printf "[osd.$OSD_ID]\n\tkey = $OSD_KEY\n" > "$D/osd.$OSD_ID/keyring"
ceph-osd $C -i "$OSD_ID" --mkfs --key "$OSD_KEY" --osd-uuid "$OSD_UUID" 2>>"$D/log/osd-mkfs.err"
ceph-osd $C -i "$OSD_ID" 2>>"$D/log/osd-start.err"
osd_up(){ ceph $C osd stat -f json | grep -q '"num_up_osds":1'; }
waitfor 300 osd_up
radosgw $C -n client.rgw.a
waitfor 300 curl -s -o /dev/null "http://127.0.0.1:$RGW_PORT/"
AK=$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n'); SK=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')
radosgw-admin $C user create --uid=test --display-name=test --access-key="$AK" --secret-key="$SK" >/dev/null
echo "RGW=http://127.0.0.1:$RGW_PORT AK=$AK SK=$SK"
