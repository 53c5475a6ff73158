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
 * node, synced in parallel), each followed by {@code WAIT} on the same connection when writes must be
 * acknowledged by replicas ({@code RedisStoreConfig.replicaAcks}). Failures are handed back per entry:
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

    /** Sends every entry's command in one pipelined round trip; replies in the order of {@code entries}. */
    public <E> List<Reply> send(List<E> entries, Command<E> command) {
        List<Response<?>> responses = new ArrayList<>(entries.size());
        List<Response<Long>> replicaAcks = new ArrayList<>(entries.size());
        List<RuntimeException> sendErrors = new ArrayList<>(entries.size());
        int replicas = connection.config().replicaAcks();
        long waitMillis = connection.config().replicaAckTimeout().toMillis();
        try (AbstractPipeline pipeline = connection.pipeline()) {
            for (E entry : entries) {
                try {
                    responses.add(command.send(pipeline, entry));
                    // WAIT covers every earlier write of this connection: on a cluster, the pipeline's
                    // connection to the node of this entry's key
                    replicaAcks.add(replicas > 0 ? pipeline.waitReplicas(command.key(entry), replicas, waitMillis) : null);
                    sendErrors.add(null);
                } catch (JedisException e) {
                    // a cluster node that cannot be reached fails only its own entries; the others go on
                    if (!connection.isCluster()) {
                        throw e;
                    }
                    responses.add(null);
                    replicaAcks.add(null);
                    sendErrors.add(e);
                }
            }
            pipeline.sync();
        }
        List<Reply> replies = new ArrayList<>(responses.size());
        for (int i = 0; i < responses.size(); i++) {
            Reply reply = sendErrors.get(i) != null ? Reply.failed(sendErrors.get(i)) : replyOf(responses.get(i));
            replies.add(reply.failed() || replicaAcks.get(i) == null ? reply : replicated(reply, replicaAcks.get(i)));
        }
        return replies;
    }

    /** Repeats the entries whose reply is a redirection, and puts their new replies in their place. */
    public <E> void repeatRedirected(List<Reply> replies, List<E> entries, Command<E> command) {
        List<Integer> redirected = indexesFailedWith(replies, JedisRedirectionException.class);
        if (redirected.isEmpty()) {
            return;
        }
        connection.refreshTopology();
        if (connection.config().replicaAcks() > 0) {
            // once more, pipelined with their waits for replicas, to the nodes the new topology names
            List<Reply> again = send(select(entries, redirected), command);
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

    /** A reply, or its error; a cluster node that failed during sync leaves its responses unset. */
    private Reply replicated(Reply reply, Response<Long> acknowledged) {
        int asked = connection.config().replicaAcks();
        try {
            long count = acknowledged.get();
            return count >= asked ? reply
                    : Reply.failed(new NotReplicatedException(count, asked, connection.config().replicaAckTimeout()));
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
