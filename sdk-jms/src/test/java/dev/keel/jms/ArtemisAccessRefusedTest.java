package dev.keel.jms;

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
import dev.keel.testbrokers.BrokerKind;
import dev.keel.testbrokers.SecuredArtemis;
import dev.keel.testbrokers.UniqueNames;
import dev.keel.testbrokers.UsesBrokers;
import java.time.Duration;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * On an Artemis with security on, what the broker refuses (a login, the send or consume permission) fails at once with
 * an {@link AccessRefusedException}: not retriable, naming the user, never the password; nothing is lost (a refused
 * send is not stored, unconsumed messages stay queued), and a running subscription whose login is refused after its
 * password changed fails instead of retrying for ever; started again with the new password it consumes everything.
 */
@Tag("secured")
@UsesBrokers(BrokerKind.ARTEMIS)
class ArtemisAccessRefusedTest {

    private static final String GROUP = "g";

    private final SecuredArtemis artemis = SecuredArtemis.local();
    private final String topic = UniqueNames.of("refused-access");
    private final String user = "keel-user-" + UUID.randomUUID().toString().substring(0, 8);
    private final String password = "pw-" + UUID.randomUUID();
    private ArtemisAdapter admin;
    private Keel adminKeel;

    @BeforeEach
    void open() {
        admin = new ArtemisAdapter(config(artemis.adminUser(), artemis.adminPassword()).build());
        adminKeel = Keel.builder(admin).withoutIdempotencyStore().build();
        adminKeel.ensureTopology(TopicSpec.builder(topic).partitions(2).group(GROUP).build());
    }

    @AfterEach
    void close() {
        adminKeel.close();
        admin.close();
        artemis.removeUser(user);
    }

    @Test
    void aWrongPasswordShouldRefusePublishSubscribeAndDeclareNamingTheUserButNotThePassword() {
        artemis.putUser(user, password, SecuredArtemis.ADMIN);
        String wrong = "wrong-" + UUID.randomUUID();
        try (ArtemisAdapter adapter = new ArtemisAdapter(config(user, wrong).build());
             Keel keel = Keel.builder(adapter).withoutIdempotencyStore().build()) {
            assertRefused(catchThrowable(() -> keel.publisher(topic, Codec.utf8()).message("m").key("k").publish()),
                    wrong);
            assertRefused(catchThrowable(() -> keel.subscribe(subscription(), d -> { })), wrong);
            assertRefused(catchThrowable(() -> keel.ensureTopology(TopicSpec.builder(UniqueNames.of("other"))
                    .partitions(2).group(GROUP).build())), wrong);
            assertThat(keel.subscriptions()).as("subscriptions listed").isEmpty();
        }
    }

    @Test
    void aSendWithoutTheSendPermissionShouldBeRefusedAndNotStoredWhileConsumingStillWorks() {
        artemis.putUser(user, password, SecuredArtemis.NO_SEND);
        Set<String> got = ConcurrentHashMap.newKeySet();
        try (ArtemisAdapter adapter = new ArtemisAdapter(config(user, password).build());
             Keel keel = Keel.builder(adapter).withoutIdempotencyStore().build()) {
            Throwable refused = catchThrowable(() -> keel.publisher(topic, Codec.utf8()).message("refused").key("k")
                    .publish());
            assertRefused(refused, password);
            assertThat(refused).hasMessageContaining("'send'");

            keel.subscribe(subscription(), d -> got.add(d.payload()));
            adminKeel.publisher(topic, Codec.utf8()).message("allowed").key("k").publish();
            await().atMost(60, TimeUnit.SECONDS).until(() -> got.contains("allowed"));
        }
        assertThat(got).as("the refused message was not stored").doesNotContain("refused");
    }

    @Test
    void aSubscribeWithoutTheConsumePermissionShouldBeRefusedAndLeaveEveryMessageQueued() {
        artemis.putUser(user, password, SecuredArtemis.NO_CONSUME);
        publish("m", 5);
        try (ArtemisAdapter adapter = new ArtemisAdapter(config(user, password).build());
             Keel keel = Keel.builder(adapter).withoutIdempotencyStore().build()) {
            Throwable refused = catchThrowable(() -> keel.subscribe(subscription(), d -> { }));

            assertRefused(refused, password);
            assertThat(refused).hasMessageContaining("'consume'");
            assertThat(keel.subscriptions()).as("subscriptions listed").isEmpty();
        }
        Set<String> got = ConcurrentHashMap.newKeySet();
        adminKeel.subscribe(subscription(), d -> got.add(d.payload()));
        await().atMost(60, TimeUnit.SECONDS).until(() -> got.size() == 5);
    }

    @Test
    void aRunningSubscriptionWhoseLoginIsRefusedShouldFailWithoutLossAndARestartWithTheNewPasswordConsumesAll() {
        artemis.putUser(user, password, SecuredArtemis.ADMIN);
        Set<String> handled = ConcurrentHashMap.newKeySet();
        String rotated = "rotated-" + UUID.randomUUID();
        try (ArtemisAdapter adapter = new ArtemisAdapter(config(user, password).build());
             Keel keel = Keel.builder(adapter).withoutIdempotencyStore().build()) {
            Subscription subscription = keel.subscribe(subscription(), d -> handled.add(d.payload()));
            publish("before", 10);
            await().atMost(60, TimeUnit.SECONDS).until(() -> handled.size() == 10);

            artemis.putUser(user, rotated, SecuredArtemis.ADMIN);
            artemis.restart();

            await().atMost(90, TimeUnit.SECONDS).until(() -> subscription.state() == Subscription.State.FAILED);
            assertThat(subscription.failure()).get().isInstanceOf(AccessRefusedException.class)
                    .satisfies(e -> assertThat(e).hasMessageContaining(user).hasMessageNotContaining(rotated));
        }
        publish("after", 10);
        try (ArtemisAdapter restarted = new ArtemisAdapter(config(user, rotated).build());
             Keel again = Keel.builder(restarted).withoutIdempotencyStore().build()) {
            again.subscribe(subscription(), d -> handled.add(d.payload()));
            await().atMost(60, TimeUnit.SECONDS).until(() -> handled.size() == 20);
        }
        for (int i = 0; i < 10; i++) {
            assertThat(handled).contains("before-" + i, "after-" + i);
        }
    }

    private void publish(String prefix, int count) {
        for (int i = 0; i < count; i++) {
            adminKeel.publisher(topic, Codec.utf8()).message(prefix + "-" + i).key("k" + i).publish();
        }
    }

    private void assertRefused(Throwable refused, String secret) {
        assertThat(refused).isInstanceOf(AccessRefusedException.class).hasMessageContaining(user)
                .hasMessageNotContaining(secret);
        assertThat(((KeelException) refused).isRetriable()).as("retriable").isFalse();
    }

    private ArtemisConfig.Builder config(String user, String password) {
        return ArtemisConfig.custom().url(artemis.url()).credentials(user, password)
                .maxMessageBytes(ArtemisTestSupport.MAX_MESSAGE_BYTES);
    }

    private SubscriptionConfig<String> subscription() {
        return SubscriptionConfig.builder(topic, GROUP, Codec.utf8()).guarantee(DeliveryGuarantee.AT_LEAST_ONCE)
                .closeTimeout(Duration.ofSeconds(10)).build();
    }
}
