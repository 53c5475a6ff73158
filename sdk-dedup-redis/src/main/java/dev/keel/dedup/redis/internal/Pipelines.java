package dev.keel.dedup.redis.internal;

import java.util.ArrayList;
import java.util.List;
import redis.clients.jedis.AbstractPipeline;
import redis.clients.jedis.Response;
import redis.clients.jedis.exceptions.JedisAskDataException;
import redis.clients.jedis.exceptions.JedisConnectionException;
import redis.clients.jedis.exceptions.JedisException;
import redis.clients.jedis.exceptions.JedisMovedDataException;

/**
 * Sends one command per entry of a batch in one pipelined round trip (on a cluster one pipeline per
 * node, synced in parallel), followed by one {@code WAIT} per connection when writes must be acknowledged
 * by replicas ({@code RedisStoreConfig.replicaAcks}; {@link ReplicaWaits}). Failures are handed back per entry:
 * on a cluster, a node that cannot be reached fails its own entries while the other nodes answer theirs;
 * on a standalone server a broken connection fails the whole batch (thrown).
 *
 * <p>Entries a cluster redirected (MOVED: the slot map changed; ASK: the slot is migrating) ran nothing, so
 * repeating them is safe: {@link #repeatRedirected} follows MOVED by reloading the slot map and sending the entries
 * again, and ASK by sending them to the node it names, each after {@code ASKING} ({@link AskRedirects}); both
 * pipelined, with their waits for replicas on the connection that wrote.
 */
public final class Pipelines {

    /** One entry's command: how it is sent in a pipeline. */
    public interface Command<E> {

        Response<?> send(AbstractPipeline pipeline, E entry);

        /** A key of the entry: names the cluster node whose connection the wait for replicas must use. */
        String key(E entry);
    }

    /** Redirections followed per entry before its redirection is its failure: a migration under way takes one. */
    static final int MAX_REDIRECTIONS = 3;

    private final RedisConnection connection;
    private final AskRedirects askRedirects;

    public Pipelines(RedisConnection connection) {
        this.connection = connection;
        this.askRedirects = new AskRedirects(connection);
    }

    /**
     * Sends every entry's command in one pipelined round trip, then waits for replicas once per connection
     * when they must acknowledge ({@link ReplicaWaits}); replies in the order of {@code entries}.
     */
    public <E> List<Reply> send(List<E> entries, Command<E> command) {
        return send(entries, command, connection.config().replicaAcks() > 0);
    }

    /**
     * {@link #send(List, Command)}; {@code awaitReplicas} false sends no WAIT whatever the config says (for
     * best-effort writes, such as releasing the claims of a failed batch, that gain nothing from one).
     */
    public <E> List<Reply> send(List<E> entries, Command<E> command, boolean awaitReplicas) {
        List<Response<?>> responses = new ArrayList<>(entries.size());
        List<RuntimeException> sendErrors = new ArrayList<>(entries.size());
        ReplicaWaits waits = new ReplicaWaits(connection, awaitReplicas ? connection.config().replicaAcks() : 0);
        try (AbstractPipeline pipeline = connection.pipeline()) {
            for (E entry : entries) {
                try {
                    responses.add(command.send(pipeline, entry));
                    sendErrors.add(null);
                    waits.entry(command.key(entry));
                } catch (JedisException e) {
                    // a cluster node that cannot be reached fails only its own entries; the others go on
                    if (!connection.isCluster()) {
                        throw e;
                    }
                    responses.add(null);
                    sendErrors.add(e);
                    waits.entry(null);
                }
            }
            waits.append(pipeline);
            pipeline.sync();
        }
        List<Reply> replies = new ArrayList<>(responses.size());
        for (int i = 0; i < responses.size(); i++) {
            Reply reply = sendErrors.get(i) != null ? Reply.failed(sendErrors.get(i)) : replyOf(responses.get(i));
            replies.add(waits.judge(i, reply));
        }
        return replies;
    }

    /** Repeats the entries whose reply is a redirection, and puts their new replies in their place. */
    public <E> void repeatRedirected(List<Reply> replies, List<E> entries, Command<E> command) {
        repeatRedirected(replies, entries, command, connection.config().replicaAcks() > 0);
    }

    /**
     * {@link #repeatRedirected(List, List, Command)}, waiting for replicas only if {@code awaitReplicas}. Follows
     * at most {@link #MAX_REDIRECTIONS} redirections per entry (as a cluster client does); an entry still
     * redirected after that keeps the redirection as its failure.
     */
    public <E> void repeatRedirected(List<Reply> replies, List<E> entries, Command<E> command, boolean awaitReplicas) {
        for (int round = 0; round < MAX_REDIRECTIONS; round++) {
            List<Integer> moved = indexesFailedWith(replies, JedisMovedDataException.class);
            if (!moved.isEmpty()) {
                // once more, to the nodes the reloaded slot map names
                connection.refreshTopology();
                put(replies, moved, send(select(entries, moved), command, awaitReplicas));
            }
            List<Integer> asked = indexesFailedWith(replies, JedisAskDataException.class);
            if (!asked.isEmpty()) {
                List<JedisAskDataException> redirections = new ArrayList<>(asked.size());
                asked.forEach(i -> redirections.add((JedisAskDataException) replies.get(i).error()));
                put(replies, asked, askRedirects.follow(select(entries, asked), redirections, command, awaitReplicas));
            }
            if (moved.isEmpty() && asked.isEmpty()) {
                return;
            }
        }
    }

    private static void put(List<Reply> replies, List<Integer> indexes, List<Reply> again) {
        for (int i = 0; i < indexes.size(); i++) {
            replies.set(indexes.get(i), again.get(i));
        }
    }

    static Reply replyOf(Response<?> response) {
        try {
            return Reply.of(response.get());
        } catch (IllegalStateException e) {
            return Reply.failed(new JedisConnectionException(
                    "no reply: the connection to this entry's Redis node failed during the pipelined batch", e));
        } catch (RuntimeException e) {
            return Reply.failed(e);
        }
    }

    static List<Integer> indexesFailedWith(List<Reply> replies, Class<? extends RuntimeException> type) {
        List<Integer> indexes = new ArrayList<>();
        for (int i = 0; i < replies.size(); i++) {
            if (type.isInstance(replies.get(i).error())) {
                indexes.add(i);
            }
        }
        return indexes;
    }

    static <T> List<T> select(List<T> values, List<Integer> indexes) {
        List<T> selected = new ArrayList<>(indexes.size());
        for (int i : indexes) {
            selected.add(values.get(i));
        }
        return selected;
    }
}
