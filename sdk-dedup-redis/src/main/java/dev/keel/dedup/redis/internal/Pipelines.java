package dev.keel.dedup.redis.internal;

import java.util.ArrayList;
import java.util.List;
import redis.clients.jedis.AbstractPipeline;
import redis.clients.jedis.Response;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.exceptions.JedisConnectionException;
import redis.clients.jedis.exceptions.JedisException;
import redis.clients.jedis.exceptions.JedisRedirectionException;

/**
 * Sends one command per entry of a batch in one pipelined round trip (on a cluster one pipeline per
 * node, synced in parallel), followed by one {@code WAIT} per connection when writes must be acknowledged
 * by replicas ({@code RedisStoreConfig.replicaAcks}; {@link ReplicaWaits}). Failures are handed back per entry:
 * on a cluster, a node that cannot be reached fails its own entries while the other nodes answer theirs;
 * on a standalone server a broken connection fails the whole batch (thrown).
 *
 * <p>Entries a cluster redirected (MOVED/ASK: the slot map changed) ran nothing, so repeating them is
 * safe: {@link #repeatRedirected} reloads the slot map and repeats them one by one through the client,
 * which follows redirections, or, when replicas must acknowledge, pipelined again with their waits.
 */
public final class Pipelines {

    /** One entry's command: how it is sent in a pipeline, and how it runs alone through the client. */
    public interface Command<E> {

        Response<?> send(AbstractPipeline pipeline, E entry);

        Object run(UnifiedJedis client, E entry);

        /** A key of the entry: names the cluster node whose connection the wait for replicas must use. */
        String key(E entry);
    }

    private final RedisConnection connection;

    public Pipelines(RedisConnection connection) {
        this.connection = connection;
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

    /** {@link #repeatRedirected(List, List, Command)}, waiting for replicas only if {@code awaitReplicas}. */
    public <E> void repeatRedirected(List<Reply> replies, List<E> entries, Command<E> command, boolean awaitReplicas) {
        List<Integer> redirected = indexesFailedWith(replies, JedisRedirectionException.class);
        if (redirected.isEmpty()) {
            return;
        }
        connection.refreshTopology();
        if (awaitReplicas) {
            // once more, pipelined with their waits for replicas, to the nodes the new topology names
            List<Reply> again = send(select(entries, redirected), command, true);
            for (int i = 0; i < redirected.size(); i++) {
                replies.set(redirected.get(i), again.get(i));
            }
            return;
        }
        for (int i : redirected) {
            replies.set(i, runOne(command, entries.get(i)));
        }
    }

    private <E> Reply runOne(Command<E> command, E entry) {
        try {
            return Reply.of(command.run(connection.client(), entry));
        } catch (RuntimeException e) {
            return Reply.failed(e);
        }
    }

    private static Reply replyOf(Response<?> response) {
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
