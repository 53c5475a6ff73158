#!/usr/bin/env bash
# A private container engine for Keel's Testcontainers suite (docs/testing-brokers.md, "The containers suite").
#
#   .ci/containers.sh install            installs Debian's docker.io and debootstrap when missing (as root)
#   .ci/containers.sh start              starts dockerd in a network namespace of its own; reuses one that answers
#   .ci/containers.sh images [NAME...]   builds the suite's images (all, or those named) from Debian packages and
#                                        the broker jars test-brokers resolves; skips an image built from the same inputs
#   .ci/containers.sh run CMD [ARG...]   runs CMD inside the engine's network namespace, with DOCKER_HOST and the
#                                        Testcontainers settings this engine needs
#   .ci/containers.sh stop               stops the dockerd this script started, by its pid
#   .ci/containers.sh status             what runs, which images exist
#   .ci/containers.sh ci CMD [ARG...]    install, start, images, run CMD, then stop the engine if this call started it
#
# Why a network namespace: dockerd changes the network it runs in (a bridge, routes, forwarding). In a namespace of
# its own, holding only a loopback interface, it leaves the host's network and services alone; the containers' ports
# are published on that namespace's loopback (docker's userland proxy, no iptables), so the test JVM runs there too
# ("run"), and only reaches containers: the host's own brokers and databases are out of its reach.
#
# Why local images: no image registry needs to be reachable. Each image is Debian (debootstrap, then apt-get in a
# chroot) plus the packages or Maven Central jars of the version the code asks for, tagged with the official name
# (redis:7.0, apache/kafka:4.4.0, ...) and honouring the official image's conventions that Testcontainers relies on.
# On a machine with Docker and a registry nobody needs this script: Testcontainers pulls the official images.
#
# Settings (environment):
#   KEEL_CONTAINERS_DIR   engine data, socket, logs and caches (default /var/lib/keel-containers)
#   KEEL_DEBIAN_MIRROR    Debian mirror (default http://deb.debian.org/debian; security updates from
#                         KEEL_DEBIAN_SECURITY_MIRROR, default http://deb.debian.org/debian-security)
#   KEEL_M2_REPO          the local Maven repository holding the broker jars (default ~/.m2/repository)
#   KEEL_IMAGES_REFRESH=1 rebuild every image (new Debian security updates), even when its inputs did not change
#
# Adding an image: write a function image_<name> like the ones below (describe: TAG, PACKAGES, VERSION_OF or JARS;
# prepare and fill: its files; CHANGES) and add <name> to IMAGES. The ActiveMQ images are in containers-activemq.sh,
# which this script sources.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DIR=${KEEL_CONTAINERS_DIR:-/var/lib/keel-containers}
SUITE=bookworm
MIRROR=${KEEL_DEBIAN_MIRROR:-http://deb.debian.org/debian}
SECURITY_MIRROR=${KEEL_DEBIAN_SECURITY_MIRROR:-http://deb.debian.org/debian-security}
M2_REPO=${KEEL_M2_REPO:-$HOME/.m2/repository}
CLASSPATHS=$ROOT/test-brokers/target/classes/dev/keel/testbrokers/classpath
SOCK=$DIR/docker.sock
PIDFILE=$DIR/dockerd.pid
OWNED=$DIR/dockerd.owned
ENGINE_LOG=$DIR/dockerd.log
export DOCKER_HOST=unix://$SOCK

# the images the containers suite uses, in build order
IMAGES=(redis rabbitmq postgres kafka rocketmq artemis activemq)

log() { printf '[containers] %s\n' "$*" >&2; }
die() { printf '[containers] FAILED: %s\n' "$*" >&2; exit 1; }

# "bounded [--log FILE] SECONDS WHAT CMD [ARG...]" runs CMD (its output into FILE) and fails the script, naming WHAT
# (and showing the end of FILE), when CMD fails or runs past SECONDS
bounded() {
  local logfile= limit what rc=0
  if [ "$1" = --log ]; then logfile=$2; shift 2; fi
  limit=$1 what=$2
  shift 2
  if [ -n "$logfile" ]; then
    timeout --kill-after=15 "$limit" "$@" > "$logfile" 2>&1 || rc=$?
  else
    timeout --kill-after=15 "$limit" "$@" || rc=$?
  fi
  [ "$rc" -eq 0 ] && return 0
  local tail=
  [ -n "$logfile" ] && tail=$'\n'"last lines of $logfile:"$'\n'"$(tail -n 25 "$logfile")"
  case $rc in
    124|137) die "$what: no result within $limit s$tail" ;;
    *) die "$what failed (exit status $rc)$tail" ;;
  esac
}

