package dev.keel.testbrokers;

import dev.keel.testbrokers.internal.local.LocalRedisCluster;
import java.time.Duration;
import java.util.List;

/**
 * A Redis Cluster for failover tests: three masters with one replica each, six local redis-server
 * processes on 127.0.0.1 (the Debian package's {@code redis-server} and {@code redis-cli}), started once
 * per test JVM on first use and stopped when it exits. A master unreachable for 2 s is replaced by its
 * replica. Nodes are named by port. Pausing a node (SIGSTOP) needs Linux.
 */
public final class RedisCluster {

    private final LocalRedisCluster cluster;

    private RedisCluster(LocalRedisCluster cluster) {
        this.cluster = cluster;
    }

    /** The cluster of this test JVM, serving every slot. */
    public static RedisCluster local() {
        return new RedisCluster(LocalRedisCluster.get());
    }

    /** Every node as {@code host:port}, for a client's seed list. */
    public List<String> seedNodes() {
        return cluster.ports().stream().map(p -> "127.0.0.1:" + p).toList();
    }

    /** The port of the master serving {@code key} now. */
    public int masterOf(String key) {
        return cluster.masterOf(key);
    }

    /** The port of the master serving hash slot {@code slot} now (during a migration: the source). */
    public int masterOfSlot(int slot) {
        return cluster.masterOfSlot(slot);
    }

    /** The ports of the live masters. */
    public List<Integer> masters() {
        return cluster.masters();
    }

    /**
     * Starts moving hash slot {@code slot} to the master at {@code targetPort}, as {@code redis-cli --cluster
     * reshard} does: {@code CLUSTER SETSLOT slot IMPORTING} on the target, then {@code MIGRATING} on the source.
     * Until {@link #endSlotMigration}, the source serves the slot's keys it still has and answers ASK for the
     * others.
     */
    public void beginSlotMigration(int slot, int targetPort) {
        cluster.beginSlotMigration(slot, targetPort);
    }

    /** Moves {@code keys} (of the migrating {@code slot}) from the source to the target with {@code MIGRATE}. */
    public void migrateKeys(int slot, int targetPort, List<String> keys) {
        cluster.migrateKeys(slot, targetPort, keys);
    }

    /**
     * Ends the migration: moves the slot's remaining keys, then assigns it to the target on every master
     * ({@code CLUSTER SETSLOT slot NODE}). A client with the old slot map then gets MOVED from the source.
     */
    public void endSlotMigration(int slot, int targetPort) {
        cluster.endSlotMigration(slot, targetPort);
    }

    /** The port of a live replica of the master at {@code masterPort}. */
    public int replicaOf(int masterPort) {
        return cluster.replicaOf(masterPort);
    }

    /** Kills the node with -9; its replica takes over after the node timeout. */
    public void kill(int port) {
        cluster.kill(port);
    }

    /** Starts a killed node again, empty: it rejoins and resynchronises as a replica. */
    public void restart(int port) {
        cluster.restart(port);
    }

    /** Freezes the node (SIGSTOP): it answers nothing, and replicates nothing, until {@link #resume}. */
    public void pause(int port) {
        cluster.pause(port);
    }

    /**
     * Closes the replication connections of the master at {@code masterPort}. With its replica
     * {@link #pause paused} first, what the master writes next reaches no replica at all (a paused
     * replica would still receive it into its socket buffer, and apply it once resumed).
     */
    public void cutReplicaLinks(int masterPort) {
        cluster.cutReplicaLinks(masterPort);
    }

    /** Lets a paused node run again (SIGCONT). */
    public void resume(int port) {
        cluster.resume(port);
    }

    /** Waits until every live node reports that each slot has a live master, and every live replica is linked. */
    public void awaitServing(Duration timeout) {
        cluster.awaitServing(timeout);
    }
}
