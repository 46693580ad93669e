#!/usr/bin/env bash
# Installs (when missing) and starts (when not running) the servers the tests need, on loopback:
#
#   memcached        127.0.0.1:11211 and 127.0.0.1:11212   (Debian package memcached, 1.6+ for the meta protocol)
#   Valkey           127.0.0.1:6380                        (valkey-server from bookworm-backports)
#   Redis Cluster    127.0.0.1:7000, 7001, 7002            (three redis-server nodes, no replicas)
#   and the machine's own Redis 6379, PostgreSQL 5432, MariaDB 3306 (started only when down;
#   PostgreSQL gets wal_level=logical, a loopback replication entry in pg_hba.conf and TLS, MariaDB
#   a row-based binlog and TLS from /etc/my.cnf, each restarted once when that is missing; the
#   test CA and the certificate for localhost are made with openssl in $STATE_DIR/db-tls).
#   Also installs stress-ng (Debian package, not a server), which .ci/run uses to saturate the
#   CPUs while it runs the fault, stampede and stale-set suites a second time.
#
# Usage (as root, Debian/Ubuntu):
#   scripts/services.sh          install/start what is missing, then check every port (exit 1 naming what is down)
#   scripts/services.sh status   print the state of every service, start nothing (exit 1 when one is down)
#   scripts/services.sh stop     stop what this script starts (memcached, Valkey, the cluster);
#                                never the machine's own Redis, PostgreSQL or MariaDB
#
# Idempotent: when everything already answers it installs nothing, runs no apt-get update and
# returns in about a second. Package installs never start the packages' own services (a
# policy-rc.d that forbids it is put in place for the install when there is none), so Debian's
# memcached on 11211 or valkey on 6379 never clashes with ours or with Redis.
set -euo pipefail

STATE_DIR=${CACHEASIDE_SERVICES_DIR:-/var/lib/cacheaside-services}
MEMCACHED_PORTS=(11211 11212)
MEMCACHED_MEMORY_MB=64
MEMCACHED_ITEM_SIZE=1m          # memcached's default item size limit, stated explicitly
VALKEY_PORT=6380
CLUSTER_PORTS=(7000 7001 7002)
REDIS_PORT=6379
PG_PORT=5432
MARIADB_PORT=3306
WAIT_SECONDS=30

log() { printf '[services] %s\n' "$*" >&2; }

# ---------------------------------------------------------------------------------------------
# probes (none of them starts anything)

port_open() {  # port_open PORT: something accepts TCP on 127.0.0.1:PORT
    timeout 1 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null
}

wait_port() {  # wait_port PORT NAME: bounded wait until the port answers
    local i
    for ((i = 0; i < WAIT_SECONDS * 10; i++)); do
        port_open "$1" && return 0
        sleep 0.1
    done
    log "$2 did not open port $1 within ${WAIT_SECONDS}s"
    return 1
}

redis_ping() {  # redis_ping PORT
    command -v redis-cli >/dev/null 2>&1 || return 1
    [ "$(timeout 2 redis-cli -h 127.0.0.1 -p "$1" ping 2>/dev/null)" = "PONG" ]
}

memcached_version() {  # memcached_version PORT: prints "VERSION x.y.z" from the server
    timeout 2 bash -c '
        exec 3<>/dev/tcp/127.0.0.1/'"$1"' || exit 1
        printf "version\r\n" >&3
        IFS= read -r line <&3 || exit 1
        printf "%s\n" "${line%$'"'"'\r'"'"'}"
        exec 3>&-' 2>/dev/null
}

cluster_state() {  # cluster_state PORT: ok / fail / (empty when down)
    command -v redis-cli >/dev/null 2>&1 || return 0
    timeout 2 redis-cli -h 127.0.0.1 -p "$1" cluster info 2>/dev/null \
        | tr -d '\r' | sed -n 's/^cluster_state://p'
}

postgres_ok() {
    command -v psql >/dev/null 2>&1 || return 1
    [ "$(timeout 5 psql -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres -tAc 'select 1' 2>/dev/null)" = "1" ]
}

