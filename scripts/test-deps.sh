#!/usr/bin/env bash
# Makes sure the services the test suite talks to are installed and running
# (PostgreSQL, Redis, Chromium for the browser tests, zbarimg to read QR
# codes back, HAProxy for the district proxy test, SeaweedFS for the photo
# bucket tests), then prints the
# admin URL of the PostgreSQL server the tests create their databases on.
# Progress goes to stderr; only the URL goes to stdout. Installing needs
# root (apt-get); without it, missing pieces are reported and the tests that
# need them skip (or fail under CI=true).
set -euo pipefail

log() { echo "test-deps: $*" >&2; }
as_root() { [ "$(id -u)" = 0 ]; }

missing=()
command -v pg_ctlcluster >/dev/null 2>&1 || command -v pg_ctl >/dev/null 2>&1 || missing+=(postgresql)
# redis-server also runs the tests' Sentinels (redis-server --sentinel, which
# is all the redis-sentinel package adds); redis-cli (redis-tools, pulled in
# by redis-server) forms their Redis Clusters.
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
command -v redis-cli >/dev/null 2>&1 || missing+=(redis-tools)
command -v chromium >/dev/null 2>&1 || missing+=(chromium fonts-dejavu-core)
command -v zbarimg >/dev/null 2>&1 || missing+=(zbar-tools) # reads the QR codes back
command -v haproxy >/dev/null 2>&1 || missing+=(haproxy)       # deploy/district's proxy, run by a test
if [ ${#missing[@]} -gt 0 ]; then
  if as_root && command -v apt-get >/dev/null 2>&1; then
    log "installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get -o DPkg::Lock::Timeout=600 update -qq >&2
    apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${missing[@]}" >&2
  else
    log "missing ${missing[*]} (run as root to install them)"
  fi
fi

# SeaweedFS's weed, the S3-compatible server the photo bucket tests start
# (testenv.S3). Its module has replace directives, so `go install
# pkg@version` refuses it: it is built inside the downloaded module, once
# (a few minutes), into GOPATH/bin.
SEAWEEDFS_VERSION=v0.0.0-20261109003541-7506e5f91cd6
if command -v go >/dev/null 2>&1; then
  gobin="$(go env GOPATH)/bin"
  if ! command -v weed >/dev/null 2>&1 && [ ! -x "$gobin/weed" ]; then
    log "building SeaweedFS weed $SEAWEEDFS_VERSION into $gobin"
    dir=$(cd / && GOFLAGS= go mod download -json "github.com/seaweedfs/seaweedfs@$SEAWEEDFS_VERSION" |
      sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
    mkdir -p "$gobin"
    (cd "$dir" && GOFLAGS= go build -o "$gobin/weed" ./weed) >&2 || log "building weed failed"
  fi
fi

# PostgreSQL on 127.0.0.1:5432.
if ! (command -v pg_isready >/dev/null && pg_isready -h 127.0.0.1 -p 5432 -q); then
  if command -v pg_ctlcluster >/dev/null 2>&1 && as_root; then
    version=$(ls /etc/postgresql 2>/dev/null | sort -V | tail -n 1)
    if [ -n "$version" ]; then
      log "starting PostgreSQL $version"
      pg_ctlcluster --skip-systemctl-redirect "$version" main start >&2 || true
    fi
  fi
  for _ in $(seq 1 50); do
    pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null && break
    sleep 0.2
  done
fi

# Redis on 127.0.0.1:6379 (the tests also start redis-servers of their own).
if command -v redis-server >/dev/null 2>&1 && ! (redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null | grep -q PONG); then
  log "starting Redis"
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no >&2 || true
fi

# The URL the tests use: the one given, else local trust auth as root,
# else a password role made for the tests (a fresh Debian install allows
# only password logins over TCP).
if [ -n "${ANTRIAN_TEST_DATABASE_URL:-}" ]; then
  echo "$ANTRIAN_TEST_DATABASE_URL"
  exit 0
fi
url="postgres://$(id -un)@127.0.0.1:5432/postgres?sslmode=disable"
if command -v psql >/dev/null && psql "$url" -Atqc 'SELECT 1' >/dev/null 2>&1; then
  echo "$url"
  exit 0
fi
if as_root && command -v psql >/dev/null; then
  su postgres -c "psql -qc \"DO \\\$\\\$ BEGIN CREATE ROLE antrian_test LOGIN SUPERUSER PASSWORD 'antrian_test'; EXCEPTION WHEN duplicate_object THEN NULL; END \\\$\\\$\"" >&2 || true
fi
echo "postgres://antrian_test:antrian_test@127.0.0.1:5432/postgres?sslmode=disable"