need_root() { [ "$(id -u)" -eq 0 ] || die "$1 needs root (unshare, dockerd, debootstrap, chroot)"; }

# ---------------------------------------------------------------------------------------------------------------
# install

cmd_install() {
  local missing=()
  command -v dockerd >/dev/null 2>&1 || missing+=(docker.io)
  command -v debootstrap >/dev/null 2>&1 || missing+=(debootstrap)
  command -v ip >/dev/null 2>&1 || missing+=(iproute2)
  command -v nsenter >/dev/null 2>&1 || missing+=(util-linux)
  if [ "${#missing[@]}" -eq 0 ]; then
    log "docker.io and debootstrap are installed"
    return
  fi
  need_root "installing ${missing[*]}"
  log "installing ${missing[*]}"
  # No service may start while the packages install: dockerd must never come up in the host's network namespace.
  local policy=/usr/sbin/policy-rc.d
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' > "$policy"
    chmod 755 "$policy"
    trap 'rm -f /usr/sbin/policy-rc.d' EXIT
  fi
  export DEBIAN_FRONTEND=noninteractive
  bounded 300 "apt-get update" apt-get -q update
  bounded 900 "apt-get install ${missing[*]}" apt-get -q install -y --no-install-recommends "${missing[@]}"
  if [ "$(trap -p EXIT)" != "" ]; then
    rm -f "$policy"
    trap - EXIT
  fi
}

# ---------------------------------------------------------------------------------------------------------------
# the engine

# the pid of the dockerd serving $SOCK, if it runs
engine_pid() {
  local pid
  [ -s "$PIDFILE" ] || return 1
  pid=$(cat "$PIDFILE")
  kill -0 "$pid" 2>/dev/null || return 1
  tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null | grep -q "dockerd .*unix://$SOCK" || return 1
  echo "$pid"
}

answers() { timeout 10 docker version >/dev/null 2>&1; }

# sets STARTED_HERE=1 when this call started the engine
STARTED_HERE=0
cmd_start() {
  local pid
  if pid=$(engine_pid) && answers; then
    log "the engine runs already (dockerd pid $pid, $SOCK)"
    return
  fi
  need_root "starting dockerd"
  command -v dockerd >/dev/null 2>&1 || die "dockerd is not installed: run $0 install"
  if pid=$(engine_pid); then
    die "dockerd pid $pid holds $SOCK but does not answer: see $ENGINE_LOG, or stop it with $0 stop"
  fi
  mkdir -p "$DIR/engine" "$DIR/exec"
  rm -f "$SOCK" "$PIDFILE"
  log "starting dockerd in a network namespace of its own ($SOCK, log $ENGINE_LOG)"
  # unshare -n without --fork execs: the shell, then dockerd, keep the pid of the background job
  setsid unshare -n -- sh -c 'ip link set lo up && exec "$@"' sh \
    dockerd -H "unix://$SOCK" --data-root "$DIR/engine" --exec-root "$DIR/exec" --pidfile "$PIDFILE" \
      --storage-driver=overlay2 --iptables=false --ip-forward=false --ip-masq=false \
    > "$ENGINE_LOG" 2>&1 < /dev/null &
  local launched=$! waited=0
  echo "$launched" > "$OWNED"
  STARTED_HERE=1
  until answers; do
    if ! kill -0 "$launched" 2>/dev/null; then
      rm -f "$OWNED"
      die "dockerd exited at start; last lines of $ENGINE_LOG:
$(tail -n 20 "$ENGINE_LOG")"
    fi
    waited=$((waited + 1))
    if [ "$waited" -ge 60 ]; then
      die "dockerd does not answer on $SOCK after 60 s; last lines of $ENGINE_LOG:
$(tail -n 20 "$ENGINE_LOG")"
    fi
    sleep 1
  done
  pid=$(engine_pid) || die "dockerd answers but $PIDFILE does not name it"
  [ "$pid" = "$launched" ] || die "dockerd wrote pid $pid, the script launched $launched"
  log "dockerd answers (pid $pid, $(docker version -f '{{.Server.Version}}'), after ${waited} s)"
  remove_containers
}

