package dev.keel.kafka.internal;

import dev.keel.AccessRefusedException;
import dev.keel.KeelException;
import dev.keel.KeelTimeoutException;
import dev.keel.UnroutableException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.common.errors.InterruptException;

/**
 * The check a {@link KafkaPipeline} makes before it sends an output: the same {@link TopicGates} as the publisher's,
 * so that a pipeline, like a publish, never makes the broker create a topic on first use (with its defaults) when
 * {@code topicAutoCreation} is off. The first output to a topic waits for the Admin client's answer; later ones pass
 * at once. Used by the pipeline's thread only.
 */
final class PipelineOutputTopics {

    private final TopicGates gates;
    private final Duration timeout;
    private final String transactionalId;

    /**
     * @param timeout how long the first check of a topic may take before the batch is aborted and read again
     */
    PipelineOutputTopics(TopicAdmin admin, Duration timeout, String transactionalId) {
        this.gates = new TopicGates(admin, Runnable::run);
        this.timeout = timeout;
        this.transactionalId = transactionalId;
    }

    /**
     * Returns once {@code topic} is known to exist.
     *
     * @throws MissingOutputTopicException when it does not exist (non-retriable: the pipeline stops)
     * @throws KeelException               when the check failed or took longer than the timeout (the batch is
     *                                     aborted and read again)
     */
    void check(String topic) {
        CompletableFuture<KeelException> checked = new CompletableFuture<>();
        gates.whenOpen(topic, checked::complete);
        KeelException failure;
        try {
            failure = checked.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            throw new KeelTimeoutException("checking that the pipeline's output topic " + topic + " exists took "
                    + "longer than " + timeout, e);
        } catch (ExecutionException e) {
            throw new KeelException("checking that the pipeline's output topic " + topic + " exists failed: "
                    + e.getCause(), e.getCause(), true);
        } catch (InterruptedException e) {
            throw new InterruptException(e);
        }
        if (failure instanceof UnroutableException missing) {
            throw new MissingOutputTopicException("Transactional pipeline " + transactionalId + " stopped: its "
                    + "output topic '" + topic + "' does not exist: declare it with ensureTopology (or enable topic "
                    + "auto-creation on the broker and in KafkaConfig) and start the pipeline again. The batch was "
                    + "aborted and the input was not advanced", missing);
        }
        if (failure instanceof AccessRefusedException refused) {
            throw PipelineRefusals.ofOutputCheck(transactionalId, topic, refused);
        }
        if (failure != null) {
            throw failure;
        }
    }

    /** An output topic that does not exist: the pipeline stops (the same input would write to it again). */
    static final class MissingOutputTopicException extends UnroutableException {

        private static final long serialVersionUID = 1L;

        MissingOutputTopicException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
