package dev.keel.dedup.redis.internal;

import java.util.List;
import redis.clients.jedis.AbstractPipeline;
import redis.clients.jedis.Response;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.exceptions.JedisNoScriptException;

/**
 * Runs the lease scripts by SHA-1 (EVALSHA) so that a call sends a few short strings, not the
 * script. A server that does not know a script yet (first use, a restart, SCRIPT FLUSH, a cluster
 * node added later) answers NOSCRIPT without running anything; the call is then repeated with EVAL,
 * which runs the script and caches it on that server. Either way a call is one script run.
 *
 * <p>Batches of script runs (each over one key, or over several keys of one hash slot) go in one
 * pipeline ({@link Pipelines}: on a cluster one per node, synced in parallel). Entries that come back
 * NOSCRIPT are repeated together in a second pipeline with EVAL; entries a cluster redirected
 * (MOVED: the slot map changed; ASK: the slot is migrating) are repeated as {@link Pipelines#repeatRedirected}
 * does, with the script's body (a promoted replica, or the node a slot migrates to, may not have it cached).
 * Neither reply runs the script, so repeating is safe.
 */
public final class ScriptExecutor {

    private final RedisConnection connection;
    private final Pipelines pipelines;

    public ScriptExecutor(RedisConnection connection) {
        this.connection = connection;
        this.pipelines = new Pipelines(connection);
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
        return runBySha(connection.client(), script, call);
    }

    /**
     * Runs {@code script} once per call, all in one pipelined round trip, waiting for replicas once per
     * connection when the config asks so; replies in the order of {@code calls}.
     */
    public List<Reply> runAll(Script script, List<Call> calls) {
        return runAll(script, calls, connection.config().replicaAcks() > 0);
    }

    /** {@link #runAll(Script, List)}; {@code awaitReplicas} false sends no WAIT (best-effort writes). */
    public List<Reply> runAll(Script script, List<Call> calls, boolean awaitReplicas) {
        List<Reply> replies = pipelines.send(calls, new ScriptCommand(script, true), awaitReplicas);
        List<Integer> noScript = Pipelines.indexesFailedWith(replies, JedisNoScriptException.class);
        ScriptCommand byBody = new ScriptCommand(script, false);
        if (!noScript.isEmpty()) {
            List<Reply> again = pipelines.send(Pipelines.select(calls, noScript), byBody, awaitReplicas);
            for (int i = 0; i < noScript.size(); i++) {
                replies.set(noScript.get(i), again.get(i));
            }
        }
        pipelines.repeatRedirected(replies, calls, byBody, awaitReplicas);
        return replies;
    }

    private static Object runBySha(UnifiedJedis client, Script script, Call call) {
        try {
            return client.evalsha(script.sha1(), call.keys(), call.args());
        } catch (JedisNoScriptException e) {
            return client.eval(script.body(), call.keys(), call.args());
        }
    }

    /** A script run, pipelined: by SHA-1 or with the body. */
    private record ScriptCommand(Script script, boolean bySha) implements Pipelines.Command<Call> {

        @Override
        public Response<?> send(AbstractPipeline pipeline, Call call) {
            return bySha ? pipeline.evalsha(script.sha1(), call.keys(), call.args())
                    : pipeline.eval(script.body(), call.keys(), call.args());
        }

        @Override
        public String key(Call call) {
            return call.keys().get(0);
        }
    }
}
