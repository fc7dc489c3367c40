#!/usr/bin/env bash
# The streaming replica: on first start its data directory is a base backup
# of the primary (pg_basebackup -R writes standby.signal and the
# primary_conninfo), with a replication slot so that the primary keeps the
# WAL the replica has not received yet. Then it runs as a hot standby; after
# a promotion (pg_ctl promote, see README "District deployment") it is the
# primary and this script only starts it.
set -euo pipefail
until pg_isready -h postgres-primary -p 5432 -q; do sleep 1; done
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  PGPASSWORD="$REPLICATION_PASSWORD" pg_basebackup -h postgres-primary -p 5432 -U replicator \
    -D "$PGDATA" -R -X stream -C -S replica1 --checkpoint=fast
  chmod 700 "$PGDATA"
fi
exec postgres -c hot_standby=on -c hot_standby_feedback=on
