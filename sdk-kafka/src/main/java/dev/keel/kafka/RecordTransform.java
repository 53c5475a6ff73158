package dev.keel.kafka;

import dev.keel.Message;
import java.util.List;

/**
 * The "process" of a {@link TransactionalPipeline}: maps one input message to the records to write. It may
 * run more than once for one input (an aborted transaction is processed again), so it must have no side
 * effects outside Kafka: only its outputs are exactly once.
 */
@FunctionalInterface
public interface RecordTransform {

    /**
     * The outputs of {@code input} (its id is its {@code keel-id}, or {@code topic-partition-offset}; its
     * headers are the application's). Throwing aborts the transaction; its batch is read and processed again.
     */
    List<PipelineOutput> apply(Message input) throws Exception;
}
