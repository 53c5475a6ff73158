package dev.keel.testkit.contract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

import dev.keel.AccessRefusedException;
import dev.keel.Codec;
import dev.keel.DeliveryGuarantee;
import dev.keel.KeelException;
import dev.keel.Subscription;
import dev.keel.SubscriptionConfig;
import dev.keel.TopicSpec;
import dev.keel.core.Keel;
import dev.keel.spi.BrokerAdapter;
import java.time.Duration;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * What a broker refuses for security (a login, the permission to publish or to consume) fails at once with an
 * {@link AccessRefusedException}: not retriable, never with the password in it; a refused publish is not stored,
 * the adapter stays usable for what the user may do, a refused subscribe leaves every message to the next consumer,
 * and a running subscription whose access is taken away fails with the refusal instead of retrying for ever, losing
 * nothing: once access is given back, a new subscription consumes everything. An adapter's test extends it with a
 * broker whose users and permissions it can change (tagged {@code secured}: the {@code -Psecured} profile runs it).
 */
@Tag("secured")
public abstract class RefusedAccessContract {

    /** What a user the tests create may do. */
    protected enum Grant {
        /** Everything the tests do on their topic and group. */
        EVERYTHING,
        /** Everything but publishing to the topic. */
        NO_PUBLISH,
        /** Everything but consuming the topic as the group. */
        NO_CONSUME
    }

    private static final String GROUP = "g";

    private final String topic = "keel-refused-" + UUID.randomUUID().toString().substring(0, 8);
    private final String user = "keel-user-" + UUID.randomUUID().toString().substring(0, 8);
    private final String password = "pw-" + UUID.randomUUID();
    private BrokerAdapter admin;
    private Keel adminKeel;

    /** An adapter logged in as a user that may do everything. */
    protected abstract BrokerAdapter adminAdapter();

    /** Creates {@code user}, who logs in with {@code password} and may do what {@code grant} says on {@code topic}. */
    protected abstract void createUser(String user, String password, Grant grant, String topic, String group);

    /** An adapter that logs in as {@code user} with {@code password}. */
    protected abstract BrokerAdapter adapterAs(String user, String password);

    /**
     * Takes {@code user}'s access away (a new password, or its permissions removed) so that the broker refuses its
     * next login or consume, and makes the broker end its current connections, or the consumer meet the refusal.
     *
     * @return the password the user logs in with once {@link #restore} gave access back
     */
    protected abstract String cutOff(String user, String password, String topic, String group);

    /** Gives {@code user} its access back, after {@link #cutOff}. */
    protected abstract void restore(String user, String topic, String group);

    /** Removes {@code user} and what was granted to it. */
    protected abstract void removeUser(String user);

    /** How long a broker may take to refuse, deliver or fail. */
    protected Duration patience() {
        return Duration.ofSeconds(90);
    }

    @BeforeEach
    void openAdmin() {
        admin = adminAdapter();
        adminKeel = Keel.builder(admin).withoutIdempotencyStore().build();
        adminKeel.ensureTopology(TopicSpec.builder(topic).partitions(2).group(GROUP).build());
    }

    @AfterEach
    void closeAdmin() {
        try {
            removeUser(user);
        } finally {
            adminKeel.close();
            admin.close();
        }
    }

    @Test
    void aWrongPasswordShouldRefusePublishAndSubscribeAtOnceWithoutThePassword() {
        createUser(user, password, Grant.EVERYTHING, topic, GROUP);
        String wrong = "wrong-" + UUID.randomUUID();
        try (BrokerAdapter adapter = adapterAs(user, wrong);
             Keel keel = Keel.builder(adapter).withoutIdempotencyStore().build()) {
            assertRefused(catchThrowable(() -> keel.publisher(topic, Codec.utf8()).message("m").key("k").publish()),
                    wrong);
            assertRefused(subscribeFailure(keel, d -> { }), wrong);
            assertThat(keel.subscriptions()).as("subscriptions listed").isEmpty();
        }
    }

