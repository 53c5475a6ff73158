# The ActiveMQ images of .ci/containers.sh, which sources this file: same three calls as its other image_<name>
# functions (describe, prepare, fill), same helpers (jar_version, copy_jars, add_user, put). Each broker starts the
# way test-brokers' local one does (LocalArtemis, LocalActiveMQ), from the jars test-brokers resolves, behind the
# official image's layout and the conventions Testcontainers' ArtemisContainer and ActiveMQContainer rely on.
# shellcheck shell=bash

# apache/activemq-artemis:<version of the artemis-server jar>: Debian's JRE 17 and the Artemis broker jars
# test-brokers runs locally, laid out like the official image: as the artemis user (uid 1001) in
# /var/lib/artemis-instance, /docker-run.sh makes the instance at the first start (etc/ from ARTEMIS_USER,
# ARTEMIS_PASSWORD and ANONYMOUS_LOGIN, then the files of etc-override/) and runs "bin/artemis run", which starts
# Artemis's embedded Main on etc/broker.xml with JAVA_ARGS and JAVA_ARGS_APPEND. The broker: persistent (NIO journal in
# data/), one acceptor on 61616 (CORE only: the other protocols' modules are not in the jars), security on with
# JAAS (the user in role amq, which may do everything; with ANONYMOUS_LOGIN=true anyone else too, as the guest
# ARTEMIS_USER), the address settings of "artemis create" (as test-brokers' ArtemisConfig), the critical analyzer
# off (as the local broker: its default policy halts the broker after a 2-minute stall, which a loaded machine
# causes), audit loggers off (as the official image's logging configuration). No web console: it logs no
# "HTTP Server started" (the harness waits for AMQ221007: Server is now active).
image_artemis() {
  case $1 in
    describe) TAG=apache/activemq-artemis:$(jar_version artemis artemis-server); PACKAGES=(openjdk-17-jre-headless); JARS=artemis ;;
    fill)
      copy_jars artemis "$2/opt/activemq-artemis/lib"
      add_user "$2" artemis 1001 /var/lib/artemis-instance
      put "$2/opt/activemq-artemis/bin/artemis" 755 <<'EOF'
#!/bin/sh
# Keel's local stand-in for an Artemis instance's bin/artemis: "run" only (see .ci/containers-activemq.sh)
if [ "$1" != run ]; then
  echo "this image's artemis only runs the broker: 'run', not '$*'" >&2
  exit 2
fi
instance=$(cd "$(dirname "$0")/.." && pwd)
logging="-Dorg.slf4j.simpleLogger.logFile=System.out -Dorg.slf4j.simpleLogger.defaultLogLevel=info \
  -Dorg.slf4j.simpleLogger.showDateTime=true -Dorg.slf4j.simpleLogger.log.org.apache.activemq.audit=warn"
exec java ${JAVA_ARGS:--Xms512M -Xmx2G} $logging -Djava.security.auth.login.config="$instance/etc/login.config" \
  ${JAVA_ARGS_APPEND:-} -cp '/opt/activemq-artemis/lib/*' org.apache.activemq.artemis.core.server.embedded.Main "$instance"
EOF
      put "$2/docker-run.sh" 755 <<'EOF'
#!/bin/bash
# Keel's local stand-in for the official apache/activemq-artemis image's entrypoint (see .ci/containers-activemq.sh)
set -euo pipefail
cd /var/lib/artemis-instance
if [ ! -f etc/broker.xml ]; then
  mkdir -p bin etc data
  ln -sf /opt/activemq-artemis/bin/artemis bin/artemis
  anonymous=${ANONYMOUS_LOGIN:-false}
  if [ "${anonymous,,}" = true ]; then
    users=sufficient
    guest="  org.apache.activemq.artemis.spi.core.security.jaas.GuestLoginModule sufficient
    org.apache.activemq.jaas.guest.user=\"${ARTEMIS_USER:-artemis}\"
    org.apache.activemq.jaas.guest.role=\"amq\";"
  else
    users=required guest=
  fi
  printf 'activemq {\n  org.apache.activemq.artemis.spi.core.security.jaas.PropertiesLoginModule %s\n    reload=true\n    org.apache.activemq.jaas.properties.user="artemis-users.properties"\n    org.apache.activemq.jaas.properties.role="artemis-roles.properties";\n%s\n};\n' \
    "$users" "$guest" > etc/login.config
  printf '%s = %s\n' "${ARTEMIS_USER:-artemis}" "${ARTEMIS_PASSWORD:-artemis}" > etc/artemis-users.properties
  printf 'amq = %s\n' "${ARTEMIS_USER:-artemis}" > etc/artemis-roles.properties
  permissions=
  for p in createNonDurableQueue deleteNonDurableQueue createDurableQueue deleteDurableQueue createAddress \
      deleteAddress consume browse send manage; do
    permissions+="<permission type=\"$p\" roles=\"amq\"/>"
  done
  data=/var/lib/artemis-instance/data
  cat > etc/broker.xml <<XML
