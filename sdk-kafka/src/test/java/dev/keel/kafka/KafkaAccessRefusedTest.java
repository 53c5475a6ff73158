package dev.keel.kafka;

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
import dev.keel.testbrokers.SecuredKafka;
import dev.keel.testbrokers.UsesBrokers;
import java.time.Duration;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourceType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * On a Kafka with an authorizer (SCRAM-SHA-512 users, ACLs), what the broker refuses (a login, writing to a topic,
 * reading as a group) fails at once with an {@link AccessRefusedException}: not retriable, never the password in it;
 * nothing is lost, and a running subscription whose read permission is taken away fails instead of retrying for
 * ever; granted again and started again, it consumes everything.
 */
@Tag("secured")
@UsesBrokers(BrokerKind.KAFKA)
class KafkaAccessRefusedTest {

    private static final String GROUP = "g";

    private final SecuredKafka kafka = SecuredKafka.local();
    private final String topic = KafkaTestSupport.unique("refused-access");
    private final String admin = "keel-admin-" + UUID.randomUUID().toString().substring(0, 8);
    private final String adminPassword = "pw-" + UUID.randomUUID();
    private final String user = "keel-user-" + UUID.randomUUID().toString().substring(0, 8);
    private final String password = "pw-" + UUID.randomUUID();
    private KafkaAdapter adminAdapter;
    private Keel adminKeel;

    @BeforeEach
    void open() {
        kafka.putUser(admin, adminPassword);
        kafka.allow(admin, ResourceType.TOPIC, "*", PatternType.LITERAL, AclOperation.ALL);
        kafka.allow(admin, ResourceType.GROUP, "*", PatternType.LITERAL, AclOperation.ALL);
        kafka.allow(admin, ResourceType.CLUSTER, "kafka-cluster", PatternType.LITERAL, AclOperation.ALL);
        kafka.putUser(user, password);
        adminAdapter = new KafkaAdapter(config(admin, adminPassword).build());
        adminKeel = Keel.builder(adminAdapter).withoutIdempotencyStore().build();
        adminKeel.ensureTopology(TopicSpec.builder(topic).partitions(2).group(GROUP).build());
    }

    @AfterEach
    void close() {
        adminKeel.close();
        adminAdapter.close();
        kafka.revokeAll(user);
        kafka.revokeAll(admin);
    }

    @Test
    void aWrongPasswordShouldRefusePublishAndSubscribeAtOnceWithoutThePassword() {
        String wrong = "wrong-" + UUID.randomUUID();
        try (KafkaAdapter adapter = new KafkaAdapter(config(user, wrong).build());
             Keel keel = Keel.builder(adapter).withoutIdempotencyStore().build()) {
            assertRefused(catchThrowable(() -> keel.publisher(topic, Codec.utf8()).message("m").key("k").publish()),
                    wrong);
            assertRefused(catchThrowable(() -> keel.subscribe(subscription(), d -> { })), wrong);
            assertThat(keel.subscriptions()).as("subscriptions listed").isEmpty();
        }
    }

    @Test
    void aPublishWithoutWriteShouldBeRefusedAndNotStored() {
        kafka.allow(user, ResourceType.TOPIC, topic, PatternType.PREFIXED, AclOperation.DESCRIBE,
                AclOperation.DESCRIBE_CONFIGS, AclOperation.READ, AclOperation.CREATE);
        kafka.allow(user, ResourceType.TOPIC, topic + ".DLT", PatternType.LITERAL, AclOperation.WRITE);
        kafka.allow(user, ResourceType.GROUP, GROUP, PatternType.LITERAL, AclOperation.READ, AclOperation.DESCRIBE);
        Set<String> got = ConcurrentHashMap.newKeySet();
        try (KafkaAdapter adapter = new KafkaAdapter(config(user, password).build());
             Keel keel = Keel.builder(adapter).withoutIdempotencyStore().build()) {
            Throwable refused = catchThrowable(() -> keel.publisher(topic, Codec.utf8()).message("refused").key("k")
                    .publish());
            assertRefused(refused, password);
            assertThat(refused).hasMessageContaining("WRITE");

            keel.subscribe(subscription(), d -> got.add(d.payload()));
            adminKeel.publisher(topic, Codec.utf8()).message("allowed").key("k").publish();
            await().atMost(60, TimeUnit.SECONDS).until(() -> got.contains("allowed"));
        }
        assertThat(got).as("the refused message was not stored").doesNotContain("refused");
    }

