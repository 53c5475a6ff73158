package dev.keel.cli.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import redis.clients.jedis.AbstractPipeline;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.Response;
import redis.clients.jedis.params.SetParams;

/**
 * The two Redis writes per message of the bench's hand-written effectively-once loops, shaped as Keel's Redis store
 * sends them and pipelined: a claim ({@code SET key p:<token> NX PX <lease> GET}) and a done mark ({@code SET key
 * d:<token> XX PX <retention> GET}). Every id must be fresh; another answer throws, and fails the run.
 */
interface DedupWrites {

    long LEASE_MS = 30_000;
    long RETENTION_MS = ConsumeBench.NAIVE_KEY_TTL_SECONDS * 1000;

    /** Claims each of {@code keys} in one pipeline. */
    void claim(List<String> keys);

    /** Marks each of {@code keys}, claimed before, done in one pipeline. */
    void markDone(List<String> keys);

    /** The writes on {@code redis}, with a token of their own. */
    static DedupWrites on(RedisClient redis) {
        String token = UUID.randomUUID().toString();
        SetParams claim = SetParams.setParams().nx().px(LEASE_MS);
        SetParams done = SetParams.setParams().xx().px(RETENTION_MS);
        return new DedupWrites() {
            @Override
            public void claim(List<String> keys) {
                expect(send(redis, keys, "p:" + token, claim), null, "claimed");
            }

            @Override
            public void markDone(List<String> keys) {
                expect(send(redis, keys, "d:" + token, done), "p:" + token, "marked done");
            }
        };
    }

    private static List<Response<String>> send(RedisClient redis, List<String> keys, String value, SetParams params) {
        List<Response<String>> replies = new ArrayList<>(keys.size());
        try (AbstractPipeline pipeline = redis.pipelined()) {
            for (String key : keys) {
                replies.add(pipeline.setGet(key, value, params));
            }
            pipeline.sync();
        }
        return replies;
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
