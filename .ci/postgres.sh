#!/usr/bin/env bash
# postgres.sh makes a PostgreSQL server ready for the tests of internal/state.
#
# On a Debian 12 machine, as root, it installs PostgreSQL if it is missing,
# starts a cluster listening on 127.0.0.1:5432 (the Debian cluster through
# pg_ctlcluster, which needs no systemd; or, when that cluster cannot start,
# a private cluster under /tmp), waits until it accepts connections, and
# creates the role sekimori (password sekimori) and the database
# sekimori_test. Running it again changes nothing.
#
# Progress goes to stderr; the last line of stdout is the environment for the
# tests:
#
#   eval "$(bash .ci/postgres.sh | tail -1)"
set -euo pipefail

PORT=5432
HOST=127.0.0.1
ROLE=sekimori
PASSWORD=sekimori
DB=sekimori_test
FALLBACK_DIR=/tmp/sekimori-postgres

log() { echo "postgres.sh: $*" >&2; }

pg_bin() {
	# The newest installed server's binaries.
	local dir
	dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
	[[ -n "$dir" && -x "$dir/pg_ctl" ]] || return 1
	echo "$dir"
}

ready() { pg_isready -q -h "$HOST" -p "$PORT" 2>/dev/null; }

wait_ready() {
	local i
	for i in $(seq 1 60); do
		if ready; then return 0; fi
		sleep 1
	done
	return 1
}

install() {
	if pg_bin >/dev/null; then return 0; fi
	log "installing postgresql"
	export DEBIAN_FRONTEND=noninteractive
	# Refresh the package lists only when the package cannot be found.
	if ! apt-get install -y postgresql >&2; then
		apt-get update >&2
		apt-get install -y postgresql >&2
	fi
	pg_bin >/dev/null || { log "postgresql installed but no server binaries found"; exit 1; }
}

start_debian_cluster() {
	command -v pg_lsclusters >/dev/null || return 1
	local ver
	ver=$(basename "$(dirname "$(pg_bin)")")
	if ! pg_lsclusters -h | awk -v v="$ver" '$1 == v && $2 == "main" { found = 1 } END { exit !found }'; then
		log "creating cluster $ver/main"
		pg_createcluster --port "$PORT" "$ver" main >&2 || return 1
	fi
	local port
	port=$(pg_lsclusters -h | awk -v v="$ver" '$1 == v && $2 == "main" { print $3 }')
	if [[ "$port" != "$PORT" ]]; then
		log "cluster $ver/main uses port $port, not $PORT"
		return 1
	fi
	log "starting cluster $ver/main"
	pg_ctlcluster "$ver" main start >&2 || true
	wait_ready
}

start_private_cluster() {
	local bin
	bin=$(pg_bin)
	log "starting a private cluster in $FALLBACK_DIR"
	mkdir -p "$FALLBACK_DIR"
	chown postgres:postgres "$FALLBACK_DIR"
	if [[ ! -f "$FALLBACK_DIR/data/PG_VERSION" ]]; then
		runuser -u postgres -- "$bin/initdb" -D "$FALLBACK_DIR/data" \
			--auth-local=peer --auth-host=scram-sha-256 >&2
	fi
	runuser -u postgres -- "$bin/pg_ctl" -D "$FALLBACK_DIR/data" -l "$FALLBACK_DIR/log" -w \
		-o "-c listen_addresses=$HOST -p $PORT -k $FALLBACK_DIR" start >&2 || true
	wait_ready
}

# socket_dir prints the Unix socket directory of the running server, for
# connecting as the postgres superuser with peer authentication.
socket_dir() {
	local d
	for d in /var/run/postgresql "$FALLBACK_DIR"; do
		if [[ -S "$d/.s.PGSQL.$PORT" ]]; then
			echo "$d"
			return 0
		fi
	done
	return 1
}

install
export PATH="$(pg_bin):$PATH"

if ready; then
	log "a server is already accepting connections on $HOST:$PORT"
elif ! start_debian_cluster; then
	start_private_cluster || {
		log "no server could be started on $HOST:$PORT"
		exit 1
	}
fi

sock=$(socket_dir) || { log "no Unix socket found for port $PORT"; exit 1; }

log "creating role $ROLE and database $DB"
runuser -u postgres -- psql -q -v ON_ERROR_STOP=1 -h "$sock" -p "$PORT" -d postgres >&2 <<SQL
DO \$\$
BEGIN
	IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$ROLE') THEN
		CREATE ROLE $ROLE LOGIN PASSWORD '$PASSWORD';
	ELSE
		ALTER ROLE $ROLE LOGIN PASSWORD '$PASSWORD';
	END IF;
END
\$\$;
SELECT 'CREATE DATABASE $DB OWNER $ROLE'
WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = '$DB')\gexec
SQL

echo "export SEKIMORI_TEST_POSTGRES=postgres://$ROLE:$PASSWORD@$HOST:$PORT/$DB?sslmode=disable"
