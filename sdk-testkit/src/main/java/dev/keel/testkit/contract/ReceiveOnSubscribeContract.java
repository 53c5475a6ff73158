package dev.keel.testkit.contract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.keel.Codec;
import dev.keel.DeliveryGuarantee;
import dev.keel.HeaderFilter;
import dev.keel.Message;
import dev.keel.Subscription;
import dev.keel.SubscriptionConfig;
import dev.keel.TopicNotFoundException;
import dev.keel.core.Keel;
import dev.keel.ordering.Ordering;
import dev.keel.retry.DeadLetterPolicy;
import dev.keel.retry.RetryMode;
import dev.keel.retry.RetryPolicy;
import dev.keel.spi.Capability;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A subscription receives from the moment {@code subscribe} returns: a message published right
 * after it returns is delivered, in every mode (clustered and broadcast, key-ordered and unordered,
 * with and without a header filter, and with non-blocking retries, whose retry topic is consumed
 * too). Nothing here waits for the consumer to be assigned its partitions before publishing, and no
 * adapter setting shortens its rebalances for these tests: what an application that publishes
 * right after subscribing gets. A consumer that reports itself running before its first assignment
 * and then starts "from the end" (RocketMQ broadcast, Kafka {@code auto.offset.reset=latest}) loses
 * these messages; one that waits for a periodic rebalance delivers them late. Run through
 * {@link BrokerContractTest}.
 */
public abstract class ReceiveOnSubscribeContract extends TopologyContract {

    /** One message per key: with the suite's 4 partitions every partition or queue gets some. */
    private static final int MESSAGES = 16;
    private static final HeaderFilter EU = HeaderFilter.equalTo("region", "eu");

    static Stream<Arguments> modes() {
        return Stream.of(
                Arguments.of(false, Ordering.PER_KEY, false),
                Arguments.of(false, Ordering.UNORDERED, false),
                Arguments.of(false, Ordering.PER_KEY, true),
                Arguments.of(true, Ordering.PER_KEY, false),
                Arguments.of(true, Ordering.UNORDERED, false),
                Arguments.of(true, Ordering.UNORDERED, true));
    }

    @ParameterizedTest(name = "broadcast={0}, {1}, filtered={2}")
    @MethodSource("modes")
    void messagesPublishedRightAfterSubscribeReturnsShouldBeDelivered(boolean broadcast, Ordering ordering,
                                                                       boolean filtered) {
        Keel keel = newKeel();
        Assumptions.assumeFalse(shareGroups() && ordering == Ordering.PER_KEY, "a share-group subscription lacks "
                + "capability " + Capability.KEY_ORDERING + " (ruled out by " + Capability.SHARED_CONSUMPTION + ")");
        if (broadcast) {
            assumeCapability(Capability.BROADCAST);
            // no group declared: on RabbitMQ a declared group's queues would keep every message for nobody
            keel.ensureTopology(topic(topic).build());
        } else {
            declare(keel);
        }
        Effects effects = new Effects();
        SubscriptionConfig.Builder<String> config = subscription().guarantee(DeliveryGuarantee.AT_LEAST_ONCE)
                .ordering(ordering).broadcast(broadcast);
        if (filtered) {
            config.filter(EU);
        }
        Subscription subscription = keel.subscribe(config.build(), effects::apply);
        cleanup(subscription);

        List<Message> messages = publishedRightAway(keel, "now");

        awaitHandled(effects, idsOf(messages));
        assertThat(subscription.state()).isEqualTo(Subscription.State.RUNNING);
        assertThat(effects.repeated()).as("ids handled more than once").isEmpty();
    }

    /**
     * A non-blocking-retry subscription consumes its topic and its retry topic: a message published
     * right after it returns, failing its first attempt, is handled on its second, from the retry
     * topic (whose consumer started with the subscription, before the retry was published).
     */
    @Test
    void aMessageRetriedByANonBlockingRetrySubscriptionRightAfterItStartedShouldBeHandled() {
        Keel keel = newKeel();
        assumeCapability(Capability.NON_BLOCKING_RETRY);
        declare(keel);
        Effects effects = new Effects();
        Map<String, List<Integer>> attempts = new ConcurrentHashMap<>();
        Subscription subscription = keel.subscribe(subscription().ordering(Ordering.UNORDERED)
                .retryMode(RetryMode.NON_BLOCKING).retryPolicy(RetryPolicy.custom().maxAttempts(3)
                        .initialBackoff(Duration.ofMillis(200)).maxBackoff(Duration.ofMillis(200)).jitter(0.0).build())
                .build(), d -> {
                    List<Integer> seen = attempts.computeIfAbsent(d.id(), id -> new ArrayList<>());
                    synchronized (seen) {
                        seen.add(d.attempt());
                    }
                    if (d.attempt() == 1) {
                        throw new IllegalStateException("first attempt of " + d.id() + " fails");
                    }
                    effects.apply(d);
                });
        cleanup(subscription);

        List<Message> messages = publishedRightAway(keel, "retried");

        awaitHandled(effects, idsOf(messages));
        assertThat(attempts).as("attempts per id").allSatisfy((id, seen) ->
                assertThat(seen).as("attempts of %s", id).containsExactly(1, 2));
    }

    /**
     * A subscription to a topic that does not exist yet is refused at once, with a typed error
     * naming the topic: it could not receive, and once the topic is declared a client would find
     * it only at its next metadata refresh, starting "at the end" (broadcast) after what was
     * published meanwhile. With and without a dead-letter topic (which a subscription ensures, and
     * so looks at its topic for): the refusal must not depend on it.
     */
    @ParameterizedTest(name = "broadcast={0}, deadLetters={1}")
    @CsvSource({"false,true", "false,false", "true,true", "true,false"})
    void aSubscriptionToATopicThatDoesNotExistShouldBeRefusedNamingIt(boolean broadcast, boolean deadLetters) {
        Keel keel = newKeel();
        if (broadcast) {
            assumeCapability(Capability.BROADCAST);
        }
        SubscriptionConfig.Builder<String> config = subscription().guarantee(DeliveryGuarantee.AT_LEAST_ONCE)
                .broadcast(broadcast);
        if (!deadLetters) {
            config.deadLetterPolicy(DeadLetterPolicy.none());
        }

        Throwable refusal = catchThrowable(() -> cleanup(keel.subscribe(config.build(), d -> { })));

        assertThat(refusal).as("subscribing to topic %s, which does not exist", topic)
                .isInstanceOf(TopicNotFoundException.class).hasMessageContaining(topic);
        assertThat(((TopicNotFoundException) refusal).topic()).isEqualTo(topic);
    }

    /** Publishes {@value #MESSAGES} keyed messages, all matching the filter, and waits for their confirmations. */
    private List<Message> publishedRightAway(Keel keel, String prefix) {
        List<Message> messages = new ArrayList<>();
        for (int i = 0; i < MESSAGES; i++) {
            messages.add(Message.builder(prefix + "-" + i, Codec.utf8()).id(prefix + "-" + i)
                    .key("key-" + i).header("region", "eu").build());
        }
        publishConfirmed(keel, topic, messages);
        return messages;
    }
}
