package dev.keel.cli.bench;

import dev.keel.cli.broker.BatchWork;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import redis.clients.jedis.AbstractPipeline;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.Response;
import redis.clients.jedis.params.SetParams;

/**
 * The least Redis work a hand-written effectively-once consumer does per batch: a claim of every message before its
 * handler runs ({@code SET key p:<token> NX PX <lease> GET}, one pipeline) and a done mark of every message after
 * ({@code SET key d:<token> XX PX <retention> GET}, a second one), shaped as Keel's Redis store sends them. No
 * renewal, no release, no handler. A raw consume loop keeps polling meanwhile ({@link BatchWork#MAX_BATCHES_IN_FLIGHT}
 * batches at once) while {@link #THREADS} threads, each with a connection of its own, send the batches' pipelines, so
 * that the loop, Redis and the broker overlap as a consumer's would. Every id must be fresh; another answer fails the
 * batch, and with it the run.
 */
final class PipelinedDedup implements BatchWork, AutoCloseable {

    /** Batches sent to Redis at once. */
    static final int THREADS = 2;

    static final long LEASE_MS = 30_000;
    static final long RETENTION_MS = ConsumeBench.NAIVE_KEY_TTL_SECONDS * 1000;

    private final RedisClient redis;
    private final String prefix;
    private final String token = UUID.randomUUID().toString();
    private final SetParams claim = SetParams.setParams().nx().px(LEASE_MS);
    private final SetParams done = SetParams.setParams().xx().px(RETENTION_MS);
    private final ExecutorService senders = Executors.newFixedThreadPool(THREADS, r -> {
        Thread t = new Thread(r, "keel-bench-pipelined-dedup");
        t.setDaemon(true);
        return t;
    });

    /** Keys are {@code prefix + id}: the caller deletes them after the run. */
    PipelinedDedup(RedisClient redis, String prefix) {
        this.redis = redis;
        this.prefix = prefix;
    }

    @Override
    public CompletionStage<?> handle(List<String> ids) {
        return CompletableFuture.runAsync(() -> claimAndMarkDone(ids), senders);
    }

    void claimAndMarkDone(List<String> ids) {
        List<String> keys = new ArrayList<>(ids.size());
        for (String id : ids) {
            keys.add(prefix + id);
        }
        expect(send(keys, "p:" + token, claim), null, "claimed");
        expect(send(keys, "d:" + token, done), "p:" + token, "marked done");
    }

    private List<Response<String>> send(List<String> keys, String value, SetParams params) {
        List<Response<String>> replies = new ArrayList<>(keys.size());
        try (AbstractPipeline pipeline = redis.pipelined()) {
            for (String key : keys) {
                replies.add(pipeline.setGet(key, value, params));
            }
            pipeline.sync();
        }
        return replies;
    }

    @Override
    public void close() {
        senders.shutdownNow();
    }

    private static void expect(List<Response<String>> replies, String previous, String what) {
        for (Response<String> reply : replies) {
            String got = reply.get();
            if (previous == null ? got != null : !previous.equals(got)) {
                throw new IllegalStateException("a fresh id was not " + what + " by the hand-written dedup (Redis "
                        + "answered another value: was the run's key prefix used before?)");
            }
        }
    }
}
