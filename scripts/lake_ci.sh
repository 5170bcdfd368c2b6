#!/usr/bin/env bash
# Tests of the multi-user deployment (docs/concurrency.md, "Beyond one machine"): one store on
# DuckLake with its catalog in PostgreSQL, shared by several processes. Installs PostgreSQL
# (Debian) when missing, SahelWatch with its [lake] extra into .venv-lake (DuckDB 1.4.4 and the
# ducklake and postgres extensions from PyPI), starts a throwaway PostgreSQL cluster on a Unix
# socket in a temporary folder (no TCP port), runs tests/lake against it and stops it on exit.
#   Usage: bash scripts/lake_ci.sh [pytest options]        (default: -q)
set -euo pipefail
cd "$(dirname "$0")/.."

find_pg() {  # the folder holding initdb and pg_ctl (Debian keeps them off PATH)
  local dir
  for dir in "$(dirname "$(command -v initdb || echo /none/initdb)")" /usr/lib/postgresql/*/bin; do
    if [ -x "$dir/initdb" ] && [ -x "$dir/pg_ctl" ]; then echo "$dir"; return 0; fi
  done
  return 1
}

if ! PG_BIN=$(find_pg); then
  bash scripts/system_packages.sh postgresql
  PG_BIN=$(find_pg) || { echo "error: postgresql installed but initdb not found." >&2; exit 1; }
fi
export PATH="$PG_BIN:$PATH"  # psql, used by the tests to make one database per test

[ -x .venv-lake/bin/python ] || python3 -m venv .venv-lake
.venv-lake/bin/python -m pip install --quiet --upgrade pip
# The [lake] extra pins DuckDB 1.4.4, the version the PyPI extension wheels are built for.
.venv-lake/bin/python -m pip install --quiet -e '.[lake]' 'pytest>=8'

# PostgreSQL refuses to run as root: the cluster then belongs to an unprivileged user.
tmp=$(mktemp -d)
as_owner=()
if [ "$(id -u)" -eq 0 ]; then
  owner=postgres
  id "$owner" >/dev/null 2>&1 || owner=nobody
  as_owner=(runuser -u "$owner" --)
fi
mkdir "$tmp/pg"
[ ${#as_owner[@]} -eq 0 ] || chown "$owner" "$tmp/pg"
chmod 755 "$tmp"
stop() {
  "${as_owner[@]}" "$PG_BIN/pg_ctl" -D "$tmp/pg/data" -m fast -w stop >/dev/null 2>&1 || true
  rm -rf "$tmp"
}
trap stop EXIT
"${as_owner[@]}" "$PG_BIN/initdb" -D "$tmp/pg/data" -A trust -U postgres >"$tmp/initdb.log" 2>&1 \
  || { cat "$tmp/initdb.log" >&2; echo "error: initdb failed (above)." >&2; exit 1; }
"${as_owner[@]}" "$PG_BIN/pg_ctl" -D "$tmp/pg/data" -l "$tmp/pg/server.log" -w \
  -o "-k $tmp/pg -c listen_addresses=''" start >/dev/null \
  || { cat "$tmp/pg/server.log" >&2; echo "error: PostgreSQL did not start (above)." >&2; exit 1; }

# The tests make a database (and a data folder) per test on this server.
export SAHELWATCH_LAKE_TEST="host=$tmp/pg user=postgres"
.venv-lake/bin/python -m pytest tests/lake -p no:cacheprovider "${@:--q}"
