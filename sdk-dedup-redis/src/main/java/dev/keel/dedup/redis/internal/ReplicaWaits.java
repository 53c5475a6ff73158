package dev.keel.dedup.redis.internal;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import redis.clients.jedis.AbstractPipeline;
import redis.clients.jedis.Response;
import redis.clients.jedis.exceptions.JedisException;

/**
 * The waits for replicas of one pipelined batch ({@code RedisStoreConfig.replicaAcks}): one {@code WAIT} per
 * connection, after that connection's last write (standalone: one; cluster: one per node), because WAIT
 * covers every earlier write of its connection. Its count then applies to every entry sent on that
 * connection. One WAIT per entry would run one after another on the server: one replica round trip per
 * id, and with a replica down one whole timeout per id.
 *
 * <p>A pipeline to one node (the target of ASK redirections, {@link AskRedirects}) has one connection: its WAIT
 * goes after its last entry, whatever the slot map says of their keys.
 */
final class ReplicaWaits {

    private final RedisConnection connection;
    private final int asked;
    private final Function<String, Object> nodeOf;
    private final List<Object> nodeOfEntry = new ArrayList<>();
    private final Map<Object, String> lastKeyOfNode = new LinkedHashMap<>();
    private final Map<Object, Response<Long>> acks = new HashMap<>();
    private final Map<Object, RuntimeException> waitErrors = new HashMap<>();

    /** {@code asked}: replicas that must acknowledge; 0 waits for none. Entries go to their key's node. */
    ReplicaWaits(RedisConnection connection, int asked) {
        this(connection, asked, connection::nodeOf);
    }

    /** {@code nodeOf}: the connection (node) an entry with that key is sent on. */
    ReplicaWaits(RedisConnection connection, int asked, Function<String, Object> nodeOf) {
        this.connection = connection;
        this.asked = asked;
        this.nodeOf = nodeOf;
    }

    /** Records the next entry of the batch: sent with its key, or ({@code key} null) not sent. */
    void entry(String key) {
        if (asked == 0 || key == null) {
            nodeOfEntry.add(null);
            return;
        }
        Object node = nodeOf.apply(key);
        nodeOfEntry.add(node);
        lastKeyOfNode.put(node, key);
    }

    /** Appends one WAIT per connection the batch wrote to; call after the batch's last entry. */
    void append(AbstractPipeline pipeline) {
        long timeoutMillis = connection.config().replicaAckTimeout().toMillis();
        for (Map.Entry<Object, String> node : lastKeyOfNode.entrySet()) {
            try {
                // routed by the key, as that node's entries were: on a cluster, the pipeline's connection to it
                acks.put(node.getKey(), pipeline.waitReplicas(node.getValue(), asked, timeoutMillis));
            } catch (JedisException e) {
                if (!connection.isCluster()) {
                    throw e;
                }
                waitErrors.put(node.getKey(), e);
            }
        }
    }

    /** The reply of entry {@code index}, failed if its connection's replicas did not acknowledge it (after sync). */
    Reply judge(int index, Reply reply) {
        if (asked == 0 || reply.failed()) {
            return reply;
        }
        Object node = nodeOfEntry.get(index);
        RuntimeException waitError = waitErrors.get(node);
        if (waitError != null) {
            return reply.unconfirmed(waitError);
        }
        try {
            long count = acks.get(node).get();
            return count >= asked ? reply : reply.unconfirmed(
                    new NotReplicatedException(count, asked, connection.config().replicaAckTimeout()));
        } catch (RuntimeException e) {
            // a cluster node that failed during sync leaves its responses unset
            return reply.unconfirmed(e);
        }
    }
}
