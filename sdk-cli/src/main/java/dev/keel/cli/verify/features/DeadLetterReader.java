package dev.keel.cli.verify.features;

import dev.keel.Codec;
import dev.keel.DeliveryGuarantee;
import dev.keel.Message;
import dev.keel.Subscription;
import dev.keel.SubscriptionConfig;
import dev.keel.core.Keel;
import dev.keel.ordering.Ordering;
import dev.keel.retry.DeadLetterPolicy;
import dev.keel.retry.RetryPolicy;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Reads a workload topic's dead-letter topic as a group of its own, with no dead-letter topic of its own (nothing
 * is left behind when the run deletes its topics) (so the workload group's own view
 * of its dead letters is untouched): the dead letters as they arrive. Only the workload's failing
 * group dead-letters to it.
 */
final class DeadLetterReader implements AutoCloseable {

    private final Map<String, Message> letters = new ConcurrentHashMap<>();
    private final Subscription subscription;

    DeadLetterReader(Keel keel, String deadLetterTopic, String readerGroup) {
        this.subscription = keel.subscribe(SubscriptionConfig.builder(deadLetterTopic, readerGroup, Codec.bytes())
                .guarantee(DeliveryGuarantee.AT_LEAST_ONCE).ordering(Ordering.UNORDERED).lanes(2)
                .retryPolicy(RetryPolicy.none()).deadLetterPolicy(DeadLetterPolicy.none()).build(),
                d -> letters.put(d.id(), d.message()));
    }

    /** The ids dead-lettered so far. */
    Set<String> ids() {
        return Set.copyOf(letters.keySet());
    }

    /** The dead letters so far, by id. */
    Map<String, Message> letters() {
        return Map.copyOf(letters);
    }

    @Override
    public void close() {
        subscription.close(RestartingConsumer.CLOSE_TIMEOUT);
    }
}
