package dev.keel.testbrokers.internal.local;

import dev.keel.testbrokers.ArtemisPair;

/**
 * What makes two local Artemis brokers a primary/backup pair with journal replication: each names
 * itself and its peer as connectors, a cluster connection to the peer (static connectors, no message
 * load balancing: only one of the two is active at a time), the cluster user both log in with, and
 * the {@code ha-policy}.
 *
 * <p>Split brain is arbitrated by Artemis's quorum vote, the only arbiter that needs nothing else
 * running (the pluggable lock manager needs ZooKeeper): with a single pair the vote has no voters
 * (Artemis logs {@code AMQ221083: ignoring quorum vote as max cluster size is 1}), so the backup
 * becomes active whenever it loses its replication connection, whether the primary died or only the
 * link between them did. On one machine over 127.0.0.1 that link fails only when the primary dies (or
 * stalls for longer than the cluster connection's TTL, 60 s by default).
 *
 * <p>The primary checks for an active server with its node id when it starts
 * ({@code check-for-active-server}): after a failover it finds the backup serving and becomes that
 * one's backup, copying its journal, instead of serving its own older journal (which would bring back
 * messages the backup delivered since). The backup does not hand over to a returning primary
 * ({@code allow-failback} false; Artemis's default is true): a failback is a second interruption for
 * every client, and Artemis's {@code embedded.Main}, which the harness runs, ends its JVM when its
 * server stops to hand over (seen here: exit code 0 right after
 * {@code AMQ221039: Restarting as replicating backup server after primary restart}).
 */
final class ArtemisPairConfig {
    static final String CLUSTER_USER = "keel-cluster";

    private ArtemisPairConfig() {
    }

    /** The elements of {@code <core>} for one node of the pair. */
    static String clustering(ArtemisPair.Node node, String host, int port, int peerPort, String clusterPassword) {
        String policy = node == ArtemisPair.Node.PRIMARY
                ? "<primary><check-for-active-server>true</check-for-active-server></primary>"
                : "<backup><allow-failback>false</allow-failback></backup>";
        return String.join("\n",
                "    <cluster-user>" + CLUSTER_USER + "</cluster-user>",
                "    <cluster-password>" + ArtemisConfig.xml(clusterPassword) + "</cluster-password>",
                "    <connectors>",
                "      <connector name=\"self\">tcp://" + host + ":" + port + "</connector>",
                "      <connector name=\"peer\">tcp://" + host + ":" + peerPort + "</connector>",
                "    </connectors>",
                "    <cluster-connections>",
                "      <cluster-connection name=\"keel-pair\">",
                "        <connector-ref>self</connector-ref>",
                "        <message-load-balancing>OFF</message-load-balancing>",
                "        <max-hops>1</max-hops>",
                "        <static-connectors><connector-ref>peer</connector-ref></static-connectors>",
                "      </cluster-connection>",
                "    </cluster-connections>",
                "    <ha-policy><replication>" + policy + "</replication></ha-policy>");
    }
}