<?xml version="1.0" encoding="UTF-8"?>
<configuration xmlns="urn:activemq" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
               xsi:schemaLocation="urn:activemq /schema/artemis-configuration.xsd">
  <core xmlns="urn:activemq:core">
    <name>artemis</name>
    <persistence-enabled>true</persistence-enabled>
    <journal-type>NIO</journal-type>
    <paging-directory>$data/paging</paging-directory>
    <bindings-directory>$data/bindings</bindings-directory>
    <journal-directory>$data/journal</journal-directory>
    <large-messages-directory>$data/large-messages</large-messages-directory>
    <journal-datasync>true</journal-datasync>
    <journal-min-files>2</journal-min-files>
    <journal-pool-files>10</journal-pool-files>
    <journal-file-size>10M</journal-file-size>
    <security-enabled>true</security-enabled>
    <jmx-management-enabled>false</jmx-management-enabled>
    <critical-analyzer>false</critical-analyzer>
    <security-settings><security-setting match="#">$permissions</security-setting></security-settings>
    <acceptors>
      <acceptor name="artemis">tcp://0.0.0.0:61616?protocols=CORE;securityDomain=activemq</acceptor>
    </acceptors>
    <address-settings>
      <address-setting match="#">
        <dead-letter-address>DLQ</dead-letter-address>
        <expiry-address>ExpiryQueue</expiry-address>
        <redelivery-delay>0</redelivery-delay>
        <max-delivery-attempts>10</max-delivery-attempts>
        <max-size-bytes>-1</max-size-bytes>
        <message-counter-history-day-limit>10</message-counter-history-day-limit>
        <address-full-policy>PAGE</address-full-policy>
        <auto-create-queues>true</auto-create-queues>
        <auto-create-addresses>true</auto-create-addresses>
        <auto-delete-queues>false</auto-delete-queues>
        <auto-delete-addresses>false</auto-delete-addresses>
      </address-setting>
    </address-settings>
    <addresses>
      <address name="DLQ"><anycast><queue name="DLQ"/></anycast></address>
      <address name="ExpiryQueue"><anycast><queue name="ExpiryQueue"/></anycast></address>
    </addresses>
  </core>
</configuration>
XML
  for file in etc-override/*; do
    if [ -f "$file" ]; then
      echo "copying file to etc folder: ${file##*/}"
      cp "$file" etc/
    fi
  done
else
  echo "skipping broker instance creation; instance already exists"
fi
exec ./bin/artemis "$@"
EOF
      chroot "$2" chown -R artemis:artemis /var/lib/artemis-instance
      CHANGES=('ENV ARTEMIS_USER=artemis' 'ENV ARTEMIS_PASSWORD=artemis' 'ENV ANONYMOUS_LOGIN=false' 'USER artemis'
        'WORKDIR /var/lib/artemis-instance' 'EXPOSE 8161 9404 61616 5445 5672 1883 61613'
        'ENTRYPOINT ["/docker-run.sh"]' 'CMD ["run"]') ;;
  esac
}

# apache/activemq-classic:<version of the activemq-broker jar>: Debian's JRE 17 and the ActiveMQ Classic broker jars
# test-brokers runs locally, laid out like the official image: ACTIVEMQ_HOME=/opt/apache-activemq with conf/ and
# data/, its bin on the PATH, /usr/local/bin/entrypoint.sh (ACTIVEMQ_CONNECTION_USER and _PASSWORD add a
# simpleAuthenticationPlugin to conf/activemq.xml once, as the official one does) and "activemq console", which
# runs ActiveMQ's console Main "start xbean:file:conf/activemq.xml" in the foreground (JVM options ACTIVEMQ_OPTS, else
# ACTIVEMQ_OPTS_MEMORY), as root. The default conf/activemq.xml is the local broker's (test-brokers' ActiveMQConfig):
# persistent (KahaDB), the scheduler on, prioritized messages on every queue, JMX off, one OpenWire connector on
# 61616; the harness writes its own over it anyway, so the official image (whose default has neither the scheduler
# nor priorities) serves it too. The broker logs "Apache ActiveMQ <version> (...) started", which ActiveMQContainer
# waits for.
image_activemq() {
  local home=/opt/apache-activemq
  case $1 in
    describe) TAG=apache/activemq-classic:$(jar_version activemq activemq-broker); PACKAGES=(openjdk-17-jre-headless); JARS=activemq ;;
    fill)
      copy_jars activemq "$2$home/lib"
      mkdir -p "$2$home/data"
      put "$2$home/conf/activemq.xml" <<'EOF'
