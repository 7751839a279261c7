#!/usr/bin/env bash
# CI: a real PostgreSQL streaming replica of the machine's cluster on port 5433 (pg_basebackup of
# the primary on 127.0.0.1:5432), for tests/core/test_db_router.py. Prints the replica's URL.
# Needs root (it edits the primary's pg_hba.conf to allow replication from loopback, as the
# primary already trusts loopback) and the PostgreSQL server binaries.
set -euo pipefail
port="${REPLICA_PORT:-5433}"
version="$(ls /etc/postgresql | sort -V | tail -n1)"
bin="/usr/lib/postgresql/${version}/bin"
hba="/etc/postgresql/${version}/main/pg_hba.conf"
dir="/var/lib/postgresql/${version}/ci_replica"
url="postgres://postgres@127.0.0.1:${port}/postgres"

if pg_isready -q -h 127.0.0.1 -p "$port" \
  && [ "$(psql -h 127.0.0.1 -p "$port" -U postgres -tAc 'SELECT pg_is_in_recovery()')" = "t" ]; then
  echo "$url"
  exit 0
fi
if ! grep -qE '^host\s+replication\s+all\s+127\.0\.0\.1/32' "$hba"; then
  echo "host replication all 127.0.0.1/32 trust" >>"$hba"
  psql -h 127.0.0.1 -U postgres -tAc "SELECT pg_reload_conf()" >/dev/null
fi
runuser -u postgres -- "$bin/pg_ctl" -D "$dir" stop -m immediate >/dev/null 2>&1 || true
rm -rf "$dir"
install -d -o postgres -g postgres -m 700 "$dir"
runuser -u postgres -- "$bin/pg_basebackup" -h 127.0.0.1 -p 5432 -U postgres -D "$dir" -R -X stream -c fast >&2
cat >>"$dir/postgresql.conf" <<CONF
port = ${port}
listen_addresses = '127.0.0.1'
unix_socket_directories = '/var/run/postgresql'
hot_standby = on
max_connections = 100
CONF
cat >"$dir/pg_hba.conf" <<HBA
local all all trust
host all all 127.0.0.1/32 trust
HBA
chown postgres:postgres "$dir/postgresql.conf" "$dir/pg_hba.conf"
runuser -u postgres -- "$bin/pg_ctl" -D "$dir" -l "$dir/replica.log" -w start >&2
for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p "$port" && break; sleep 1; done
echo "$url"
