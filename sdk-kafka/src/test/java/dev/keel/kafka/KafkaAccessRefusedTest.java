package dev.keel.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.keel.AccessRefusedException;
import dev.keel.Codec;
import dev.keel.DeliveryGuarantee;
import dev.keel.Subscription;
import dev.keel.SubscriptionConfig;
import dev.keel.core.Keel;
import dev.keel.ordering.Ordering;
import dev.keel.spi.BrokerAdapter;
import dev.keel.testbrokers.BrokerKind;
import dev.keel.testbrokers.SecuredKafka;
import dev.keel.testbrokers.UsesBrokers;
import dev.keel.testkit.contract.RefusedAccessContract;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
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

    /**
     * A share-group subscription whose user loses Read on the share group while it runs: its members' next heartbeat
     * or fetch is refused. It stopped FAILED with Kafka's own GroupAuthorizationException; like a classic group's
     * subscription, it must fail with an AccessRefusedException that names the share group and what to grant, and
     * what it had not acknowledged stays for the group.
     */
    @Test
    void aRunningShareGroupSubscriptionWhoseGroupReadIsRevokedShouldFailWithTheRefusal() {
        String user = "keel-user-" + UUID.randomUUID().toString().substring(0, 8);
        String password = "pw-" + UUID.randomUUID();
        String shareGroup = KafkaAdapter.shareGroupId("g");
        createUser(user, password, Grant.EVERYTHING, topic(), shareGroup);
        grantShareGroup(user, shareGroup);
        Set<String> handled = ConcurrentHashMap.newKeySet();
        try (BrokerAdapter adapter = adapterAs(user, password);
             Keel keel = Keel.builder(adapter).withoutIdempotencyStore().build()) {
            Subscription subscription = keel.subscribe(SubscriptionConfig.builder(topic(), "g", Codec.utf8())
                    .shareGroup(true).ordering(Ordering.UNORDERED).guarantee(DeliveryGuarantee.AT_LEAST_ONCE).build(),
                    d -> handled.add(d.payload()));
            await().atMost(Duration.ofSeconds(60)).until(() -> subscription.state() == Subscription.State.RUNNING);
            for (int i = 0; i < 5; i++) {
                adminKeel().publisher(topic(), Codec.utf8()).message("before-" + i).key("k" + i).publish();
            }
            await().atMost(Duration.ofSeconds(60)).until(() -> handled.size() == 5);

            kafka.revokeAll(user);
            grant(user, Grant.NO_CONSUME, topic(), shareGroup); // the topic's ACLs again, nothing on the group
            for (int i = 0; i < 5; i++) {
                adminKeel().publisher(topic(), Codec.utf8()).message("after-" + i).key("k" + i).publish();
            }

            await().atMost(Duration.ofSeconds(90)).until(() -> subscription.state() == Subscription.State.FAILED);
            assertThat(subscription.failure()).get().isInstanceOf(AccessRefusedException.class)
                    .satisfies(e -> assertThat(e).hasMessageContaining(shareGroup).hasMessageContaining("Read")
                            .hasMessageNotContaining(password))
                    .satisfies(e -> assertThat(((AccessRefusedException) e).isRetriable()).isFalse());
        }
        grant(user, Grant.EVERYTHING, topic(), shareGroup);
        grantShareGroup(user, shareGroup);
        try (BrokerAdapter adapter = adapterAs(user, password);
             Keel keel = Keel.builder(adapter).withoutIdempotencyStore().build()) {
            keel.subscribe(SubscriptionConfig.builder(topic(), "g", Codec.utf8()).shareGroup(true)
                    .ordering(Ordering.UNORDERED).guarantee(DeliveryGuarantee.AT_LEAST_ONCE).build(),
                    d -> handled.add(d.payload()));
            await("what the refused subscription had not acknowledged").atMost(Duration.ofSeconds(90))
                    .until(() -> handled.size() == 10);
        } finally {
            kafka.revokeAll(user);
        }
    }

    /**
     * What docs/kafka.md ("Share groups") lists besides Read and Describe: the share group's configuration, read and
     * set by Keel, and Describe on the classic group whose committed offsets a share group carries over.
     */
    private void grantShareGroup(String user, String shareGroup) {
        kafka.allow(user, ResourceType.GROUP, shareGroup, PatternType.LITERAL, AclOperation.DESCRIBE_CONFIGS,
                AclOperation.ALTER_CONFIGS);
        kafka.allow(user, ResourceType.GROUP, "g", PatternType.LITERAL, AclOperation.DESCRIBE);
    }

    /**
     * A subscription runs its topic's delay forwarder, which consumes {@code T.keel-delay} as the group
     * {@code keel-delay-T}. Without Read on that group the forwarder was refused, stopped, started again after a
     * backoff, for ever, logging at WARN and ERROR, with the subscription RUNNING and the delayed message never
     * delivered. The subscription must fail with the refusal naming the group to grant, and the delayed message stay
     * for the subscription started again once it is granted, handled once.
     */
    @Test
    void aSubscriptionWhoseDelayForwarderMayNotReadItsGroupShouldFailNamingItAndLoseNothing() {
        String forwarderGroup = "keel-delay-" + topic();
        delayForwarderRefused(Grant.EVERYTHING, "Read on the group " + forwarderGroup, user -> kafka.allow(user,
                ResourceType.GROUP, forwarderGroup, PatternType.LITERAL, AclOperation.READ, AclOperation.DESCRIBE));
    }

    /**
     * The same forwarder, allowed to read its group but not to write to the topic: each forward was refused and retried
     * after a backoff, for ever, at WARN. The subscription must fail naming the Write to grant; nothing is lost.
     */
    @Test
    void aSubscriptionWhoseDelayForwarderMayNotWriteToTheTopicShouldFailNamingItAndLoseNothing() {
        String forwarderGroup = "keel-delay-" + topic();
        Consumer<String> readGroup = user -> kafka.allow(user, ResourceType.GROUP, forwarderGroup, PatternType.LITERAL,
                AclOperation.READ, AclOperation.DESCRIBE);
        delayForwarderRefused(Grant.NO_PUBLISH, "Write on " + topic(), readGroup.andThen(user -> kafka.allow(user,
                ResourceType.TOPIC, topic(), PatternType.LITERAL, AclOperation.WRITE)), readGroup);
    }

    /**
     * A subscriber whose ACLs name its topic and dead-letter topic literally, so that it may not Describe the delay
     * topic: the check for that topic was refused, logged at DEBUG and asked again every interval, for ever, with the
     * subscription RUNNING and the delayed message never delivered (second adversarial review). It must fail naming
     * the delay topic to grant; after the grant the message is handled once.
     */
    @Test
    void aSubscriptionThatMayNotDescribeItsDelayTopicShouldFailNamingItAndLoseNothing() {
        String forwarderGroup = "keel-delay-" + topic();
        String delayTopic = topic() + ".keel-delay";
        Consumer<String> literalGrants = user -> {
            for (String name : List.of(topic(), topic() + ".DLT")) {
                kafka.allow(user, ResourceType.TOPIC, name, PatternType.LITERAL, AclOperation.DESCRIBE,
                        AclOperation.DESCRIBE_CONFIGS, AclOperation.READ, AclOperation.CREATE, AclOperation.WRITE);
            }
            kafka.allow(user, ResourceType.GROUP, "g", PatternType.LITERAL, AclOperation.READ, AclOperation.DESCRIBE);
            kafka.allow(user, ResourceType.GROUP, forwarderGroup, PatternType.LITERAL, AclOperation.READ,
                    AclOperation.DESCRIBE);
        };
        delayForwarderRefused(Grant.NO_CONSUME, "Describe and Read on the topic " + delayTopic,
                user -> kafka.allow(user, ResourceType.TOPIC, delayTopic, PatternType.LITERAL, AclOperation.DESCRIBE,
                        AclOperation.READ), user -> {
                    kafka.revokeAll(user);
                    literalGrants.accept(user);
                });
    }

    private void delayForwarderRefused(Grant grant, String toGrant, Consumer<String> granting) {
        delayForwarderRefused(grant, toGrant, granting, user -> { });
    }

    /**
     * A message delayed by 1 s, published by the admin; a subscription as a user with {@code grant} and what
     * {@code before} adds must fail with a refusal that says {@code toGrant}, having handled nothing; once
     * {@code granting} granted it, a new subscription handles the message once.
     */
    private void delayForwarderRefused(Grant grant, String toGrant, Consumer<String> granting, Consumer<String> before) {
        String user = "keel-user-" + UUID.randomUUID().toString().substring(0, 8);
        String password = "pw-" + UUID.randomUUID();
        createUser(user, password, grant, topic(), "g");
        before.accept(user);
        Map<String, Integer> handled = new ConcurrentHashMap<>();
        try {
            adminKeel().publisher(topic(), Codec.utf8()).message("late").id("late-1").key("k")
                    .delay(Duration.ofSeconds(1)).publish();
            try (BrokerAdapter adapter = adapterAs(user, password);
                 Keel keel = Keel.builder(adapter).withoutIdempotencyStore().build()) {
                Subscription subscription = keel.subscribe(SubscriptionConfig.builder(topic(), "g", Codec.utf8())
                        .guarantee(DeliveryGuarantee.AT_LEAST_ONCE).build(), d -> handled.merge(d.id(), 1, Integer::sum));

                await().atMost(Duration.ofSeconds(90)).until(() -> subscription.state() == Subscription.State.FAILED);
                assertThat(subscription.failure()).get().isInstanceOf(AccessRefusedException.class)
                        .satisfies(e -> assertThat(e).hasMessageContaining(toGrant).hasMessageNotContaining(password))
                        .satisfies(e -> assertThat(((AccessRefusedException) e).isRetriable()).isFalse());
                assertThat(handled).as("the delayed message was not forwarded").isEmpty();
            }

            granting.accept(user);
            try (BrokerAdapter adapter = adapterAs(user, password);
                 Keel keel = Keel.builder(adapter).withoutIdempotencyStore().build()) {
                Subscription subscription = keel.subscribe(SubscriptionConfig.builder(topic(), "g", Codec.utf8())
                        .guarantee(DeliveryGuarantee.AT_LEAST_ONCE).build(), d -> handled.merge(d.id(), 1, Integer::sum));
                await().atMost(Duration.ofSeconds(90)).until(() -> handled.containsKey("late-1"));
                assertThat(subscription.state()).isEqualTo(Subscription.State.RUNNING);
            }
            assertThat(handled).containsExactly(Map.entry("late-1", 1));
        } finally {
            kafka.revokeAll(user);
        }
    }
}
