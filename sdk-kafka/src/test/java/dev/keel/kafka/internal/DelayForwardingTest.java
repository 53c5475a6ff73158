package dev.keel.kafka.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.keel.AccessRefusedException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * When {@link DelayForwarding} checks a topic's delay topic and starts forwarders, with the existence check
 * answered by hand (the real-broker behaviour is KafkaLazyDelayForwardingTest's).
 */
class DelayForwardingTest {

    /** So long that a periodic check never runs during a test: each check here has another cause. */
    private static final Duration INTERVAL = Duration.ofHours(1);
    private static final Duration WAIT = Duration.ofSeconds(10);

    private final List<CompletableFuture<Boolean>> checks = new CopyOnWriteArrayList<>();
    private final ScheduledThreadPoolExecutor scheduler = new ScheduledThreadPoolExecutor(1);
    private final DelayForwarding forwarding;

    DelayForwardingTest() {
        scheduler.setRemoveOnCancelPolicy(true);
        forwarding = new DelayForwarding(topic -> {
            CompletableFuture<Boolean> check = new CompletableFuture<>();
            checks.add(check);
            return check;
        }, INTERVAL, scheduler);
    }

    @AfterEach
    void close() {
        forwarding.close();
    }

    @Test
    void aSubscriptionShouldStartForwardingWhenItsDelayTopicExistsAtSubscribe() {
        Waiter waiter = new Waiter("t");

        forwarding.watch(waiter);
        checks.get(0).complete(true);

        await().atMost(WAIT).until(() -> waiter.starts.get() == 1);
        assertThat(scheduler.getQueue()).as("no further check").isEmpty();
    }

    @Test
    void aMissingDelayTopicShouldBeCheckedAgainAfterTheIntervalOnly() {
        Waiter waiter = new Waiter("t");

        forwarding.watch(waiter);
        checks.get(0).complete(false);

        await().atMost(WAIT).until(() -> scheduler.getQueue().size() == 1);
        assertThat(checks).hasSize(1);
        assertThat(waiter.starts).hasValue(0);
    }

    @Test
    void aReadyNoticeShouldCheckAtOnceAndStartEverySubscriptionOfTheTopic() {
        Waiter first = new Waiter("t");
        Waiter second = new Waiter("t");
        Waiter other = new Waiter("u");
        forwarding.watch(first);
        forwarding.watch(other);
        checks.get(0).complete(false);
        checks.get(1).complete(false);
        await().atMost(WAIT).until(() -> scheduler.getQueue().size() == 2);
        forwarding.watch(second);
        checks.get(2).complete(false);
        await().atMost(WAIT).until(() -> scheduler.getQueue().size() == 2);

        forwarding.delayTopicReady("t");
        checks.get(3).complete(true);

        await().atMost(WAIT).until(() -> first.starts.get() == 1 && second.starts.get() == 1);
        assertThat(other.starts).hasValue(0);
        assertThat(scheduler.getQueue()).as("only u's next check").hasSize(1);
    }

    @Test
    void aReadyNoticeDuringACheckInFlightShouldCheckAgainOnceItAnswers() {
        Waiter waiter = new Waiter("t");
        forwarding.watch(waiter);

        forwarding.delayTopicReady("t");
        assertThat(checks).as("never two checks of a topic in flight").hasSize(1);
        checks.get(0).complete(false); // asked before the delay topic was made

        await().atMost(WAIT).until(() -> checks.size() == 2);
        checks.get(1).complete(true);
        await().atMost(WAIT).until(() -> waiter.starts.get() == 1);
    }

    @Test
    void aFailedCheckShouldBeRetriedAfterTheIntervalAndStartNothing() {
        Waiter waiter = new Waiter("t");
        forwarding.watch(waiter);

        checks.get(0).completeExceptionally(new IllegalStateException("broker unavailable"));

        await().atMost(WAIT).until(() -> scheduler.getQueue().size() == 1);
        assertThat(waiter.starts).hasValue(0);
    }

    @Test
    void theLastSubscriptionOfATopicClosingShouldEndItsChecks() {
        Waiter first = new Waiter("t");
        Waiter second = new Waiter("t");
        forwarding.watch(first);
        forwarding.watch(second);
        checks.get(0).complete(false);
        await().atMost(WAIT).until(() -> scheduler.getQueue().size() == 1);

        forwarding.unwatch(first);
        assertThat(scheduler.getQueue()).as("second still waits").hasSize(1);
        forwarding.unwatch(second);

        assertThat(scheduler.getQueue()).isEmpty();
        forwarding.delayTopicReady("t");
        assertThat(checks).hasSize(1);
    }

    @Test
    void anAnswerAfterTheSubscriptionClosedShouldStartNothing() {
        Waiter waiter = new Waiter("t");
        forwarding.watch(waiter);
        forwarding.unwatch(waiter);

        checks.get(0).complete(true);

        await().atMost(WAIT).until(() -> scheduler.getCompletedTaskCount() == 1);
        assertThat(waiter.starts).hasValue(0);
    }

    /**
     * Kafka refused the check (no Describe on the delay topic): the subscriptions waiting are told, naming what to
     * grant, and the topic is not checked again. Before, the refusal was logged at DEBUG and checked again every
     * interval, for ever, with the subscription RUNNING and its delayed messages never delivered.
     */
    @Test
    void aCheckKafkaRefusesShouldFailTheWaitingSubscriptionsAndNotBeRetried() {
        Waiter first = new Waiter("t");
        Waiter second = new Waiter("t");
        forwarding.watch(first);
        forwarding.watch(second);
        await().atMost(WAIT).until(() -> checks.size() == 1);

        checks.get(0).completeExceptionally(new AccessRefusedException("Kafka refused checking that topic t.keel-delay"
                + " exists: Not authorized to access topics: [t.keel-delay]", null));

        await().atMost(WAIT).until(() -> first.refusals.size() == 1 && second.refusals.size() == 1);
        assertThat(first.refusals.get(0)).hasMessageContaining("Describe and Read on the topic t.keel-delay")
                .hasMessageContaining("Read on the group keel-delay-t");
        assertThat(forwarding.waitingTopics()).isEmpty();
        forwarding.delayTopicReady("t");
        assertThat(checks).hasSize(1);
        assertThat(first.starts).hasValue(0);
    }

    private static final class Waiter implements DelayForwarding.Waiter {
        final String topic;
        final AtomicInteger starts = new AtomicInteger();
        final List<AccessRefusedException> refusals = new CopyOnWriteArrayList<>();

        Waiter(String topic) {
            this.topic = topic;
        }

        @Override
        public String topic() {
            return topic;
        }

        @Override
        public void startForwarder() {
            starts.incrementAndGet();
        }

        @Override
        public void refused(AccessRefusedException refusal) {
            refusals.add(refusal);
        }
    }
}
