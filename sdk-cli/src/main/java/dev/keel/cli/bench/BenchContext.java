package dev.keel.cli.bench;

import dev.keel.Codec;
import dev.keel.core.Keel;
import dev.keel.dedup.IdempotencyStore;
import dev.keel.spi.BrokerAdapter;
import dev.keel.Message;
import dev.keel.TopicSpec;
import dev.keel.cli.broker.BrokerMode;
import dev.keel.cli.broker.BrokerOptions;
import dev.keel.cli.EnvironmentException;
import dev.keel.cli.broker.StoreChoice;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongSupplier;

/** What every bench measurement shares: the Keel instance, the broker, the sizes and the progress bar. */
final class BenchContext {

    /** At most this many preload publishes unconfirmed at a time. */
    static final int PRELOAD_WINDOW = 2_048;

    final Keel keel;
    final BrokerAdapter adapter;
    final IdempotencyStore idempotencyStore;
    final BrokerMode mode;
    final BrokerOptions options;
    final StoreChoice store;
    final BenchSettings settings;
    final Progress progress;
    final String runId;
    final List<TopicSpec> topics;

    BenchContext(Keel keel, BrokerAdapter adapter, IdempotencyStore idempotencyStore, BrokerMode mode,
                 BrokerOptions options, StoreChoice store, BenchSettings settings, Progress progress, String runId) {
        this(keel, adapter, idempotencyStore, mode, options, store, settings, progress, runId, new ArrayList<>());
    }

    private BenchContext(Keel keel, BrokerAdapter adapter, IdempotencyStore idempotencyStore, BrokerMode mode,
                         BrokerOptions options, StoreChoice store, BenchSettings settings, Progress progress,
                         String runId, List<TopicSpec> topics) {
        this.topics = topics;
        this.keel = keel;
        this.adapter = adapter;
        this.idempotencyStore = idempotencyStore;
        this.mode = mode;
        this.options = options;
        this.store = store;
        this.settings = settings;
        this.progress = progress;
        this.runId = runId;
    }

    /**
     * The context of run {@code round} of a {@code --repeat}: the same clients, fresh topic names
     * ({@code keel-bench-<run>-r<round>-<name>}), declared topics listed in this context's list for clean-up.
     */
    BenchContext round(int round) {
        return new BenchContext(keel, adapter, idempotencyStore, mode, options, store, settings, progress,
                runId + "-r" + round, topics);
    }

    /**
     * This context for the same broker reached at another endpoint ({@code --tls-compare}'s TLS side): the Keel and
     * adapter connected there and its options, the same run, sizes and store, its declared topics listed in this
     * context's list for clean-up (the broker is the same).
     */
    BenchContext over(Keel otherKeel, BrokerAdapter otherAdapter, BrokerOptions otherOptions) {
        return new BenchContext(otherKeel, otherAdapter, idempotencyStore, mode, otherOptions, store, settings, progress,
                runId, topics);
    }

    /**
     * This run's (and round's) prefix of the database tables of the outbox and inbox sections: the run id with its
     * round's {@code -} made {@code _}, so that it stays a valid SQL name ({@code b<id>_r<round>_}).
     */
    String tablePrefix() {
        return runId.replace('-', '_') + "_";
    }

    /** Declares {@code keel-bench-<run>-<name>} with the groups that will read it; returns its name. */
    String declare(String name, int partitions, String... groups) {
        String topic = "keel-bench-" + runId + "-" + name;
        TopicSpec.Builder spec = TopicSpec.builder(topic).partitions(partitions);
        for (String group : groups) {
            spec.group(group);
        }
        TopicSpec declared = spec.build();
        // listed for the cleanup first: a run stopped while the broker makes the topic must delete it too
        topics.add(declared);
        keel.ensureTopology(declared);
        return topic;
    }

    /** A payload of the configured size. */
    byte[] payload() {
        byte[] payload = new byte[settings.payloadBytes()];
        for (int i = 0; i < payload.length; i++) {
            payload[i] = (byte) ('a' + i % 26);
        }
        return payload;
    }

