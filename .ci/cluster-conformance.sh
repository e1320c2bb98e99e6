#!/usr/bin/env bash
# Runs the shared conformance suite against a cluster of the built server: CLUSTER_NODES (3)
# `serve` processes on one fresh PostgreSQL database through a private PgBouncer in transaction
# mode (DATABASE_POOLER=transaction), behind the round-robin proxy of tests/support/cluster.ts,
# so the steps of one scenario are answered by different nodes and server connections.
# Usage: .ci/cluster-conformance.sh   (prints the suite's "N passed, M failed" last)
set -uo pipefail
cd "$(dirname "$0")/.." || exit 2
# shellcheck source=conformance.sh
source .ci/conformance.sh

nodes="${CLUSTER_NODES:-3}"
proxy_port="${CLUSTER_CONFORMANCE_PORT:-4110}" # the nodes listen on the ports after it
pgbouncer="${PGBOUNCER_PATH:-/usr/sbin/pgbouncer}"
pgbouncer_user="${PGBOUNCER_USER:-postgres}"
pg_base="${TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/test}"
database="gh_cluster_conformance_$$"
work="$(mktemp -d)"
created_database=""
pgbouncer_pid=""
proxy_pid=""

give_up() {
  echo "$1" >&2
  echo "0 passed, 1 failed"
  exit 1
}

cleanup() {
  stop_gatehouses
  if [[ -n "$proxy_pid" ]]; then kill "$proxy_pid" 2>/dev/null && wait "$proxy_pid" 2>/dev/null; fi
  # SIGTERM is PgBouncer's immediate shutdown.
  if [[ -n "$pgbouncer_pid" ]]; then kill "$pgbouncer_pid" 2>/dev/null && wait "$pgbouncer_pid" 2>/dev/null; fi
  if [[ -n "$created_database" ]]; then
    psql "$pg_base" -qc "drop database if exists $database with (force)" >/dev/null 2>&1
  fi
  rm -rf "$work"
}
trap cleanup EXIT

[[ -x "$pgbouncer" ]] || give_up "PgBouncer not found at $pgbouncer: apt-get install -y pgbouncer"

psql "$pg_base" -qc "create database $database" >/dev/null || give_up "could not create $database"
created_database=yes

# Where PostgreSQL is, from TEST_POSTGRES_URL; a free port for PgBouncer.
read -r pg_host pg_port pg_user pg_password < <(node -e '
  const url = new URL(process.argv[1]);
  const field = (value) => decodeURIComponent(value) || "-";
  console.log(url.hostname || "127.0.0.1", url.port || "5432", field(url.username), field(url.password));
' "$pg_base")
[[ "$pg_user" == "-" ]] && pg_user=postgres
pgbouncer_port="$(node -e '
  const server = require("net").createServer().listen(0, "127.0.0.1", () => {
    console.log(server.address().port);
    server.close();
  });
')"

password_option=""
[[ "$pg_password" != "-" ]] && password_option=" password=$pg_password"
cat >"$work/pgbouncer.ini" <<EOF
[databases]
$database = host=$pg_host port=$pg_port dbname=$database user=$pg_user$password_option

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $pgbouncer_port
unix_socket_dir =
pool_mode = transaction
server_round_robin = 1
auth_type = trust
auth_file = $work/userlist.txt
max_client_conn = 200
default_pool_size = 8
ignore_startup_parameters = extra_float_digits
logfile = $work/pgbouncer.log
pidfile = $work/pgbouncer.pid
EOF
echo "\"$pg_user\" \"\"" >"$work/userlist.txt"

# PgBouncer refuses to run as root; -u drops to a user who must own its log and pid files.
as_user=()
if [[ "$(id -u)" == 0 ]]; then
  chown -R "$pgbouncer_user:" "$work"
  as_user=(-u "$pgbouncer_user")
fi
"$pgbouncer" "${as_user[@]}" "$work/pgbouncer.ini" >"$work/pgbouncer.out" 2>&1 &
pgbouncer_pid=$!
pooled_url="postgres://$pg_user@127.0.0.1:$pgbouncer_port/$database"
for _ in $(seq 1 50); do
  psql "$pooled_url" -Atqc "select 1" >/dev/null 2>&1 && break
  sleep 0.2
done
psql "$pooled_url" -Atqc "select 1" >/dev/null 2>&1 ||
  give_up "PgBouncer did not start on 127.0.0.1:$pgbouncer_port: $(cat "$work/pgbouncer.out")"
# Four server connections open and idle: with server_round_robin, consecutive transactions of one
# client run on different ones, as under load (tests/support/pgbouncer.ts does the same).
warming=()
for _ in 1 2 3 4; do
  psql "$pooled_url" -Atqc "select pg_sleep(0.1)" >/dev/null 2>&1 &
  warming+=("$!")
done
wait "${warming[@]}"

# The first node applies the migrations; the others start on the migrated database (`serve`
# reads --no-migrate, not MIGRATE_ON_START, today: both are given). A node takes traffic once
# /readyz says its database answers (through PgBouncer).
node_settings=(DATABASE_URL="$pooled_url" DATABASE_POOLER=transaction EMAIL_ASYNC_TASK=false)
upstreams=()
for index in $(seq 1 "$nodes"); do
  port=$((proxy_port + index))
  if [[ $index -eq 1 ]]; then
    start_gatehouse "$port" "$work/node1.log" "${node_settings[@]}"
    wait_gatehouse "$port" "$work/node1.log" "node 1" /readyz || exit 1
  else
    start_gatehouse "$port" "$work/node$index.log" "${node_settings[@]}" MIGRATE_ON_START=false \
      -- --no-migrate
  fi
  upstreams+=("http://127.0.0.1:$port")
done
for index in $(seq 2 "$nodes"); do
  wait_gatehouse "$((proxy_port + index))" "$work/node$index.log" "node $index" /readyz || exit 1
done

node --import tsx --input-type=module -e '
  import { startRoundRobinProxy } from "./tests/support/cluster.ts";
  const [port, ...upstreams] = process.argv.slice(1);
  const proxy = await startRoundRobinProxy(upstreams.map((url) => new URL(url)), Number(port));
  console.log(`proxy on ${proxy.url}`);
  process.on("SIGTERM", () => {
    console.error(`proxy: answers per node ${proxy.served.join(", ")}`);
    void proxy.close().then(() => process.exit(0));
  });
' "$proxy_port" "${upstreams[@]}" >"$work/proxy.log" 2>&1 &
proxy_pid=$!
for _ in $(seq 1 50); do
  grep -q "proxy on" "$work/proxy.log" 2>/dev/null && break
  sleep 0.2
done
grep -q "proxy on" "$work/proxy.log" || give_up "the proxy did not start: $(cat "$work/proxy.log")"

run_suite "http://127.0.0.1:$proxy_port/graphql"
status=$?
kill "$proxy_pid" 2>/dev/null && wait "$proxy_pid" 2>/dev/null
proxy_pid=""
cat "$work/proxy.log" >&2
if [[ $status -ne 0 ]]; then
  for index in $(seq 1 "$nodes"); do
    echo "--- node $index log ---" >&2
    tail -30 "$work/node$index.log" >&2
  done
  echo "--- pgbouncer log ---" >&2
  tail -30 "$work/pgbouncer.log" >&2
fi
exit $status
