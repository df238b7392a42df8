#!/usr/bin/env bash
# Runs a command with a throwaway PostgreSQL server on a free loopback port, exported as
# DOKU_TEST_POSTGRES_URL (an admin URL; tests create their own databases). The server
# and its files are removed when the command ends, however it ends.
#   scripts/with-postgres.sh cargo test --workspace
set -euo pipefail

pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[ -x "$pg_bin/pg_ctl" ] || { echo "with-postgres: PostgreSQL is not installed (run scripts/setup.sh)" >&2; exit 1; }

dir=$(mktemp -d /tmp/doku-pg.XXXXXX)
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

# PostgreSQL refuses to run as root: run it as the postgres user then.
as_pg=()
if [ "$(id -u)" -eq 0 ]; then
    chown postgres "$dir"
    as_pg=(runuser -u postgres --)
fi

stop() {
    "${as_pg[@]}" "$pg_bin/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
    rm -rf "$dir"
}
trap stop EXIT

"${as_pg[@]}" "$pg_bin/initdb" -D "$dir/data" -U doku --auth=trust -E UTF8 >/dev/null
"${as_pg[@]}" "$pg_bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w \
    -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c max_connections=300" start >/dev/null
echo "with-postgres: PostgreSQL $("$pg_bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$port"

export DOKU_TEST_POSTGRES_URL="postgres://doku@127.0.0.1:$port/postgres"
"$@"
