#!/usr/bin/env bash
# Starts (or stops) the clusters the scale-out tests run against, all on
# 127.0.0.1, as processes of their own in temporary directories:
#
#   - a PostgreSQL primary on 5441 with one streaming replica on 5442;
#   - a 3-node MariaDB Galera cluster on 3311–3313 (gcomm 4571–4573, IST
#     4581–4583, SST 4591–4593).
#
# Usage: scripts/clusters.sh start   # prints the DSN exports, also in $DIR/env
#        scripts/clusters.sh stop
#        scripts/clusters.sh galera-stop N | galera-start N   # one node, for tests
#        scripts/clusters.sh pg-replica-stop | pg-replica-start
#
# The machine's own servers (5432, 3306) are never touched. DIR defaults to
# /tmp/orm-clusters; start first stops what a previous start left there.
set -euo pipefail

DIR="${ORM_CLUSTER_DIR:-/tmp/orm-clusters}"
PGBIN="${PGBIN:-$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)}"
GALERA="${GALERA_PROVIDER:-$(dpkg -L galera-4 2>/dev/null | grep 'libgalera_smm.so$' | head -1)}"

pg() { runuser -u postgres -- "$@"; }

stop_all() {
	for d in "$DIR"/pg-*; do
		[ -f "$d/postmaster.pid" ] && pg "$PGBIN/pg_ctl" -D "$d" -m immediate -w stop >/dev/null 2>&1 || true
	done
	for n in 1 2 3; do galera_stop "$n"; done
	rm -rf "$DIR"
}

pg_start() {
	mkdir -p "$DIR/sock"
	chown postgres "$DIR" "$DIR/sock"
	pg "$PGBIN/initdb" -D "$DIR/pg-primary" -U postgres --auth=trust -E UTF8 --no-sync >/dev/null
	cat >>"$DIR/pg-primary/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
wal_level = replica
max_wal_senders = 4
hot_standby = on
fsync = off
shared_buffers = 32MB
CONF
	pg "$PGBIN/pg_ctl" -D "$DIR/pg-primary" -o "-p 5441 -k $DIR/sock" -l "$DIR/pg-primary.log" -w start >/dev/null
	pg "$PGBIN/pg_basebackup" -h 127.0.0.1 -p 5441 -U postgres -D "$DIR/pg-replica" -R -X stream
	pg "$PGBIN/pg_ctl" -D "$DIR/pg-replica" -o "-p 5442 -k $DIR/sock" -l "$DIR/pg-replica.log" -w start >/dev/null
	for i in $(seq 1 60); do
		[ "$(pg "$PGBIN/psql" -h 127.0.0.1 -p 5442 -U postgres -Atc 'SELECT pg_is_in_recovery()' 2>/dev/null)" = t ] && return
		sleep 0.5
	done
	echo "the PostgreSQL replica did not start" >&2
	exit 1
}

galera_conf() {
	local n=$1
	cat >"$DIR/galera$n.cnf" <<CONF
[mariadbd]
datadir=$DIR/galera$n
socket=$DIR/galera$n.sock
pid-file=$DIR/galera$n.pid
log-error=$DIR/galera$n.err
port=331$n
bind-address=127.0.0.1
user=root
skip-name-resolve
binlog_format=ROW
default_storage_engine=InnoDB
innodb_autoinc_lock_mode=2
innodb_buffer_pool_size=64M
innodb_flush_log_at_trx_commit=0
wsrep_on=ON
wsrep_provider=$GALERA
wsrep_cluster_name=orm_test
wsrep_cluster_address=gcomm://127.0.0.1:4571,127.0.0.1:4572,127.0.0.1:4573
wsrep_node_name=galera$n
wsrep_node_address=127.0.0.1
wsrep_node_incoming_address=127.0.0.1:331$n
wsrep_provider_options=gmcast.listen_addr=tcp://127.0.0.1:457$n;ist.recv_addr=127.0.0.1:458$n;gcache.size=32M
wsrep_sst_receive_address=127.0.0.1:459$n
wsrep_sst_method=rsync
CONF
}

# galera_up N [--wsrep-new-cluster]: starts node N and waits until it is
# Synced.
galera_up() {
	local n=$1
	shift
	mariadbd --defaults-file="$DIR/galera$n.cnf" "$@" >/dev/null 2>&1 &
	for i in $(seq 1 120); do
		if [ "$(mariadb -S "$DIR/galera$n.sock" -uroot -N -e "SHOW STATUS LIKE 'wsrep_local_state_comment'" 2>/dev/null | cut -f2)" = Synced ]; then
			return
		fi
		sleep 0.5
	done
	echo "Galera node $n did not reach Synced; see $DIR/galera$n.err" >&2
	exit 1
}

galera_stop() {
	local n=$1 pid
	[ -f "$DIR/galera$n.pid" ] || return 0
	pid=$(cat "$DIR/galera$n.pid")
	kill "$pid" 2>/dev/null || true
	for i in $(seq 1 120); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.25
	done
	rm -f "$DIR/galera$n.pid"
}

# galera_join N: node N joins with an empty data directory, which the rsync
# SST fills; the SST daemon drops root's privileges, hence nobody's.
galera_join() {
	local n=$1
	rm -rf "$DIR/galera$n"
	mkdir -p "$DIR/galera$n"
	chown nobody:nogroup "$DIR/galera$n"
	galera_up "$n"
}

galera_start() {
	for n in 1 2 3; do galera_conf "$n"; done
	mariadb-install-db --defaults-file="$DIR/galera1.cnf" --auth-root-authentication-method=normal --skip-test-db >"$DIR/install.log" 2>&1
	galera_up 1 --wsrep-new-cluster
	mariadb -S "$DIR/galera1.sock" -uroot -e "CREATE DATABASE IF NOT EXISTS test"
	galera_join 2
	galera_join 3
}

case "${1:-}" in
start)
	stop_all
	mkdir -p "$DIR"
	chmod 755 "$DIR"
	pg_start
	galera_start
	cat >"$DIR/env" <<ENV
export ORM_PG_PRIMARY_DSN='postgres://postgres@127.0.0.1:5441/postgres?sslmode=disable'
export ORM_PG_REPLICA_DSN='postgres://postgres@127.0.0.1:5442/postgres?sslmode=disable'
export ORM_GALERA_DSNS='root@tcp(127.0.0.1:3311)/test,root@tcp(127.0.0.1:3312)/test,root@tcp(127.0.0.1:3313)/test'
export ORM_CLUSTER_SCRIPT='$(cd "$(dirname "$0")" && pwd)/clusters.sh'
export ORM_CLUSTER_DIR='$DIR'
ENV
	cat "$DIR/env"
	;;
stop)
	stop_all
	;;
galera-stop)
	galera_stop "$2"
	;;
galera-start)
	galera_join "$2"
	;;
pg-replica-stop)
	pg "$PGBIN/pg_ctl" -D "$DIR/pg-replica" -m immediate -w stop >/dev/null
	;;
pg-replica-start)
	pg "$PGBIN/pg_ctl" -D "$DIR/pg-replica" -o "-p 5442 -k $DIR/sock" -l "$DIR/pg-replica.log" -w start >/dev/null
	;;
*)
	echo "usage: $0 start|stop|galera-stop N|galera-start N|pg-replica-stop|pg-replica-start" >&2
	exit 2
	;;
esac