    @Test
    void aPublishWithoutThePermissionToPublishShouldBeRefusedAndNotStoredWhileConsumingWorks() {
        createUser(user, password, Grant.NO_PUBLISH, topic, GROUP);
        Set<String> got = ConcurrentHashMap.newKeySet();
        try (BrokerAdapter adapter = adapterAs(user, password);
             Keel keel = Keel.builder(adapter).withoutIdempotencyStore().build()) {
            for (int attempt = 0; attempt < 2; attempt++) {
                assertRefused(catchThrowable(() -> keel.publisher(topic, Codec.utf8()).message("refused").key("k")
                        .publish()), password);
            }
            keel.subscribe(subscription(), d -> got.add(d.payload()));
            adminKeel.publisher(topic, Codec.utf8()).message("allowed").key("k").publish();
            await().atMost(patience()).until(() -> got.contains("allowed"));
        }
        assertThat(got).as("the refused message was not stored").doesNotContain("refused");
    }

    @Test
    void aSubscribeWithoutThePermissionToConsumeShouldBeRefusedAndLeaveEveryMessageToTheNextConsumer() {
        createUser(user, password, Grant.NO_CONSUME, topic, GROUP);
        publish("m", 5);
        try (BrokerAdapter adapter = adapterAs(user, password);
             Keel keel = Keel.builder(adapter).withoutIdempotencyStore().build()) {
            assertRefused(subscribeFailure(keel, d -> { }), password);
        }
        Set<String> got = ConcurrentHashMap.newKeySet();
        adminKeel.subscribe(subscription(), d -> got.add(d.payload()));
        await().atMost(patience()).until(() -> got.size() == 5);
    }

    @Test
    void aRunningSubscriptionCutOffShouldFailWithoutLossAndANewOneConsumeEverythingOnceAccessIsBack() {
        createUser(user, password, Grant.EVERYTHING, topic, GROUP);
        Set<String> handled = ConcurrentHashMap.newKeySet();
        String next;
        try (BrokerAdapter adapter = adapterAs(user, password);
             Keel keel = Keel.builder(adapter).withoutIdempotencyStore().build()) {
            Subscription subscription = keel.subscribe(subscription(), d -> handled.add(d.payload()));
            publish("before", 10);
            await().atMost(patience()).until(() -> handled.size() == 10);

            next = cutOff(user, password, topic, GROUP);
            publish("after", 10);

            await().atMost(patience()).until(() -> subscription.state() == Subscription.State.FAILED);
            assertThat(subscription.failure()).get().isInstanceOf(AccessRefusedException.class)
                    .satisfies(e -> assertThat(e).hasMessageNotContaining(next));
        }
        restore(user, topic, GROUP);
        try (BrokerAdapter adapter = adapterAs(user, next);
             Keel again = Keel.builder(adapter).withoutIdempotencyStore().build()) {
            again.subscribe(subscription(), d -> handled.add(d.payload()));
            await().atMost(patience()).until(() -> handled.size() == 20);
        }
        for (int i = 0; i < 10; i++) {
            assertThat(handled).contains("before-" + i, "after-" + i);
        }
    }

    /** The topic of the test, declared with {@link #GROUP}'s queues by the admin. */
    protected final String topic() {
        return topic;
    }

    /** The Keel of the admin, for what the broker-specific tests add. */
    protected final Keel adminKeel() {
        return adminKeel;
    }

    private Throwable subscribeFailure(Keel keel, dev.keel.MessageHandler<String> handler) {
        return catchThrowable(() -> {
            Subscription s = keel.subscribe(subscription(), handler);
            // a broker may refuse only the first fetch (Kafka): the subscription then fails with the refusal
            await().atMost(patience()).until(() -> s.state() == Subscription.State.FAILED);
            throw s.failure().orElseThrow();
        });
    }

    private void publish(String prefix, int count) {
        for (int i = 0; i < count; i++) {
            adminKeel.publisher(topic, Codec.utf8()).message(prefix + "-" + i).key("k" + i).publish();
        }
    }

    private void assertRefused(Throwable refused, String secret) {
        assertThat(refused).isInstanceOf(AccessRefusedException.class).hasMessageNotContaining(secret);
        assertThat(((KeelException) refused).isRetriable()).as("retriable").isFalse();
    }

    private SubscriptionConfig<String> subscription() {
        return SubscriptionConfig.builder(topic, GROUP, Codec.utf8()).guarantee(DeliveryGuarantee.AT_LEAST_ONCE)
                .closeTimeout(Duration.ofSeconds(10)).build();
    }
}
