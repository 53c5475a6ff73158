package dev.keel.dedup.redis.internal;

import java.util.ArrayList;
import java.util.List;
import redis.clients.jedis.AbstractPipeline;
import redis.clients.jedis.Response;
import redis.clients.jedis.exceptions.JedisConnectionException;
import redis.clients.jedis.exceptions.JedisException;
import redis.clients.jedis.exceptions.JedisNoScriptException;
import redis.clients.jedis.exceptions.JedisRedirectionException;

/**
 * Runs the lease scripts by SHA-1 (EVALSHA) so that a call sends a few short strings, not the
 * script. A server that does not know a script yet (first use, a restart, SCRIPT FLUSH, a cluster
 * node added later) answers NOSCRIPT without running anything; the call is then repeated with EVAL,
 * which runs the script and caches it on that server. Either way a call is one script run.
 *
 * <p>Batches of script runs (each over one key, or over several keys of one hash slot) go in one
 * pipeline (on a cluster one per node, synced in parallel). Entries that come
 * back NOSCRIPT are repeated together in a second pipeline with EVAL; entries a cluster redirected
 * (MOVED/ASK, the slot map changed) are repeated one by one through the client, which follows
 * redirections. Neither reply runs the script, so repeating is safe. Other failures are handed back
 * per entry: on a cluster, a node that cannot be reached fails its own entries while the other nodes
 * answer theirs; on a standalone server a broken connection fails the whole batch (thrown).
 */
public final class ScriptExecutor {

    private final RedisConnection connection;

    public ScriptExecutor(RedisConnection connection) {
        this.connection = connection;
    }

    /** Runs {@code script} on {@code key}; Jedis exceptions pass through. */
    public long run(Script script, String key, List<String> args) {
        return (Long) run(script, new Call(List.of(key), args));
    }

    /** Runs {@code script} once; Jedis exceptions pass through. */
    public Object run(Script script, Call call) {
        if (connection.config().replicaAcks() > 0) {
            // the wait for replicas must follow the script on the same connection: through a pipeline of one
            Reply reply = runAll(script, List.of(call)).get(0);
            if (reply.failed()) {
                throw reply.error();
            }
            return reply.value();
        }
        try {
            return connection.client().evalsha(script.sha1(), call.keys(), call.args());
        } catch (JedisNoScriptException e) {
            return connection.client().eval(script.body(), call.keys(), call.args());
        }
    }

    /** Runs {@code script} once per call, all in one pipelined round trip; replies in the order of {@code calls}. */
    public List<Reply> runAll(Script script, List<Call> calls) {
        List<Reply> replies = pipelined(script, calls, true);
        List<Integer> noScript = indexesFailedWith(replies, JedisNoScriptException.class);
        if (!noScript.isEmpty()) {
            List<Reply> again = pipelined(script, select(calls, noScript), false);
            for (int i = 0; i < noScript.size(); i++) {
                replies.set(noScript.get(i), again.get(i));
            }
        }
        List<Integer> redirected = indexesFailedWith(replies, JedisRedirectionException.class);
        if (!redirected.isEmpty()) {
            connection.refreshTopology();
            if (connection.config().replicaAcks() > 0) {
                // once more, pipelined with their waits for replicas, to the nodes the new topology names (with
                // the script's body: a promoted replica may not have it cached)
                List<Reply> again = pipelined(script, select(calls, redirected), false);
                for (int i = 0; i < redirected.size(); i++) {
                    replies.set(redirected.get(i), again.get(i));
                }
            } else {
                for (int i : redirected) {
                    replies.set(i, runOne(script, calls.get(i)));
                }
            }
        }
        return replies;
    }

    private Reply runOne(Script script, Call call) {
        try {
            return Reply.of(run(script, call));
        } catch (RuntimeException e) {
            return Reply.failed(e);
        }
    }

    private List<Reply> pipelined(Script script, List<Call> calls, boolean bySha) {
        List<Response<Object>> responses = new ArrayList<>(calls.size());
        List<Response<Long>> replicaAcks = new ArrayList<>(calls.size());
        List<RuntimeException> sendErrors = new ArrayList<>(calls.size());
        int replicas = connection.config().replicaAcks();
        long waitMillis = connection.config().replicaAckTimeout().toMillis();
        try (AbstractPipeline pipeline = connection.pipeline()) {
            for (Call call : calls) {
                try {
                    responses.add(bySha ? pipeline.evalsha(script.sha1(), call.keys(), call.args())
                            : pipeline.eval(script.body(), call.keys(), call.args()));
                    // WAIT covers every earlier write of this connection: on a cluster, the pipeline's
                    // connection to the node of this call's keys
                    replicaAcks.add(replicas > 0 ? pipeline.waitReplicas(call.keys().get(0), replicas, waitMillis) : null);
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

    private static Reply replyOf(Response<Object> response) {
        try {
            return Reply.of(response.get());
        } catch (IllegalStateException e) {
            return Reply.failed(new JedisConnectionException(
                    "no reply: the connection to this entry's Redis node failed during the pipelined batch", e));
        } catch (RuntimeException e) {
            return Reply.failed(e);
        }
    }

    private static List<Integer> indexesFailedWith(List<Reply> replies, Class<? extends RuntimeException> type) {
        List<Integer> indexes = new ArrayList<>();
        for (int i = 0; i < replies.size(); i++) {
            if (type.isInstance(replies.get(i).error())) {
                indexes.add(i);
            }
        }
        return indexes;
    }

    private static <T> List<T> select(List<T> values, List<Integer> indexes) {
        List<T> selected = new ArrayList<>(indexes.size());
        for (int i : indexes) {
            selected.add(values.get(i));
        }
        return selected;
    }
}
