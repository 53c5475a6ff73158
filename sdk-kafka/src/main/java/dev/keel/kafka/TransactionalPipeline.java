package dev.keel.kafka;

import java.util.Optional;

/**
 * A running consume-transform-produce loop on Kafka transactions: each batch of input records is
 * transformed, its outputs are sent and its input offsets are committed in one Kafka transaction
 * ({@code sendOffsetsToTransaction}), so for {@code read_committed} readers every input's outputs appear
 * exactly once and the input advances if and only if they do. Get one from
 * {@link KafkaAdapter#transactionalPipeline}; it runs on a thread of its own until closed.
 */
public interface TransactionalPipeline extends AutoCloseable {

    /** Whether the loop runs: false once closed, or stopped by a fatal error (see {@link #failure()}). */
    boolean isRunning();

    /**
     * Why the loop stopped on its own: for example another instance with the same {@code transactional.id}
     * fenced this one ({@code ProducerFencedException}). Empty while it runs and after a plain close. Timeouts
     * and a transaction aborted by the coordinator for its age never stop it: the commit is repeated, or the batch
     * runs again.
     */
    Optional<Throwable> failure();

    /**
     * Stops the loop and waits for it up to the adapter's {@code closeTimeout} plus a second. A batch still being
     * transformed is aborted, never committed, also when the transform returns after this method did (its records
     * are processed again by the next owner); a commit already sent is completed, or aborted, by the coordinator.
     */
    @Override
    void close();
}
