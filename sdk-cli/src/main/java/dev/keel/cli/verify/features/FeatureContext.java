package dev.keel.cli.verify.features;

import dev.keel.TopicSpec;
import dev.keel.core.Keel;
import dev.keel.dedup.IdempotencyPolicy;
import dev.keel.spi.BrokerAdapter;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;

/** What a workload runs with: the Keel, the run's settings, its topics (deleted at the end). */
record FeatureContext(Keel keel, BrokerAdapter adapter, FeatureSettings settings, String runId, List<String> topics) {

    private static final Duration POLL = Duration.ofMillis(20);
    /** How long a workload waits, once every message is accounted for, for late repeats. */
    static final Duration QUIET = Duration.ofSeconds(2);

    /** Declares a new topic for {@code feature} with {@code groups}, remembered for deletion; its name. */
    String declare(FeatureKind feature, String... groups) {
        String topic = "keel-verify-" + feature.label() + "-" + runId;
        topics.add(topic);
        TopicSpec.Builder spec = TopicSpec.builder(topic).partitions(settings.partitions());
        for (String group : groups) {
            spec.group(group);
        }
        keel.ensureTopology(spec.build());
        return topic;
    }

    /** The workload's own random source, drawn from the run's seed. */
    Random random(FeatureKind feature) {
        return new Random(settings.seed() * 31 + feature.ordinal());
    }

    IdempotencyPolicy idempotency() {
        return IdempotencyPolicy.custom().lease(settings.lease()).retention(Duration.ofMinutes(30))
                .storeRetryInterval(Duration.ofMillis(100)).build();
    }

    /** Waits until {@code done} or the run's timeout; true when done. */
    boolean await(BooleanSupplier done) throws InterruptedException {
        return await(done, settings.timeout());
    }

    static boolean await(BooleanSupplier done, Duration within) throws InterruptedException {
        long deadline = System.nanoTime() + within.toNanos();
        while (!done.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            Thread.sleep(POLL.toMillis());
        }
        return true;
    }

    /** Waits until {@code effects} has not changed for {@link #QUIET} (bounded by the timeout). */
    void quiet(LongSupplier effects) throws InterruptedException {
        long deadline = System.nanoTime() + settings.timeout().toNanos();
        long seen = effects.getAsLong();
        long since = System.nanoTime();
        while (System.nanoTime() < deadline && System.nanoTime() - since < QUIET.toNanos()) {
            Thread.sleep(POLL.toMillis());
            long now = effects.getAsLong();
            if (now != seen) {
                seen = now;
                since = System.nanoTime();
            }
        }
    }
}