# containers a crashed test JVM left behind (the engine is this script's own: every container is the suite's)
remove_containers() {
  local ids
  ids=$(timeout 30 docker ps -aq) || return 0
  if [ -n "$ids" ]; then
    log "removing $(echo "$ids" | wc -l) container(s) left behind"
    # shellcheck disable=SC2086
    timeout 120 docker rm -f $ids >/dev/null || log "some containers could not be removed"
  fi
}

cmd_stop() {
  local pid waited=0
  if [ ! -s "$OWNED" ]; then
    log "no dockerd started by this script is recorded ($OWNED): nothing to stop"
    return
  fi
  pid=$(cat "$OWNED")
  if ! kill -0 "$pid" 2>/dev/null || ! tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null | grep -q "dockerd .*unix://$SOCK"; then
    log "dockerd pid $pid is gone already"
    rm -f "$OWNED"
    return
  fi
  remove_containers
  log "stopping dockerd (pid $pid)"
  kill -TERM "$pid"
  while kill -0 "$pid" 2>/dev/null; do
    waited=$((waited + 1))
    if [ "$waited" -ge 60 ]; then
      log "dockerd (pid $pid) still runs 60 s after SIGTERM: SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
      break
    fi
    sleep 1
  done
  rm -f "$OWNED"
  log "dockerd stopped"
}

cmd_status() {
  local pid
  if pid=$(engine_pid) && answers; then
    log "dockerd pid $pid answers on $SOCK$( [ -s "$OWNED" ] && echo ', started by this script')"
    docker image ls --format '{{.Repository}}:{{.Tag}}  {{.Size}}  {{.CreatedSince}}  {{index .Labels "dev.keel.image-key"}}' 2>/dev/null \
      | sed 's/^/[containers]   /' >&2 || true
  else
    log "no engine answers on $SOCK"
  fi
}

# CMD inside the engine's network namespace, with what Testcontainers needs there: the socket; no Ryuk (its image
# is not built here; the harness and the tests stop their containers, and "start"/"stop" remove any left behind);
# the containers' host is localhost (this machine has a /.dockerenv, which would make Testcontainers look for a
# bridge gateway it cannot reach).
cmd_run() {
  local pid
  [ "$#" -gt 0 ] || die "run needs a command"
  pid=$(engine_pid) || die "no engine runs on $SOCK: run $0 start"
  nsenter -t "$pid" -n -- env DOCKER_HOST="unix://$SOCK" TESTCONTAINERS_RYUK_DISABLED=true \
    TESTCONTAINERS_HOST_OVERRIDE=localhost "$@"
}

# ---------------------------------------------------------------------------------------------------------------
# images

# The Debian base every image starts from: debootstrap's minbase, with the suite's updates and security sources.
# Cached as a tar file; the downloaded packages are cached too.
BASE_TAR=
ensure_base() {
  local key tmp
  key=$(printf '%s\n' "$SUITE" "$MIRROR" "$SECURITY_MIRROR" "$(declare -f ensure_base)" | sha256sum | cut -c1-16)
  BASE_TAR=$DIR/cache/base-$SUITE-$key.tar
  [ -s "$BASE_TAR" ] && return
  command -v debootstrap >/dev/null 2>&1 || die "debootstrap is not installed: run $0 install"
  mkdir -p "$DIR/cache/debootstrap" "$DIR/build"
  tmp=$DIR/build/base
  rm -rf "$tmp"
  log "debootstrap $SUITE (minbase) from $MIRROR"
  # in a mount namespace of its own: whatever debootstrap mounts goes away with it, also when it fails
  bounded --log "$DIR/build/base.log" 1200 "debootstrap $SUITE" unshare -m --propagation private -- \
    debootstrap --variant=minbase --cache-dir="$DIR/cache/debootstrap" "$SUITE" "$tmp" "$MIRROR"
  cat > "$tmp/etc/apt/sources.list" <<EOF
deb $MIRROR $SUITE main
deb $MIRROR $SUITE-updates main
deb $SECURITY_MIRROR $SUITE-security main
EOF
  # services never start inside an image build; no recommended packages; no documentation
  printf '#!/bin/sh\nexit 101\n' > "$tmp/usr/sbin/policy-rc.d"
  chmod 755 "$tmp/usr/sbin/policy-rc.d"
  printf 'APT::Install-Recommends "false";\nAPT::Install-Suggests "false";\n' > "$tmp/etc/apt/apt.conf.d/90keel"
  printf 'path-exclude=/usr/share/doc/*\npath-exclude=/usr/share/man/*\npath-exclude=/usr/share/info/*\n' \
    > "$tmp/etc/dpkg/dpkg.cfg.d/90keel"
  tar -C "$tmp" -cf "$BASE_TAR.tmp" . && mv "$BASE_TAR.tmp" "$BASE_TAR"
  rm -rf "$tmp"
  log "base cached as $BASE_TAR"
}

