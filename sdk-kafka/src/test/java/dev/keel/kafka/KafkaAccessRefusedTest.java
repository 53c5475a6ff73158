package dev.keel.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.keel.AccessRefusedException;
import dev.keel.Codec;
import dev.keel.DeliveryGuarantee;
import dev.keel.Subscription;
import dev.keel.SubscriptionConfig;
import dev.keel.core.Keel;
import dev.keel.spi.BrokerAdapter;
import dev.keel.testbrokers.BrokerKind;
import dev.keel.testbrokers.SecuredKafka;
import dev.keel.testbrokers.UsesBrokers;
import dev.keel.testkit.contract.RefusedAccessContract;
import java.time.Duration;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourceType;
import org.junit.jupiter.api.Test;

/**
 * The refused-access contract on a Kafka with an authorizer: SCRAM-SHA-512 users and ACLs; a running subscription is
 * cut off by removing its ACLs (before, it polled again every 5 s for ever, logging GroupAuthorizationException).
 * The ACLs granted are the least docs/security.md lists for a consumer and a publisher of one topic.
 */
@UsesBrokers(BrokerKind.KAFKA)
class KafkaAccessRefusedTest extends RefusedAccessContract {

    private static final String ADMIN = "keel-admin-" + UUID.randomUUID().toString().substring(0, 8);
    private static final String ADMIN_PASSWORD = "pw-" + UUID.randomUUID();
    private static boolean adminCreated;

    private final SecuredKafka kafka = SecuredKafka.local();

    @Override
    protected BrokerAdapter adminAdapter() {
        synchronized (KafkaAccessRefusedTest.class) {
            if (!adminCreated) {
                kafka.putUser(ADMIN, ADMIN_PASSWORD);
                kafka.allow(ADMIN, ResourceType.TOPIC, "*", PatternType.LITERAL, AclOperation.ALL);
                kafka.allow(ADMIN, ResourceType.GROUP, "*", PatternType.LITERAL, AclOperation.ALL);
                kafka.allow(ADMIN, ResourceType.CLUSTER, "kafka-cluster", PatternType.LITERAL, AclOperation.ALL);
                adminCreated = true;
            }
        }
        return adapterAs(ADMIN, ADMIN_PASSWORD);
    }

    @Override
    protected void createUser(String user, String password, Grant grant, String topic, String group) {
        kafka.putUser(user, password);
        grant(user, grant, topic, group);
    }

    /**
     * On the topic and the names it starts (its dead-letter topic {@code <topic>.DLT}): Describe, DescribeConfigs,
     * Read, Create, and Write (without the permission to publish: Write on the dead-letter topic only); on the group
     * Read and Describe (without the permission to consume: none).
     */
    private void grant(String user, Grant grant, String topic, String group) {
        kafka.allow(user, ResourceType.TOPIC, topic, PatternType.PREFIXED, AclOperation.DESCRIBE,
                AclOperation.DESCRIBE_CONFIGS, AclOperation.READ, AclOperation.CREATE);
        if (grant == Grant.NO_PUBLISH) {
            kafka.allow(user, ResourceType.TOPIC, topic + ".DLT", PatternType.LITERAL, AclOperation.WRITE);
        } else {
            kafka.allow(user, ResourceType.TOPIC, topic, PatternType.PREFIXED, AclOperation.WRITE);
        }
        if (grant != Grant.NO_CONSUME) {
            kafka.allow(user, ResourceType.GROUP, group, PatternType.LITERAL, AclOperation.READ,
                    AclOperation.DESCRIBE);
        }
    }

    @Override
    protected BrokerAdapter adapterAs(String user, String password) {
        return new KafkaAdapter(KafkaTestSupport.config(kafka.bootstrapServers())
                .properties(kafka.clientProperties(user, password)).build());
    }

    @Override
    protected String cutOff(String user, String password, String topic, String group) {
        kafka.revokeAll(user); // Kafka checks ACLs on every request: the next fetch is refused
        return password;
    }

    @Override
    protected void restore(String user, String topic, String group) {
        grant(user, Grant.EVERYTHING, topic, group);
    }

    @Override
    protected void removeUser(String user) {
        kafka.revokeAll(user);
    }

    /**
     * Kafka authorizes a fetch by the topic's ACLs and a commit by the group's: with only Read on the group taken away,
     * the consumer goes on fetching and handling while every commit is refused (review S1: RUNNING for 60 s, 296
     * client ERROR lines, everything handled delivered again after a restart). It must fail instead.
     */
    @Test
    void aRunningSubscriptionWhoseGroupReadIsRevokedShouldFailWithTheRefusal() {
        String user = "keel-user-" + UUID.randomUUID().toString().substring(0, 8);
        String password = "pw-" + UUID.randomUUID();
        createUser(user, password, Grant.EVERYTHING, topic(), "g");
        Set<String> handled = ConcurrentHashMap.newKeySet();
        try (BrokerAdapter adapter = adapterAs(user, password);
             Keel keel = Keel.builder(adapter).withoutIdempotencyStore().build()) {
            Subscription subscription = keel.subscribe(SubscriptionConfig.builder(topic(), "g", Codec.utf8())
                    .guarantee(DeliveryGuarantee.AT_LEAST_ONCE).build(), d -> handled.add(d.payload()));
            for (int i = 0; i < 5; i++) {
                adminKeel().publisher(topic(), Codec.utf8()).message("before-" + i).key("k" + i).publish();
            }
            await().atMost(Duration.ofSeconds(60)).until(() -> handled.size() == 5);

            kafka.revokeAll(user);
            grant(user, Grant.NO_CONSUME, topic(), "g"); // the topic's ACLs again
            kafka.allow(user, ResourceType.GROUP, "g", PatternType.LITERAL, AclOperation.DESCRIBE); // not Read
            for (int i = 0; i < 5; i++) {
                adminKeel().publisher(topic(), Codec.utf8()).message("after-" + i).key("k" + i).publish();
            }

            await().atMost(Duration.ofSeconds(90)).until(() -> subscription.state() == Subscription.State.FAILED);
            assertThat(subscription.failure()).get().isInstanceOf(AccessRefusedException.class)
                    .satisfies(e -> assertThat(e).hasMessageContaining("Read"));
        } finally {
            kafka.revokeAll(user);
        }
    }
}
