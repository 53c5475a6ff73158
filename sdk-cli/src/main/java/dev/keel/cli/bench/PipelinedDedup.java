package dev.keel.cli.bench;

import dev.keel.cli.broker.BatchWork;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
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
 * ({@code SET key d:<token> XX PX <retention> GET}), shaped as Keel's Redis store sends them. No renewal, no release,
 * no handler. A raw consume loop keeps polling meanwhile ({@link BatchWork#MAX_BATCHES_IN_FLIGHT} batches at once)
 * while {@link #THREADS} threads, each with a connection of its own, send the batches' pipelines, so that the loop,
 * Redis and the broker overlap as a consumer's would. Every id must be fresh; another answer fails the batch, and with
 * it the run.
 *
 * <p>Two shapes. {@link #wholeBatches}: a batch's done marks in one second pipeline, so a key with several messages in
 * the batch has them all between their effects and their done marks at once. {@link #keyOrdered}: what Keel's
 * {@code EFFECTIVELY_ONCE} keeps, a key's message marked done before its next message's effect: the done marks go in
 * rounds, round {@code i} holding each key's {@code i}-th message of the batch, one pipeline a round, and the rounds of
 * every batch run one after the other on one thread, in the order the batches were received (their claims go ahead
 * on the other threads).
 */
final class PipelinedDedup implements BatchWork, AutoCloseable {

    /** Batches sent to Redis at once. */
    static final int THREADS = 2;

    static final long LEASE_MS = 30_000;
    static final long RETENTION_MS = ConsumeBench.NAIVE_KEY_TTL_SECONDS * 1000;

    private final RedisClient redis;
    private final String prefix;
    private final boolean keyOrdered;
    private final String token = UUID.randomUUID().toString();
    private final SetParams claim = SetParams.setParams().nx().px(LEASE_MS);
    private final SetParams done = SetParams.setParams().xx().px(RETENTION_MS);
    private final ExecutorService senders = Executors.newFixedThreadPool(THREADS, r -> daemon(r,
            "keel-bench-pipelined-dedup"));
    /** The done-mark rounds of the key-ordered shape, one batch after the other. */
    private final ExecutorService rounds = Executors.newSingleThreadExecutor(r -> daemon(r,
            "keel-bench-pipelined-dedup-rounds"));
    /** The key-ordered shape's last batch: the next batch's rounds start after its rounds. */
    private CompletableFuture<Void> lastRounds = CompletableFuture.completedFuture(null);

    private PipelinedDedup(RedisClient redis, String prefix, boolean keyOrdered) {
        this.redis = redis;
        this.prefix = prefix;
        this.keyOrdered = keyOrdered;
    }

    /** A batch's claims in one pipeline, then its done marks in a second. Keys are {@code prefix + id}: the caller deletes them. */
    static PipelinedDedup wholeBatches(RedisClient redis, String prefix) {
        return new PipelinedDedup(redis, prefix, false);
    }

    /** A batch's claims in one pipeline, then its done marks in key rounds, in the order received. */
    static PipelinedDedup keyOrdered(RedisClient redis, String prefix) {
        return new PipelinedDedup(redis, prefix, true);
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    /** Called by the loop's one thread, batch after batch. */
    @Override
    public CompletionStage<?> handle(List<Received> batch) {
        if (!keyOrdered) {
            return CompletableFuture.runAsync(() -> {
                List<String> keys = keysOf(batch);
                claim(keys);
                markDone(keys);
            }, senders);
        }
        CompletableFuture<Void> claimed = CompletableFuture.runAsync(() -> claim(keysOf(batch)), senders);
        // a batch whose claim failed fails; the next batches' rounds still wait for its turn, then go on
        lastRounds = CompletableFuture.allOf(lastRounds.exceptionally(e -> null), claimed)
                .thenRunAsync(() -> {
                    for (List<String> round : roundsOf(batch)) {
                        markDone(round);
                    }
                }, rounds);
        return lastRounds;
    }

    /** Round {@code i}: each key's {@code i}-th message of the batch, as keys of the store. */
    List<List<String>> roundsOf(List<Received> batch) {
        List<List<String>> result = new ArrayList<>();
        Map<String, Integer> seen = new HashMap<>();
        for (Received message : batch) {
            int round = seen.merge(message.key(), 1, Integer::sum) - 1;
            if (round == result.size()) {
                result.add(new ArrayList<>());
            }
            result.get(round).add(prefix + message.id());
        }
        return result;
    }

    private List<String> keysOf(List<Received> batch) {
        List<String> keys = new ArrayList<>(batch.size());
        for (Received message : batch) {
            keys.add(prefix + message.id());
        }
        return keys;
    }

    private void claim(List<String> keys) {
        expect(send(keys, "p:" + token, claim), null, "claimed");
    }

    private void markDone(List<String> keys) {
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
        rounds.shutdownNow();
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