# apt-get install PACKAGES in the root file system ROOT, with the host's network, in a mount namespace of its own
install_packages() {
  local root=$1 name=$2
  shift 2
  [ "$#" -gt 0 ] || return 0
  mkdir -p "$DIR/cache/apt"
  cp /etc/resolv.conf "$root/etc/resolv.conf"
  log "$name: apt-get install $*"
  bounded --log "$DIR/build/$name.log" 1200 "$name: apt-get install $*" unshare -m --propagation private -- sh -ec '
    root=$1 archives=$2
    shift 2
    mount -t proc proc "$root/proc"
    mount --bind "$archives" "$root/var/cache/apt/archives"
    chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive \
      apt-get -q -o Dpkg::Use-Pty=0 update
    chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive \
      apt-get -q -y -o Dpkg::Use-Pty=0 install "$@"
  ' sh "$root" "$DIR/cache/apt" "$@"
}

# the version of a broker's jar in a classpath file of test-brokers: "jar_version kafka kafka_2.13" -> 4.4.0
jar_version() {
  tr ':' '\n' < "$CLASSPATHS/$1.classpath" | sed -n "s#.*/$2/\([^/]*\)/$2-.*\.jar\$#\1#p" | head -n 1
}

# test-brokers' classpath files (written by its build, from Maven Central) and the jars they name
ensure_classpaths() {
  local name missing=0
  for name in kafka rocketmq artemis activemq; do
    [ -s "$CLASSPATHS/$name.classpath" ] || missing=1
  done
  if [ "$missing" = 1 ]; then
    log "resolving the broker jars (./mvnw -pl test-brokers -am compile)"
    (cd "$ROOT" && bounded 1200 "resolving the broker jars from Maven Central" \
      ./mvnw -B -q -pl test-brokers -am compile -Dmaven.javadoc.skip=true -Dmaven.source.skip=true)
  fi
}

# copies the jars of a classpath file into DEST
copy_jars() {
  local classpath=$1 dest=$2 jar
  mkdir -p "$dest"
  for jar in $(tr ':' '\n' < "$CLASSPATHS/$classpath.classpath"); do
    jar=${jar/KEEL_M2_REPO/$M2_REPO}
    [ -f "$jar" ] || die "$jar is missing: build test-brokers once with access to Maven Central, or set KEEL_M2_REPO"
    cp "$jar" "$dest/"
  done
}

# adds a system user to the root file system (minbase has no useradd)
add_user() {
  local root=$1 user=$2 id=$3 home=$4
  grep -q "^$user:" "$root/etc/group" || echo "$user:x:$id:" >> "$root/etc/group"
  grep -q "^$user:" "$root/etc/passwd" || echo "$user:x:$id:$id::$home:/bin/bash" >> "$root/etc/passwd"
  grep -q "^$user:" "$root/etc/shadow" || echo "$user:!:19000::::::" >> "$root/etc/shadow"
  mkdir -p "$root$home"
  chown "$id:$id" "$root$home"
}

# writes standard input to FILE (created with its directories), executable when MODE says so
put() {
  local file=$1 mode=${2:-644}
  mkdir -p "$(dirname "$file")"
  cat > "$file"
  chmod "$mode" "$file"
}

# ---------------------------------------------------------------------------------------------------------------
# The images. Each function answers three calls:
#   image_<name> describe       sets TAG (the name the code asks for), PACKAGES (Debian packages to install) and
#                               VERSION_OF (the package whose version must match TAG) or JARS (a classpath file of
#                               test-brokers whose jars go in)
#   image_<name> prepare ROOT   (optional) changes ROOT before the packages install
#   image_<name> fill ROOT      writes the image's own files into ROOT and sets CHANGES (docker import --change)