mariadb_ok() {
    local client
    client=$(command -v mariadb || command -v mysql || true)
    [ -n "$client" ] || return 1
    [ "$(timeout 5 "$client" -h 127.0.0.1 -P "$MARIADB_PORT" -uroot -N -B -e 'select 1' 2>/dev/null)" = "1" ]
}

# ---------------------------------------------------------------------------------------------
# installing

APT_UPDATED=0
apt_install() {  # apt_install [apt-get install options] PACKAGE...
    if [ "$(id -u)" -ne 0 ]; then
        log "cannot install $* : not root"
        return 1
    fi
    local made_policy=0
    if [ ! -e /usr/sbin/policy-rc.d ]; then
        # keep the packages' postinst from starting their own services (memcached on 11211,
        # valkey on 6379 beside Redis): we start our own instances below
        printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
        chmod 755 /usr/sbin/policy-rc.d
        made_policy=1
    fi
    if [ "$APT_UPDATED" -eq 0 ]; then
        log "apt-get update"
        DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
        APT_UPDATED=1
    fi
    log "apt-get install $*"
    local rc=0
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >&2 || rc=$?
    if [ "$made_policy" -eq 1 ]; then
        rm -f /usr/sbin/policy-rc.d
    fi
    return "$rc"
}

ensure_backports() {
    local codename
    codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")
    if [ "$codename" != "bookworm" ]; then
        log "not Debian bookworm ($codename): installing valkey-server from the default suites"
        return 1
    fi
    if ! grep -rqsE '^[^#]*bookworm-backports' /etc/apt/sources.list /etc/apt/sources.list.d/; then
        log "adding bookworm-backports to /etc/apt/sources.list.d/bookworm-backports.list"
        echo 'deb http://deb.debian.org/debian bookworm-backports main' \
            > /etc/apt/sources.list.d/bookworm-backports.list
        APT_UPDATED=0
    fi
    return 0
}

