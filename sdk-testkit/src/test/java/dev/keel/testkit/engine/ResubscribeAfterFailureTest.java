package dev.keel.testkit.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keel.Codec;
import dev.keel.Subscription;
import dev.keel.SubscriptionConfig;
import dev.keel.TopicSpec;
import dev.keel.core.Keel;
import dev.keel.testkit.Crash;
import dev.keel.testkit.InMemoryBroker;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * README's recipe for a failed subscription is "subscribe again to resume". What {@code Keel.subscriptions()}
 * lists (and so the health built on it) must follow the subscription that runs now, not the one that failed.
 */
class ResubscribeAfterFailureTest {

    private static final String TOPIC = "orders";
    private static final String GROUP = "billing";

    private final InMemoryBroker broker = InMemoryBroker.create();

    @AfterEach
    void close() {
        broker.close();
    }

    @Test
    void aFailedSubscriptionReplacedByANewOneOfItsTopicAndGroupShouldNoLongerBeListed() throws Exception {
        try (Keel keel = Keel.builder(broker.connect()).build()) {
            declare(keel);
            Subscription failed = keel.subscribe(config(), d -> { });
            Crash.crash(failed).toCompletableFuture().get(30, TimeUnit.SECONDS);
            assertThat(keel.subscriptions()).extracting(Subscription::state).containsExactly(Subscription.State.FAILED);

            Subscription again = keel.subscribe(config(), d -> { });

            assertThat(keel.subscriptions()).as("only the live subscription").containsExactly(again);
            assertThat(failed.state()).as("the failed one still says why it stopped").isEqualTo(Subscription.State.FAILED);
        }
    }

    @Test
    void aFailedSubscriptionThatTheApplicationClosedShouldNoLongerBeListed() throws Exception {
        try (Keel keel = Keel.builder(broker.connect()).build()) {
            declare(keel);
            Subscription failed = keel.subscribe(config(), d -> { });
            Crash.crash(failed).toCompletableFuture().get(30, TimeUnit.SECONDS);

            failed.close();

            assertThat(keel.subscriptions()).isEmpty();
        }
    }

    private void declare(Keel keel) {
        keel.ensureTopology(TopicSpec.builder(TOPIC).partitions(1).group(GROUP).build());
    }

    private static SubscriptionConfig<String> config() {
        return SubscriptionConfig.builder(TOPIC, GROUP, Codec.utf8()).closeTimeout(Duration.ofSeconds(1)).build();
    }
}