# redis:7.0: Debian's redis-server, started like the official image: "redis-server" (or options alone) as the
# redis user in /data, with protected mode off (the official image builds Redis so; clients reach it through a
# published port, i.e. not from loopback).
image_redis() {
  case $1 in
    describe) TAG=redis:7.0; PACKAGES=(redis-server); VERSION_OF=redis-server ;;
    fill)
      mkdir -p "$2/data"
      chroot "$2" chown redis:redis /data
      put "$2/usr/local/bin/docker-entrypoint.sh" 755 <<'EOF'
#!/bin/sh
# Keel's local stand-in for the official redis image's entrypoint (see .ci/containers.sh)
set -e
case "$1" in -*) set -- redis-server "$@" ;; esac
if [ "$1" = redis-server ]; then
  shift
  # a configuration file comes first; protected mode is off unless an option after it turns it on
  if [ -n "$1" ] && [ "${1#-}" = "$1" ]; then
    file=$1; shift
    set -- redis-server "$file" --protected-mode no "$@"
  else
    set -- redis-server --protected-mode no "$@"
  fi
  if [ "$(id -u)" = 0 ]; then
    exec setpriv --reuid=redis --regid=redis --init-groups "$@"
  fi
fi
exec "$@"
EOF
      CHANGES=('WORKDIR /data' 'EXPOSE 6379' 'ENTRYPOINT ["docker-entrypoint.sh"]' 'CMD ["redis-server"]') ;;
  esac
}

# rabbitmq:3.10: Debian's rabbitmq-server, started like the official image: in the foreground as the rabbitmq
# user, logging to standard output (Testcontainers waits for "Server startup complete"), the RABBITMQ_DEFAULT_USER,
# RABBITMQ_DEFAULT_PASS and RABBITMQ_DEFAULT_VHOST variables honoured, and guest allowed from other hosts.
image_rabbitmq() {
  case $1 in
    describe) TAG=rabbitmq:3.10; PACKAGES=(rabbitmq-server); VERSION_OF=rabbitmq-server ;;
    fill)
      mkdir -p "$2/etc/rabbitmq/conf.d"
      chroot "$2" chown -R rabbitmq:rabbitmq /etc/rabbitmq
      put "$2/usr/local/bin/docker-entrypoint.sh" 755 <<'EOF'
#!/bin/bash
# Keel's local stand-in for the official rabbitmq image's entrypoint (see .ci/containers.sh)
set -euo pipefail
if [ "${1:-}" = rabbitmq-server ] && [ "$(id -u)" = 0 ]; then
  {
    echo 'loopback_users.guest = false'
    echo 'listeners.tcp.default = 5672'
    [ -n "${RABBITMQ_DEFAULT_USER:-}" ] && echo "default_user = $RABBITMQ_DEFAULT_USER"
    [ -n "${RABBITMQ_DEFAULT_PASS:-}" ] && echo "default_pass = $RABBITMQ_DEFAULT_PASS"
    [ -n "${RABBITMQ_DEFAULT_VHOST:-}" ] && echo "default_vhost = $RABBITMQ_DEFAULT_VHOST"
  } > /etc/rabbitmq/conf.d/10-defaults.conf
  chown -R rabbitmq:rabbitmq /etc/rabbitmq /var/lib/rabbitmq /var/log/rabbitmq
  export HOME=/var/lib/rabbitmq RABBITMQ_LOGS=- RABBITMQ_CONFIG_FILES=/etc/rabbitmq/conf.d
  exec setpriv --reuid=rabbitmq --regid=rabbitmq --init-groups /usr/lib/rabbitmq/bin/rabbitmq-server
fi
exec "$@"
EOF
      CHANGES=('EXPOSE 4369 5671 5672 15691 15692 25672' 'ENTRYPOINT ["docker-entrypoint.sh"]' 'CMD ["rabbitmq-server"]') ;;
  esac
}

# postgres:15: Debian's postgresql-15, started like the official image: POSTGRES_USER, POSTGRES_PASSWORD (or
# POSTGRES_HOST_AUTH_METHOD=trust) and POSTGRES_DB set up on the first start by a server that only listens on its
# socket, which then stops (Testcontainers waits for the second "database system is ready to accept connections"),
# /docker-entrypoint-initdb.d/*.sql and *.sh run, and PGDATA=/var/lib/postgresql/data.
image_postgres() {
  case $1 in
    describe) TAG=postgres:15; PACKAGES=(postgresql-15); VERSION_OF=postgresql-15 ;;
    prepare)
      # Debian creates a cluster when the package installs unless told not to; the entrypoint makes one at start
      put "$2/etc/postgresql-common/createcluster.conf" <<< 'create_main_cluster = false' ;;
    fill)
      put "$2/usr/local/bin/docker-entrypoint.sh" 755 <<'EOF'
