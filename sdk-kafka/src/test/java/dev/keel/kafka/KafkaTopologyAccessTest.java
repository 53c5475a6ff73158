package dev.keel.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.keel.AccessRefusedException;
import dev.keel.Codec;
import dev.keel.DelayTooLongException;
import dev.keel.TopicSpec;
import dev.keel.core.Keel;
import dev.keel.kafka.internal.DelayTopics;
import dev.keel.testbrokers.BrokerKind;
import dev.keel.testbrokers.SecuredKafka;
import dev.keel.testbrokers.UsesBrokers;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourceType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Declaring topics on a Kafka with an authorizer, as a user with the ACLs docs/security.md lists for it: with them
 * {@code ensureTopology} creates a topic and checks an existing one; with one missing it fails with an
 * {@link AccessRefusedException} naming the operation and the topic to grant, and creates nothing. A delayed publish
 * whose user may not alter the delay topic's configuration is refused only when the delay is longer than the delay
 * topic keeps its records, with the setting to raise; once allowed, Keel raises it.
 */
@Tag("secured")
@UsesBrokers(BrokerKind.KAFKA)
class KafkaTopologyAccessTest {

    /** One of the ACLs declaring needs, left out. */
    enum Missing {
        /** The topic does not exist: refused creating it. */
        CREATE(false),
        /** Refused asking whether the topic exists, before anything is created. */
        DESCRIBE(false),
        /** The topic exists: refused reading its min.insync.replicas to compare with the declaration. */
        DESCRIBE_CONFIGS(true);

        private final boolean topicExists;

        Missing(boolean topicExists) {
            this.topicExists = topicExists;
        }
    }

    private final SecuredKafka kafka = SecuredKafka.local();
    private final String setup = kafka.superUserBootstrapServers();
    private final String topic = KafkaTestSupport.unique("declared");
    private final String user = "topology-" + UUID.randomUUID().toString().substring(0, 8);
    private final String password = "pw-" + UUID.randomUUID();

    @AfterEach
    void revoke() {
        kafka.revokeAll(user);
    }

    @Test
    void aUserWithCreateDescribeAndDescribeConfigsShouldDeclareATopicAndDeclareItAgain() throws Exception {
        kafka.putUser(user, password);
        grant(AclOperation.CREATE, AclOperation.DESCRIBE, AclOperation.DESCRIBE_CONFIGS);
        try (KafkaAdapter adapter = adapter()) {
            adapter.ensureTopology(TopicSpec.builder(topic).partitions(2).build());
            adapter.ensureTopology(TopicSpec.builder(topic).partitions(2).build());
        }
        assertThat(KafkaTestSupport.endOffsets(setup, topic)).as("the topic's partitions").hasSize(2);
    }

    @ParameterizedTest(name = "without {0}")
    @EnumSource(Missing.class)
    void aDeclarationMissingOneAclShouldBeRefusedNamingItAndCreateNothing(Missing missing) throws Exception {
        if (missing.topicExists) {
            KafkaTestSupport.createTopic(setup, topic, 2);
        }
        kafka.putUser(user, password);
        for (AclOperation operation : new AclOperation[] {AclOperation.CREATE, AclOperation.DESCRIBE,
                AclOperation.DESCRIBE_CONFIGS}) {
            if (!operation.name().equals(missing.name())) {
                grant(operation);
            }
        }
        Throwable refused;
        try (KafkaAdapter adapter = adapter()) {
            refused = catchThrowable(() -> adapter.ensureTopology(TopicSpec.builder(topic).partitions(2).build()));
        }

        assertThat(refused).isInstanceOf(AccessRefusedException.class)
                .hasMessageContaining(missing.name() + " on Topic:" + topic).hasMessageNotContaining(password);
        assertThat(((AccessRefusedException) refused).isRetriable()).isFalse();
        try (Admin admin = KafkaTestSupport.admin(setup)) {
            assertThat(admin.listTopics().names().get().contains(topic)).as("the topic exists")
                    .isEqualTo(missing.topicExists);
        }

        grant(AclOperation.valueOf(missing.name()));
        try (KafkaAdapter adapter = adapter()) {
            adapter.ensureTopology(TopicSpec.builder(topic).partitions(2).build());
        }
        assertThat(KafkaTestSupport.endOffsets(setup, topic)).hasSize(2);
    }

    /**
     * The delay topic exists with a retention of 2 h. Without AlterConfigs a delay of 30 min is taken and one of 3 h
     * refused naming retention.ms; with AlterConfigs Keel raises the retention and takes the 3 h delay.
     */
    @Test
    void aDelayedPublisherThatMayNotAlterTheDelayTopicShouldTakeDelaysItKeepsAndRefuseLongerOnes() throws Exception {
        String delayTopic = DelayTopics.delayTopic(topic);
        KafkaTestSupport.createTopic(setup, topic, 1);
        KafkaTestSupport.createTopic(setup, delayTopic, 1, Map.of(TopicConfig.RETENTION_MS_CONFIG,
                String.valueOf(Duration.ofHours(2).toMillis())));
        kafka.putUser(user, password);
        grant(AclOperation.WRITE, AclOperation.DESCRIBE, AclOperation.DESCRIBE_CONFIGS);

        try (KafkaAdapter adapter = adapter(); Keel keel = Keel.builder(adapter).withoutIdempotencyStore().build()) {
            keel.publisher(topic, Codec.utf8()).message("soon").id("soon").delay(Duration.ofMinutes(30)).publish();
            Throwable refused = catchThrowable(() -> keel.publisher(topic, Codec.utf8()).message("late").id("late")
                    .delay(Duration.ofHours(3)).publish());
            assertThat(refused).isInstanceOf(DelayTooLongException.class)
                    .hasMessageContaining(TopicConfig.RETENTION_MS_CONFIG).hasMessageContaining(delayTopic);
        }
        assertThat(KafkaTestSupport.topicConfig(setup, delayTopic, TopicConfig.RETENTION_MS_CONFIG))
                .isEqualTo(String.valueOf(Duration.ofHours(2).toMillis()));

        grant(AclOperation.ALTER_CONFIGS);
        try (KafkaAdapter adapter = adapter(); Keel keel = Keel.builder(adapter).withoutIdempotencyStore().build()) {
            keel.publisher(topic, Codec.utf8()).message("late").id("late").delay(Duration.ofHours(3)).publish();
        }
        assertThat(Long.parseLong(KafkaTestSupport.topicConfig(setup, delayTopic, TopicConfig.RETENTION_MS_CONFIG)))
                .isGreaterThanOrEqualTo(Duration.ofDays(7).toMillis());
        assertThat(KafkaTestSupport.endOffsets(setup, delayTopic)).containsEntry(0, 2L);
    }

    /** {@code operations} on the topic and every topic it starts (its delay and dead-letter topics). */
    private void grant(AclOperation... operations) {
        kafka.allow(user, ResourceType.TOPIC, topic, PatternType.PREFIXED, operations);
    }

    private KafkaAdapter adapter() {
        return new KafkaAdapter(KafkaTestSupport.config(kafka.bootstrapServers())
                .properties(kafka.clientProperties(user, password)).build());
    }
}