install_memcached() {
    command -v memcached >/dev/null 2>&1 || apt_install memcached
    local version
    version=$(memcached -V | awk '{print $2}')
    local major=${version%%.*} rest=${version#*.}
    local minor=${rest%%.*}
    if [ "$major" -lt 1 ] || { [ "$major" -eq 1 ] && [ "$minor" -lt 6 ]; }; then
        log "memcached $version is too old: the meta protocol (mg/ms/md) needs 1.6 or later"
        return 1
    fi
}

install_valkey() {
    command -v valkey-server >/dev/null 2>&1 && return 0
    if ensure_backports; then
        apt_install -t bookworm-backports valkey-server
    else
        apt_install valkey-server
    fi
}

install_stress_ng() {  # not a server: .ci/run saturates the CPUs with it for the pressure run
    command -v stress-ng >/dev/null 2>&1 && return 0
    apt_install stress-ng
}

install_redis() {
    command -v redis-server >/dev/null 2>&1 && command -v redis-cli >/dev/null 2>&1 && return 0
    apt_install redis-server redis-tools
}

# ---------------------------------------------------------------------------------------------
# starting

start_memcached() {  # start_memcached PORT
    local port=$1 user=nobody
    id memcache >/dev/null 2>&1 && user=memcache
    mkdir -p "$STATE_DIR/memcached"
    chmod 777 "$STATE_DIR/memcached"   # the pid file is written after memcached drops to $user
    log "starting memcached on 127.0.0.1:$port"
    memcached -d -u "$user" -l 127.0.0.1 -p "$port" -U 0 -m "$MEMCACHED_MEMORY_MB" -I "$MEMCACHED_ITEM_SIZE" \
        -c 1024 -P "$STATE_DIR/memcached/$port.pid"
}

start_valkey() {
    mkdir -p "$STATE_DIR/valkey"
    log "starting valkey on 127.0.0.1:$VALKEY_PORT"
    valkey-server --port "$VALKEY_PORT" --bind 127.0.0.1 --daemonize yes --save '' --appendonly no \
        --dir "$STATE_DIR/valkey" --logfile "$STATE_DIR/valkey/valkey.log" \
        --pidfile "$STATE_DIR/valkey/valkey.pid" >/dev/null
}

start_cluster_node() {  # start_cluster_node PORT
    local dir="$STATE_DIR/cluster/$1"
    mkdir -p "$dir"
    log "starting redis cluster node on 127.0.0.1:$1"
    redis-server --port "$1" --bind 127.0.0.1 --daemonize yes --save '' --appendonly no \
        --cluster-enabled yes --cluster-config-file nodes.conf --cluster-node-timeout 5000 \
        --dir "$dir" --logfile "$dir/redis.log" --pidfile "$dir/redis.pid" >/dev/null
}

wait_cluster_ok() {  # wait_cluster_ok SECONDS
    local i
    for ((i = 0; i < $1 * 10; i++)); do
        local all=1 p
        for p in "${CLUSTER_PORTS[@]}"; do
            [ "$(cluster_state "$p")" = "ok" ] || { all=0; break; }
        done
        [ "$all" -eq 1 ] && return 0
        sleep 0.1
    done
    return 1
}

ensure_cluster() {
    local p
    for p in "${CLUSTER_PORTS[@]}"; do
        if ! redis_ping "$p"; then
            start_cluster_node "$p"
            wait_port "$p" "redis cluster node" || return 1
        fi
    done
    [ "$(cluster_state "${CLUSTER_PORTS[0]}")" = "ok" ] && wait_cluster_ok 1 && return 0
    # nodes restarted from their nodes.conf find each other again by themselves: give them a moment
    local assigned
    assigned=$(timeout 2 redis-cli -p "${CLUSTER_PORTS[0]}" cluster info | tr -d '\r' \
        | sed -n 's/^cluster_slots_assigned://p')
    if [ "${assigned:-0}" != "0" ] && wait_cluster_ok 10; then
        return 0
    fi
    log "forming the redis cluster on ports ${CLUSTER_PORTS[*]}"
    for p in "${CLUSTER_PORTS[@]}"; do   # test data only: start from empty nodes
        redis-cli -p "$p" flushall >/dev/null
        redis-cli -p "$p" cluster reset hard >/dev/null
    done
    local nodes=()
    for p in "${CLUSTER_PORTS[@]}"; do nodes+=("127.0.0.1:$p"); done
    redis-cli --cluster create "${nodes[@]}" --cluster-replicas 0 --cluster-yes >&2
    wait_cluster_ok "$WAIT_SECONDS" || { log "redis cluster did not reach cluster_state:ok"; return 1; }
}

ensure_redis() {
    port_open "$REDIS_PORT" && return 0
    install_redis
    mkdir -p /var/lib/redis /var/log/redis
    log "starting the machine's redis on 127.0.0.1:$REDIS_PORT"
    redis-server --daemonize yes --bind 127.0.0.1 -::1 --port "$REDIS_PORT" --save "" --appendonly no \
        --dir /var/lib/redis --logfile /var/log/redis/ci.log >/dev/null
    wait_port "$REDIS_PORT" redis
}

ensure_postgres() {
    port_open "$PG_PORT" && return 0
    if ! ls /etc/postgresql >/dev/null 2>&1; then
        log "PostgreSQL is not installed on this machine (no /etc/postgresql)"
        return 1
    fi
    log "starting the machine's PostgreSQL"
    local version
    for version in $(ls /etc/postgresql); do
        pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
    done
    wait_port "$PG_PORT" postgresql
}

ensure_mariadb() {
    port_open "$MARIADB_PORT" && return 0
    if [ ! -x /usr/sbin/mariadbd ]; then
        log "MariaDB is not installed on this machine (no /usr/sbin/mariadbd)"
        return 1
    fi
    log "starting the machine's MariaDB"
    start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd
    wait_port "$MARIADB_PORT" mariadb
}

# ---------------------------------------------------------------------------------------------
# change streams: PostgreSQL logical decoding and a row-based MariaDB binlog, for the change-data-
# capture invalidation source and its tests. Each server is restarted only when a setting that
# needs it is missing, so a second run changes nothing and restarts nothing.

PG_REPLICATION_HBA='host replication all 127.0.0.1/32 trust'
MARIADB_CNF=/etc/my.cnf                 # read before /etc/mysql/my.cnf; this file is ours alone

pg_sql() {  # pg_sql SQL: one value from the machine's PostgreSQL
    timeout 10 psql -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres -tAc "$1" 2>/dev/null
}

ensure_postgres_logical() {
    local version hba changed_hba=0
    for version in $(ls /etc/postgresql); do
        hba=/etc/postgresql/$version/main/pg_hba.conf
        if [ -f "$hba" ] && ! grep -qxF "$PG_REPLICATION_HBA" "$hba"; then
            printf '%s\n' "$PG_REPLICATION_HBA" >> "$hba"
            changed_hba=1
        fi
    done
    if [ "$(pg_sql 'show wal_level')" != "logical" ]; then
        log "PostgreSQL: setting wal_level=logical (restart)"
        pg_sql "alter system set wal_level = 'logical'" >/dev/null
        for version in $(ls /etc/postgresql); do
            pg_ctlcluster --skip-systemctl-redirect "$version" main restart
        done
        wait_port "$PG_PORT" postgresql || return 1
        local i
        for ((i = 0; i < WAIT_SECONDS * 10; i++)); do postgres_ok && break; sleep 0.1; done
    elif [ "$changed_hba" -eq 1 ]; then
        pg_sql 'select pg_reload_conf()' >/dev/null
    fi
    [ "$(pg_sql 'show wal_level')" = "logical" ] || { log "PostgreSQL: wal_level is not logical"; return 1; }
}

# ---------------------------------------------------------------------------------------------
# database TLS: a test CA and a server certificate for "localhost" (DNS name only, so that
# verify-full to 127.0.0.1 fails on the name while verify-ca passes), made once with openssl, and
# an unrelated second CA that must never be trusted. PostgreSQL turns TLS on by a reload;
# MariaDB reads the files from /etc/my.cnf (see ensure_mariadb_settings).

DB_TLS_DIR=$STATE_DIR/db-tls

ensure_db_certs() {
    local d=$DB_TLS_DIR
    if [ -s "$d/ca.crt" ] && [ -s "$d/server.crt" ] && [ -s "$d/other-ca.crt" ] \
        && [ -s "$d/postgres/server.key" ] && [ -s "$d/mysql/server.key" ]; then
        return 0
    fi
    command -v openssl >/dev/null || { log "openssl is missing: no database TLS"; return 1; }
    log "making the database TLS test certificates in $d"
    mkdir -p "$d/postgres" "$d/mysql"
    openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=cache-aside test CA" \
        -keyout "$d/ca.key" -out "$d/ca.crt" 2>/dev/null
    openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=cache-aside untrusted CA" \
        -keyout "$d/other-ca.key" -out "$d/other-ca.crt" 2>/dev/null
    openssl req -newkey rsa:2048 -nodes -subj "/CN=localhost" -keyout "$d/server.key" -out "$d/server.csr" 2>/dev/null
    printf 'subjectAltName=DNS:localhost\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n' > "$d/server.ext"
    openssl x509 -req -in "$d/server.csr" -CA "$d/ca.crt" -CAkey "$d/ca.key" -CAcreateserial -days 3650 \
        -extfile "$d/server.ext" -out "$d/server.crt" 2>/dev/null
    chmod 644 "$d/ca.crt" "$d/other-ca.crt" "$d/server.crt"
    chmod 755 "$d"   # the servers' users reach their own subfolder; the keys stay 600
    cp "$d/server.crt" "$d/server.key" "$d/postgres/"
    cp "$d/server.crt" "$d/server.key" "$d/mysql/"
    id postgres >/dev/null 2>&1 && chown -R postgres: "$d/postgres"
    id mysql >/dev/null 2>&1 && chown -R mysql: "$d/mysql"
    chmod 600 "$d/postgres/server.key" "$d/mysql/server.key" "$d/server.key" "$d/ca.key" "$d/other-ca.key"
}

ensure_postgres_tls() {
    ensure_db_certs || return 1
    local cert=$DB_TLS_DIR/postgres/server.crt key=$DB_TLS_DIR/postgres/server.key
    if [ "$(pg_sql 'show ssl')" = "on" ] && [ "$(pg_sql 'show ssl_cert_file')" = "$cert" ]; then
        return 0
    fi
    log "PostgreSQL: TLS on with the test certificate (reload)"
    pg_sql "alter system set ssl_cert_file = '$cert'" >/dev/null
    pg_sql "alter system set ssl_key_file = '$key'" >/dev/null
    pg_sql "alter system set ssl = 'on'" >/dev/null
    pg_sql 'select pg_reload_conf()' >/dev/null
    local i
    for ((i = 0; i < WAIT_SECONDS * 10; i++)); do [ "$(pg_sql 'show ssl')" = "on" ] && return 0; sleep 0.1; done
    log "PostgreSQL: TLS did not turn on (see its log)"
    return 1
}

mariadb_var() {  # mariadb_var NAME: one server variable of the machine's MariaDB
    timeout 10 "$(command -v mariadb || command -v mysql)" -h 127.0.0.1 -P "$MARIADB_PORT" -uroot -N -B \
        -e "select @@$1" 2>/dev/null
}

ensure_mariadb_settings() {  # a row-based binlog and TLS, from our own /etc/my.cnf
    ensure_db_certs || return 1
    if [ "$(mariadb_var log_bin)" = "1" ] && [ "$(mariadb_var binlog_format)" = "ROW" ] \
        && [ "$(mariadb_var binlog_row_image)" = "FULL" ] && [ "$(mariadb_var have_ssl)" = "YES" ]; then
        # with a binlog, MariaDB refuses CREATE FUNCTION without a determinism clause unless this is
        # on; the read-guard tests create such functions (dynamic: no restart)
        if [ "$(mariadb_var log_bin_trust_function_creators)" != "1" ]; then
            timeout 10 "$(command -v mariadb || command -v mysql)" -h 127.0.0.1 -P "$MARIADB_PORT" -uroot \
                -e 'set global log_bin_trust_function_creators = 1'
        fi
        return 0
    fi
    log "MariaDB: a row-based binlog and TLS in $MARIADB_CNF (restart)"
    cat > "$MARIADB_CNF" <<CNF
# written by scripts/services.sh: a row-based binlog for change-data-capture invalidation, and TLS
# with the test certificate for the database TLS tests
[mariadbd]
log_bin = mariadb-bin
binlog_format = ROW
binlog_row_image = FULL
server_id = 1
expire_logs_days = 1
log_bin_trust_function_creators = 1
ssl_ca = $DB_TLS_DIR/ca.crt
ssl_cert = $DB_TLS_DIR/mysql/server.crt
ssl_key = $DB_TLS_DIR/mysql/server.key
CNF
    timeout 60 "$(command -v mariadb-admin || command -v mysqladmin)" -h 127.0.0.1 -P "$MARIADB_PORT" -uroot shutdown || true
    local i
    for ((i = 0; i < WAIT_SECONDS * 10; i++)); do pgrep -x mariadbd >/dev/null || break; sleep 0.1; done
    start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd
    wait_port "$MARIADB_PORT" mariadb || return 1
    for ((i = 0; i < WAIT_SECONDS * 10; i++)); do mariadb_ok && break; sleep 0.1; done
    [ "$(mariadb_var binlog_format)" = "ROW" ] || { log "MariaDB: the binlog is not row-based"; return 1; }
    [ "$(mariadb_var have_ssl)" = "YES" ] || { log "MariaDB: TLS is not on (see /var/log/mysql/error.log)"; return 1; }
}

up() {
    local failed=()
    ensure_redis || failed+=(redis)
    ensure_postgres || failed+=(postgresql)
    ensure_mariadb || failed+=(mariadb)
    ensure_postgres_logical || failed+=(postgresql-logical-decoding)
    ensure_mariadb_settings || failed+=(mariadb-binlog-tls)
    ensure_postgres_tls || failed+=(postgresql-tls)

    local need_memcached=0 p
    for p in "${MEMCACHED_PORTS[@]}"; do
        [ -n "$(memcached_version "$p")" ] || need_memcached=1
    done
    if [ "$need_memcached" -eq 1 ]; then
        if install_memcached; then
            for p in "${MEMCACHED_PORTS[@]}"; do
                if [ -z "$(memcached_version "$p")" ]; then
                    start_memcached "$p" && wait_port "$p" memcached || failed+=("memcached:$p")
                fi
            done
        else
            failed+=(memcached)
        fi
    fi

    if ! redis_ping "$VALKEY_PORT"; then
        if install_valkey; then
            start_valkey && wait_port "$VALKEY_PORT" valkey || failed+=(valkey)
        else
            failed+=(valkey)
        fi
    fi

    if install_redis; then
        ensure_cluster || failed+=(redis-cluster)
    else
        failed+=(redis-cluster)
    fi

    install_stress_ng || failed+=(stress-ng)

    if [ "${#failed[@]}" -gt 0 ]; then
        log "could not start: ${failed[*]}"
    fi
    status
}

# ---------------------------------------------------------------------------------------------
# status and stop

status() {
    local missing=() line p v
    report() { printf '%-16s %-22s %s\n' "$1" "$2" "$3"; }

    if redis_ping "$REDIS_PORT"; then report redis "127.0.0.1:$REDIS_PORT" "up (PONG)"
    else report redis "127.0.0.1:$REDIS_PORT" DOWN; missing+=(redis); fi

    if redis_ping "$VALKEY_PORT"; then
        v=$(timeout 2 redis-cli -p "$VALKEY_PORT" info server 2>/dev/null | tr -d '\r' \
            | sed -n 's/^valkey_version://p')
        report valkey "127.0.0.1:$VALKEY_PORT" "up (PONG, valkey ${v:-?})"
    else report valkey "127.0.0.1:$VALKEY_PORT" DOWN; missing+=(valkey); fi

    for p in "${CLUSTER_PORTS[@]}"; do
        if redis_ping "$p"; then
            line=$(cluster_state "$p")
            report redis-cluster "127.0.0.1:$p" "up (PONG, cluster_state:${line:-?})"
            [ "$line" = "ok" ] || missing+=("redis-cluster:$p(cluster_state:${line:-?})")
        else report redis-cluster "127.0.0.1:$p" DOWN; missing+=("redis-cluster:$p"); fi
    done

    for p in "${MEMCACHED_PORTS[@]}"; do
        line=$(memcached_version "$p" || true)
        if [ -n "$line" ]; then report memcached "127.0.0.1:$p" "up ($line)"
        else report memcached "127.0.0.1:$p" DOWN; missing+=("memcached:$p"); fi
    done

    if postgres_ok; then report postgresql "127.0.0.1:$PG_PORT" "up (select 1)"
    else report postgresql "127.0.0.1:$PG_PORT" DOWN; missing+=(postgresql); fi

    if mariadb_ok; then report mariadb "127.0.0.1:$MARIADB_PORT" "up (select 1)"
    else report mariadb "127.0.0.1:$MARIADB_PORT" DOWN; missing+=(mariadb); fi

    if [ "${#missing[@]}" -gt 0 ]; then
        echo "MISSING: ${missing[*]}"
        return 1
    fi
    echo "all services up"
}

stop_pidfile() {  # stop_pidfile FILE NAME
    [ -f "$1" ] || return 0
    local pid
    pid=$(cat "$1")
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
        log "stopping $2 (pid $pid)"
        kill "$pid"
        local i
        for ((i = 0; i < 50; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    fi
    rm -f "$1"
}

stop() {
    local p
    for p in "${MEMCACHED_PORTS[@]}"; do
        stop_pidfile "$STATE_DIR/memcached/$p.pid" "memcached:$p"
    done
    if redis_ping "$VALKEY_PORT"; then
        log "stopping valkey:$VALKEY_PORT"
        redis-cli -p "$VALKEY_PORT" shutdown nosave >/dev/null 2>&1 || true
    fi
    for p in "${CLUSTER_PORTS[@]}"; do
        if redis_ping "$p"; then
            log "stopping redis-cluster:$p"
            redis-cli -p "$p" shutdown nosave >/dev/null 2>&1 || true
        fi
    done
}

case "${1:-up}" in
    up|start) up ;;
    status) status ;;
    stop) stop ;;
    *) echo "usage: $0 [up|status|stop]" >&2; exit 2 ;;
esac