    /**
     * Publishes {@code count} messages (message {@code i} keyed {@code "k" + (i % keys)}) through
     * Keel, at most {@link #PRELOAD_WINDOW} unconfirmed at a time, and waits for every confirmation. The window
     * keeps each publish's wait for its confirmation (bounded by the publisher's timeout) about the broker's time
     * for a window, not for the whole preload: a broker that stores a message once per group queue (ActiveMQ
     * Classic's virtual topics) confirms a few hundred a second here, and 20,000 publishes handed over at once timed
     * out behind each other.
     */
    void preload(String topic, int count, int keys, String label) throws TimeoutException {
        progress.start(label, count);
        byte[] payload = payload();
        // one callback per publish and no list of them: the loop costs about what the raw clients' loops cost, so
        // that the publish section's figures are Keel's, not the bench's (a list of every stage and two callbacks
        // each took a third of the publishing thread's samples)
        AtomicLong confirmed = new AtomicLong();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Semaphore window = new Semaphore(PRELOAD_WINDOW);
        long deadline = System.nanoTime() + settings.timeout().toNanos();
        try {
            for (int i = 0; i < count && failure.get() == null; i++) {
                if (!window.tryAcquire()
                        && !window.tryAcquire(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
                    throw notConfirmed(label, confirmed.get(), count, failure.get());
                }
                keel.publisher().publishAsync(topic, Message.builder(payload).key("k" + (i % keys)).build())
                        .whenComplete((receipt, error) -> {
                            try {
                                if (error != null) {
                                    failure.compareAndSet(null, error);
                                } else {
                                    confirmed.incrementAndGet();
                                    progress.advance(1);
                                }
                            } finally {
                                window.release();
                            }
                        });
            }
            // every publish gives its permit back once answered: all of them back means every one was answered
            if (!window.tryAcquire(PRELOAD_WINDOW, Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
                throw notConfirmed(label, confirmed.get(), count, failure.get());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while publishing", e);
        } finally {
            progress.finish();
        }
        Throwable error = failure.get();
        if (error != null) {
            throw publishFailure(error);
        }
    }

    /**
     * Throws the first publish's failure, if one failed before the wait ran out (it is then the cause to tell), else
     * a {@link TimeoutException}; declared to return so that a caller can write {@code throw notConfirmed(...)}.
     */
    private RuntimeException notConfirmed(String label, long confirmed, int count, Throwable failed)
            throws TimeoutException {
        if (failed != null) {
            throw publishFailure(failed);
        }
        throw new TimeoutException(label + ": only " + confirmed + " of " + count
                + " publishes confirmed within " + settings.timeout().toSeconds() + " s (--timeout)");
    }

    private static RuntimeException publishFailure(Throwable error) {
        Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
        return cause instanceof RuntimeException r ? r : new IllegalStateException(cause);
    }

    /** Waits until {@code count} reaches {@code target}, showing progress. */
    void await(LongSupplier count, long target, String label) throws TimeoutException {
        await(count, target, label, null);
    }

    /**
     * {@link #await(LongSupplier, long, String)}, stopping before the timeout, with an {@link EnvironmentException}
     * giving the cause, when {@code watch} (if not null) sees that the count cannot reach its target.
     */
    void await(LongSupplier count, long target, String label, PassWatch watch) throws TimeoutException {
        progress.start(label, target);
        long deadline = System.nanoTime() + settings.timeout().toNanos();
        try {
            while (count.getAsLong() < target) {
                long counted = count.getAsLong();
                Optional<String> stop = watch == null ? Optional.empty() : watch.stopReason(System.nanoTime(), counted);
                if (stop.isPresent()) {
                    throw new EnvironmentException("bench: " + label + ": only " + counted + " of " + target
                            + " messages arrived, and no more will: " + stop.get());
                }
                if (System.nanoTime() > deadline) {
                    throw new TimeoutException(label + ": only " + count.getAsLong() + " of " + target
                            + " messages arrived within " + settings.timeout().toSeconds() + " s (--timeout)");
                }
                progress.set(count.getAsLong());
                TimeUnit.MILLISECONDS.sleep(5);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for " + label, e);
        } finally {
            progress.finish();
        }
    }

    static RuntimeException unwrap(ExecutionException e) {
        return e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
    }

    static Codec<byte[]> bytes() {
        return Codec.bytes();
    }
}