#!/bin/bash
# Keel's local stand-in for the official postgres image's entrypoint (see .ci/containers.sh)
set -euo pipefail
case "${1:-}" in -*) set -- postgres "$@" ;; esac
if [ "${1:-}" = postgres ] && [ "$(id -u)" = 0 ]; then
  mkdir -p "$PGDATA" /var/run/postgresql
  chown -R postgres:postgres "$PGDATA" /var/run/postgresql
  chmod 700 "$PGDATA"
  exec setpriv --reuid=postgres --regid=postgres --init-groups "$0" "$@"
fi
if [ "${1:-}" = postgres ] && [ ! -s "$PGDATA/PG_VERSION" ]; then
  user=${POSTGRES_USER:-postgres}
  db=${POSTGRES_DB:-$user}
  method=${POSTGRES_HOST_AUTH_METHOD:-scram-sha-256}
  if [ -z "${POSTGRES_PASSWORD:-}" ] && [ "$method" != trust ]; then
    echo "Database is uninitialized and superuser password is not specified: set POSTGRES_PASSWORD (or POSTGRES_HOST_AUTH_METHOD=trust)" >&2
    exit 1
  fi
  pwfile=$(mktemp)
  printf '%s' "${POSTGRES_PASSWORD:-}" > "$pwfile"
  initdb --username="$user" --pwfile="$pwfile" -D "$PGDATA" ${POSTGRES_INITDB_ARGS:-}
  rm -f "$pwfile"
  echo "host all all all $method" >> "$PGDATA/pg_hba.conf"
  echo "listen_addresses = '*'" >> "$PGDATA/postgresql.conf"
  pg_ctl -D "$PGDATA" -o "-c listen_addresses=''" -w start
  if [ "$db" != postgres ]; then
    psql -v ON_ERROR_STOP=1 --username "$user" --dbname postgres -c "CREATE DATABASE \"$db\""
  fi
  for f in /docker-entrypoint-initdb.d/*; do
    case "$f" in
      *.sql) psql -v ON_ERROR_STOP=1 --username "$user" --dbname "$db" -f "$f" ;;
      *.sh) . "$f" ;;
    esac
  done
  pg_ctl -D "$PGDATA" -m fast -w stop
fi
exec "$@"
EOF
      mkdir -p "$2/docker-entrypoint-initdb.d"
      CHANGES=('ENV PGDATA=/var/lib/postgresql/data' 'ENV PATH=/usr/lib/postgresql/15/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'
        'EXPOSE 5432' 'ENTRYPOINT ["docker-entrypoint.sh"]' 'CMD ["postgres"]') ;;
  esac
}

# apache/kafka:<version of the Kafka jars>: Debian's JRE 17 and the Kafka broker jars test-brokers runs locally,
# started like the official image: /etc/kafka/docker/run turns the KAFKA_* variables into server.properties with
# Kafka's own kafka.docker.KafkaDockerWrapper (the official image's step), formats the storage with CLUSTER_ID and
# starts the broker, as appuser (uid 1000). Without KAFKA_* variables: a single KRaft node on 9092.
image_kafka() {
  case $1 in
    describe) TAG=apache/kafka:$(jar_version kafka kafka_2.13); PACKAGES=(openjdk-17-jre-headless); JARS=kafka ;;
    fill)
      copy_jars kafka "$2/opt/kafka/libs"
      add_user "$2" appuser 1000 /home/appuser
      mkdir -p "$2/opt/kafka/config" "$2/mnt/shared/config" "$2/var/lib/kafka/data"
      chown 1000:1000 "$2/opt/kafka/config" "$2/var/lib/kafka/data"
      put "$2/etc/kafka/docker/server.properties" <<'EOF'
# a single KRaft node (broker and controller), used when no KAFKA_* variable is set
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@localhost:9093
listeners=PLAINTEXT://:9092,CONTROLLER://:9093
advertised.listeners=PLAINTEXT://localhost:9092
controller.listener.names=CONTROLLER
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=/tmp/kraft-combined-logs
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
group.initial.rebalance.delay.ms=0
EOF
      put "$2/etc/kafka/docker/log4j2.yaml" <<'EOF'
Configuration:
  Appenders:
    Console:
      name: STDOUT
      target: SYSTEM_OUT
      PatternLayout:
        pattern: "[%d] %p %m (%c)%n"
  Loggers:
    Root:
      level: INFO
      AppenderRef:
        - ref: STDOUT
EOF
      cp "$2/etc/kafka/docker/log4j2.yaml" "$2/etc/kafka/docker/tools-log4j2.yaml"
      put "$2/etc/kafka/docker/run" 755 <<'EOF'
#!/bin/bash
# Keel's local stand-in for the official apache/kafka image's start script (see .ci/containers.sh)
set -euo pipefail
export CLUSTER_ID=${CLUSTER_ID:-5L6g3nShT-eMCtK--X86sw}
# the broker logs through slf4j-simple, as test-brokers' local Kafka does: INFO and up, to standard output
logging="-Dorg.slf4j.simpleLogger.logFile=System.out -Dorg.slf4j.simpleLogger.defaultLogLevel=info -Dorg.slf4j.simpleLogger.showDateTime=true"
java -Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 $logging -cp '/opt/kafka/libs/*' kafka.docker.KafkaDockerWrapper setup \
  --default-configs-dir /etc/kafka/docker --mounted-configs-dir /mnt/shared/config --final-configs-dir /opt/kafka/config
exec java ${KAFKA_HEAP_OPTS:--Xmx1g -Xms1g} -XX:+UseG1GC -Djava.awt.headless=true $logging ${KAFKA_OPTS:-} \
  -cp '/opt/kafka/libs/*' kafka.Kafka /opt/kafka/config/server.properties
EOF
      CHANGES=('USER appuser' 'WORKDIR /' 'EXPOSE 9092' 'CMD ["/etc/kafka/docker/run"]') ;;
  esac
}

# apache/rocketmq:<version of the RocketMQ jars>: Debian's JRE 17 and the name server and broker jars test-brokers
# runs locally, laid out like the official image: ROCKETMQ_HOME=/home/rocketmq/rocketmq-<version>, the working
# directory its bin, whose mqnamesrv and mqbroker start the name server and the broker (arguments passed on,
# JAVA_OPT_EXT appended to the JVM options), as the rocketmq user (uid 3000).
image_rocketmq() {
  local version home
  case $1 in
    describe) TAG=apache/rocketmq:$(jar_version rocketmq rocketmq-broker); PACKAGES=(openjdk-17-jre-headless); JARS=rocketmq ;;
    fill)
      version=$(jar_version rocketmq rocketmq-broker)
      home=/home/rocketmq/rocketmq-$version
      copy_jars rocketmq "$2$home/lib"
      add_user "$2" rocketmq 3000 /home/rocketmq
      put "$2$home/bin/mqnamesrv" 755 <<'EOF'
#!/bin/sh
# Keel's local stand-in for the official apache/rocketmq image's mqnamesrv (see .ci/containers.sh)
exec java -Xms64m -Xmx256m -XX:+UseSerialGC -Djava.awt.headless=true ${JAVA_OPT_EXT:-} \
  -Drocketmq.home.dir="$ROCKETMQ_HOME" -cp "$ROCKETMQ_HOME/lib/*" org.apache.rocketmq.namesrv.NamesrvStartup "$@"
EOF
      put "$2$home/bin/mqbroker" 755 <<'EOF'
#!/bin/sh
# Keel's local stand-in for the official apache/rocketmq image's mqbroker (see .ci/containers.sh)
exec java -Xms128m -Xmx512m -XX:+UseSerialGC -XX:MaxDirectMemorySize=512m -Djava.awt.headless=true ${JAVA_OPT_EXT:-} \
  -Drocketmq.home.dir="$ROCKETMQ_HOME" -cp "$ROCKETMQ_HOME/lib/*" org.apache.rocketmq.broker.BrokerStartup "$@"
EOF
      chroot "$2" chown -R rocketmq:rocketmq /home/rocketmq
      CHANGES=("ENV ROCKETMQ_HOME=$home" "ENV ROCKETMQ_VERSION=$version" 'USER rocketmq' "WORKDIR $home/bin"
        'EXPOSE 9876 10909 10911 10912' 'CMD ["sh", "mqnamesrv"]') ;;
  esac
}

# apache/activemq-artemis and apache/activemq-classic
# shellcheck source=.ci/containers-activemq.sh
. "$ROOT/.ci/containers-activemq.sh"

# what an image is built from: its function, the shared steps, the base, and the jars (names carry versions)
image_key() {
  local name=$1
  {
    declare -f "image_$name" install_packages copy_jars add_user put
    echo "$BASE_TAR"
    [ -z "$JARS" ] || cat "$CLASSPATHS/$JARS.classpath"
  } | sha256sum | cut -c1-16
}

build_image() {
  local name=$1 key current root version
  declare -F "image_$name" >/dev/null || die "no image named $name (known: ${IMAGES[*]})"
  TAG= PACKAGES=() VERSION_OF= JARS= CHANGES=()
  "image_$name" describe
  [ -n "$TAG" ] && [ "${TAG##*:}" != "" ] || die "$name: the image has no version: are test-brokers' classpath files there?"
  ensure_base
  key=$(image_key "$name")
  current=$(docker image inspect -f '{{index .Config.Labels "dev.keel.image-key"}}' "$TAG" 2>/dev/null || true)
  if [ "$current" = "$key" ] && [ "${KEEL_IMAGES_REFRESH:-}" != 1 ]; then
    log "$TAG: up to date (key $key)"
    return
  fi
  local begin=$SECONDS
  root=$DIR/build/$name
  rm -rf "$root"
  mkdir -p "$root"
  tar -C "$root" -xf "$BASE_TAR"
  "image_$name" prepare "$root"
  install_packages "$root" "$name" "${PACKAGES[@]}"
  if [ -n "$VERSION_OF" ]; then
    # the tag must say what is inside: redis:7.0 holds Redis 7.0.x
    version=$(chroot "$root" dpkg-query -W -f '${Version}' "$VERSION_OF")
    version=${version#*:}
    case "$version" in
      "${TAG##*:}".*) ;;
      *) die "$name: Debian's $VERSION_OF is $version, which $TAG does not name: update the tag here and the image the code asks for" ;;
    esac
  fi
  "image_$name" fill "$root"
  rm -rf "$root/var/lib/apt/lists/"* "$root/var/cache/apt/"*.bin "$root/etc/resolv.conf" "$root/tmp/"*
  log "$TAG: importing"
  local changes=() change
  for change in "${CHANGES[@]}" "LABEL dev.keel.image-key=$key" "LABEL dev.keel.built-by=.ci/containers.sh"; do
    changes+=(--change "$change")
  done
  tar -C "$root" -c . | bounded 600 "$name: docker import" docker import "${changes[@]}" - "$TAG" >/dev/null
  rm -rf "$root"
  log "$TAG: built in $((SECONDS - begin)) s${version:+ ($VERSION_OF $version)}"
}

cmd_images() {
  local names=("$@") name
  [ "${#names[@]}" -gt 0 ] || names=("${IMAGES[@]}")
  need_root "building images"
  answers || die "no engine answers on $SOCK: run $0 start"
  ensure_classpaths
  for name in "${names[@]}"; do
    build_image "$name"
  done
}

# ---------------------------------------------------------------------------------------------------------------

cmd_ci() {
  local rc=0
  [ "$#" -gt 0 ] || die "ci needs the command to run inside the namespace"
  mkdir -p "$DIR"
  exec 9> "$DIR/lock"
  flock -w 30 9 || die "another $0 holds $DIR/lock"
  local begin=$SECONDS
  cmd_install
  cmd_start
  if [ "$STARTED_HERE" = 1 ]; then
    # stop the engine however this ends: a signal exits through the EXIT trap too
    trap 'cmd_stop' EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
  fi
  cmd_images
  log "engine and images ready after $((SECONDS - begin)) s; running: $*"
  cmd_run "$@" || rc=$?
  log "the command ended with exit status $rc after $((SECONDS - begin)) s in all"
  return "$rc"
}

command=${1:-}
[ "$#" -gt 0 ] && shift
case "$command" in
  install) cmd_install ;;
  start) mkdir -p "$DIR"; cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  images) cmd_images "$@" ;;
  run) cmd_run "$@" ;;
  ci) cmd_ci "$@" ;;
  *) sed -n '2,12p' "$0" >&2; exit 2 ;;
esac
