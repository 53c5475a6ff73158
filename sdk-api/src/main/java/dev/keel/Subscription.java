package dev.keel;

import java.time.Duration;
import java.util.concurrent.CompletionStage;

/**
 * A running subscription. Acknowledgement rules: a message is acknowledged (Kafka: its offset
 * committed, as part of the highest contiguous completed offset of its partition) only after its
 * handler returned and, under EFFECTIVELY_ONCE, its id was marked done; or after it was
 * dead-lettered with confirmation; or, under AT_MOST_ONCE, before its handler runs. Anything not
 * acknowledged when the subscription closes or crashes is redelivered to the group.
 */
public interface Subscription extends AutoCloseable {

    String topic();

    String group();

    /**
     * Stops fetching, lets in-flight messages finish for up to {@code timeout}, acknowledges what
     * finished and leaves the rest to be redelivered.
     */
    void close(Duration timeout);

    CompletionStage<Void> closeAsync(Duration timeout);

    /** {@link #close(Duration)} with the subscription's configured close timeout. */
    @Override
    void close();
}