<?xml version="1.0" encoding="UTF-8"?>
<beans xmlns="http://www.springframework.org/schema/beans" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
  xsi:schemaLocation="http://www.springframework.org/schema/beans http://www.springframework.org/schema/beans/spring-beans.xsd
  http://activemq.apache.org/schema/core http://activemq.apache.org/schema/core/activemq-core.xsd">
  <broker xmlns="http://activemq.apache.org/schema/core" brokerName="localhost" dataDirectory="/opt/apache-activemq/data"
      schedulerSupport="true" useJmx="false" persistent="true">
    <destinationPolicy><policyMap><policyEntries>
      <policyEntry queue=">" prioritizedMessages="true"/>
    </policyEntries></policyMap></destinationPolicy>
    <persistenceAdapter><kahaDB directory="/opt/apache-activemq/data/kahadb"/></persistenceAdapter>
    <transportConnectors>
      <transportConnector name="openwire" uri="tcp://0.0.0.0:61616"/>
    </transportConnectors>
  </broker>
</beans>
EOF
      put "$2$home/bin/activemq" 755 <<'EOF'
#!/bin/sh
# Keel's local stand-in for the official apache/activemq-classic image's bin/activemq (see .ci/containers-activemq.sh)
home=${ACTIVEMQ_HOME:-/opt/apache-activemq}
conf=${ACTIVEMQ_CONF:-$home/conf}
case "${1:-}" in
  console) shift; set -- start "xbean:file:$conf/activemq.xml" "$@" ;;
  start|"") echo "this image's activemq runs the broker in the foreground only: 'activemq console'" >&2; exit 2 ;;
esac
logging="-Dorg.slf4j.simpleLogger.logFile=System.out -Dorg.slf4j.simpleLogger.defaultLogLevel=info -Dorg.slf4j.simpleLogger.showDateTime=true"
exec java ${ACTIVEMQ_OPTS:-$ACTIVEMQ_OPTS_MEMORY} -Djava.awt.headless=true $logging -Dactivemq.home="$home" \
  -Dactivemq.base="$home" -Dactivemq.conf="$conf" -Dactivemq.data="$home/data" -cp "$home/lib/*" \
  org.apache.activemq.console.Main "$@"
EOF
      put "$2/usr/local/bin/entrypoint.sh" 755 <<'EOF'
#!/bin/bash
# Keel's local stand-in for the official apache/activemq-classic image's entrypoint (see .ci/containers-activemq.sh)
set -euo pipefail
# the replacements quoted: bash 5.2 would otherwise read & in them as the matched text
xml() { local s=$1; s=${s//&/"&amp;"}; s=${s//</"&lt;"}; s=${s//>/"&gt;"}; s=${s//\"/"&quot;"}; printf '%s' "$s"; }
if [ -n "${ACTIVEMQ_CONNECTION_USER:-}" ] && [ ! -f "$ACTIVEMQ_HOME/conf/connection.security.enabled" ]; then
  echo "Enabling ActiveMQ Connection Security"
  PLUGIN="<plugins><simpleAuthenticationPlugin><users><authenticationUser username=\"$(xml "$ACTIVEMQ_CONNECTION_USER")\" password=\"$(xml "${ACTIVEMQ_CONNECTION_PASSWORD:-}")\" groups=\"users\"/></users></simpleAuthenticationPlugin></plugins>" \
    awk '!done && (i = index($0, "</broker>")) { $0 = substr($0, 1, i - 1) ENVIRON["PLUGIN"] substr($0, i); done = 1 } { print }' \
    "$ACTIVEMQ_HOME/conf/activemq.xml" > "$ACTIVEMQ_HOME/conf/activemq.xml.next"
  mv "$ACTIVEMQ_HOME/conf/activemq.xml.next" "$ACTIVEMQ_HOME/conf/activemq.xml"
  touch "$ACTIVEMQ_HOME/conf/connection.security.enabled"
fi
exec "$@"
EOF
      CHANGES=("ENV ACTIVEMQ_HOME=$home" "ENV ACTIVEMQ_CONF=$home/conf" 'ENV ACTIVEMQ_OPTS_MEMORY="-Xms64M -Xmx1G"'
        "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:$home/bin" "WORKDIR $home"
        'EXPOSE 8161 61616 5672 61613 1883 61614 1099' 'ENTRYPOINT ["/usr/local/bin/entrypoint.sh"]'
        'CMD ["activemq", "console"]') ;;
  esac
}
