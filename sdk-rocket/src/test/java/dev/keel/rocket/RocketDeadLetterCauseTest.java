package dev.keel.rocket;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.keel.Codec;
import dev.keel.DeliveryGuarantee;
import dev.keel.KeelHeaders;
import dev.keel.NonRetriableException;
import dev.keel.SubscriptionConfig;
import dev.keel.TopicSpec;
import dev.keel.TypedPublisher;
import dev.keel.core.InMemoryIdempotencyStore;
import dev.keel.core.Keel;
import dev.keel.ordering.Ordering;
import dev.keel.retry.DeadLetterPolicy;
import dev.keel.retry.RetryMode;
import dev.keel.retry.RetryPolicy;
import dev.keel.testbrokers.BrokerKind;
import dev.keel.testbrokers.UsesBrokers;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;

/**
 * A failure's message travels with its dead letter and its retry copy ({@code keel-dlt-cause-message},
 * {@code keel-retry-cause-message}) whatever characters it holds: RocketMQ refuses a property value with its own
 * separators ({@code \u0001}, {@code \u0002}) or a broken surrogate pair, and before, a handler's exception message
 * holding one (or a long one cut in the middle of an emoji) made the dead letter, and its copy without payload, refused
 * for good: the message stayed parked, retried every minute, and its key's next messages waited behind it for ever.
 */
@UsesBrokers(BrokerKind.ROCKET)
class RocketDeadLetterCauseTest {

    private static final Duration PATIENCE = Duration.ofSeconds(60);

    @Test
    void aCauseWithRocketMQsPropertySeparatorsShouldBeDeadLetteredAndTheKeyGoOn() {
        String cause = deadLetteredCause("bad value \u0001 from a parser \u0002 line two\nline three", false);
        assertThat(cause).startsWith("bad value").contains("from a parser").contains("line three")
                .doesNotContain("\u0001", "\u0002");
    }

    @Test
    void aLongCauseCutInTheMiddleOfASurrogatePairShouldBeDeadLetteredAndTheKeyGoOn() {
        String cause = deadLetteredCause("x".repeat(499) + "\uD83D\uDE00 and more after the emoji", false);
        assertThat(cause).startsWith("x".repeat(499)).endsWith("...");
        assertThat(cause.codePoints().noneMatch(c -> Character.isSurrogate((char) c)))
                .as("no half of a surrogate pair left").isTrue();
    }

    @Test
    void aRetryCopysCauseWithASeparatorShouldBeSentAndTheMessageDeadLetteredAfterItsAttempts() {
        String cause = deadLetteredCause("retry me \u0002 please", true);
        assertThat(cause).startsWith("retry me").doesNotContain("\u0002");
    }

    /** Publishes a poison message and its key's next one; returns the dead letter's cause once both went through. */
    private static String deadLetteredCause(String causeMessage, boolean nonBlocking) {
        String topic = RocketTestSupport.unique("cause");
        String group = RocketTestSupport.unique("g");
        try (RocketAdapter adapter = RocketTestSupport.adapter();
             Keel keel = Keel.builder(adapter).idempotencyStore(new InMemoryIdempotencyStore()).build()) {
            keel.ensureTopology(TopicSpec.builder(topic).partitions(2).group(group).build());
            TypedPublisher<String> publisher = keel.publisher(topic, Codec.utf8());
            publisher.message("poison").id("p-1").key("K").publish();
            publisher.message("next").id("n-2").key("K").publish();
            Set<String> handled = ConcurrentHashMap.newKeySet();
            SubscriptionConfig.Builder<String> config = SubscriptionConfig.builder(topic, group, Codec.utf8());
            if (nonBlocking) {
                config.ordering(Ordering.UNORDERED).retryMode(RetryMode.NON_BLOCKING)
                        .retryPolicy(RetryPolicy.custom().maxAttempts(2).initialBackoff(Duration.ofMillis(500)).build());
            }
            keel.subscribe(config.build(), d -> {
                if (d.id().equals("p-1")) {
                    throw nonBlocking ? new IllegalStateException(causeMessage) : new NonRetriableException(causeMessage);
                }
                handled.add(d.id());
            });
            Map<String, Map<String, String>> letters = new ConcurrentHashMap<>();
            keel.subscribe(SubscriptionConfig.builder(keel.defaultDeadLetterTopic(topic), RocketTestSupport.unique("r"),
                            Codec.utf8()).guarantee(DeliveryGuarantee.AT_LEAST_ONCE)
                    .deadLetterPolicy(DeadLetterPolicy.none()).build(), d -> letters.put(d.id(), d.keelHeaders()));

            await("the poison message dead-lettered and its key's next message handled").atMost(PATIENCE)
                    .until(() -> handled.contains("n-2") && letters.containsKey("p-1"));
            Map<String, String> letter = letters.get("p-1");
            assertThat(letter).as("the whole dead letter, not its copy without payload")
                    .doesNotContainKey(KeelHeaders.DLT_TRUNCATED);
            return letter.get(KeelHeaders.DLT_CAUSE_MESSAGE);
        }
    }
}