    @Test
    void aSubscribeWithoutReadOnTheGroupShouldBeRefusedAndLeaveEveryMessage() {
        kafka.allow(user, ResourceType.TOPIC, topic, PatternType.LITERAL, AclOperation.DESCRIBE,
                AclOperation.DESCRIBE_CONFIGS, AclOperation.READ);
        publish("m", 5);
        try (KafkaAdapter adapter = new KafkaAdapter(config(user, password).build());
             Keel keel = Keel.builder(adapter).withoutIdempotencyStore().build()) {
            Throwable refused = catchThrowable(() -> {
                Subscription s = keel.subscribe(subscription(), d -> { });
                await().atMost(60, TimeUnit.SECONDS).until(() -> s.state() == Subscription.State.FAILED);
                throw s.failure().orElseThrow();
            });
            assertRefused(refused, password);
        }
        Set<String> got = ConcurrentHashMap.newKeySet();
        adminKeel.subscribe(subscription(), d -> got.add(d.payload()));
        await().atMost(60, TimeUnit.SECONDS).until(() -> got.size() == 5);
    }

    @Test
    void aRunningSubscriptionWhoseReadIsRevokedShouldFailWithoutLossAndConsumeEverythingOnceGrantedAgain() {
        grantConsumer();
        Set<String> handled = ConcurrentHashMap.newKeySet();
        try (KafkaAdapter adapter = new KafkaAdapter(config(user, password).build());
             Keel keel = Keel.builder(adapter).withoutIdempotencyStore().build()) {
            Subscription subscription = keel.subscribe(subscription(), d -> handled.add(d.payload()));
            publish("before", 10);
            await().atMost(60, TimeUnit.SECONDS).until(() -> handled.size() == 10);

            kafka.revokeAll(user);
            publish("after", 10);

            await().atMost(90, TimeUnit.SECONDS).until(() -> subscription.state() == Subscription.State.FAILED);
            assertThat(subscription.failure()).get().isInstanceOf(AccessRefusedException.class);
        }
        grantConsumer();
        try (KafkaAdapter adapter = new KafkaAdapter(config(user, password).build());
             Keel again = Keel.builder(adapter).withoutIdempotencyStore().build()) {
            again.subscribe(subscription(), d -> handled.add(d.payload()));
            await().atMost(60, TimeUnit.SECONDS).until(() -> handled.size() == 20);
        }
        for (int i = 0; i < 10; i++) {
            assertThat(handled).contains("before-" + i, "after-" + i);
        }
    }

    /**
     * What a consumer of one topic and group needs, as docs/security.md lists it: on the topic and the names it
     * starts (its dead-letter topic {@code <topic>.DLT}), Describe, DescribeConfigs, Read, Create and Write (Create
     * and Write for the dead-letter topic); on the group, Read and Describe.
     */
    private void grantConsumer() {
        kafka.allow(user, ResourceType.TOPIC, topic, PatternType.PREFIXED, AclOperation.DESCRIBE,
                AclOperation.DESCRIBE_CONFIGS, AclOperation.READ, AclOperation.CREATE, AclOperation.WRITE);
        kafka.allow(user, ResourceType.GROUP, GROUP, PatternType.LITERAL, AclOperation.READ, AclOperation.DESCRIBE);
    }

    private void publish(String prefix, int count) {
        for (int i = 0; i < count; i++) {
            adminKeel.publisher(topic, Codec.utf8()).message(prefix + "-" + i).key("k" + i).publish();
        }
    }

    private static void assertRefused(Throwable refused, String secret) {
        assertThat(refused).isInstanceOf(AccessRefusedException.class).hasMessageNotContaining(secret);
        assertThat(((KeelException) refused).isRetriable()).as("retriable").isFalse();
    }

    private KafkaConfig.Builder config(String user, String password) {
        return KafkaTestSupport.config(kafka.bootstrapServers()).properties(kafka.clientProperties(user, password));
    }

    private SubscriptionConfig<String> subscription() {
        return SubscriptionConfig.builder(topic, GROUP, Codec.utf8()).guarantee(DeliveryGuarantee.AT_LEAST_ONCE)
                .closeTimeout(Duration.ofSeconds(10)).build();
    }
}
