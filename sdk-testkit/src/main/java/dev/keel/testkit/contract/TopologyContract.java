package dev.keel.testkit.contract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keel.KeelException;
import dev.keel.Message;
import dev.keel.Subscription;
import dev.keel.TopicSpec;
import dev.keel.TopologyException;
import dev.keel.UnroutableException;
import dev.keel.core.Keel;
import dev.keel.metrics.MetricEvent;
import dev.keel.retry.DeadLetterPolicy;
import dev.keel.spi.BrokerAdapter;
import dev.keel.spi.Capability;
import dev.keel.spi.TopologyAdmin;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The topology half of the contract: declaring is idempotent and never changes an existing topic,
 * a subscription ensures its dead-letter topic (named by its policy) with its group keeping the
 * dead letters, and {@link TopologyAdmin} describes and deletes topics. Run through
 * {@link BrokerContractTest}.
 */
public abstract class TopologyContract extends BrokerContractSupport {

    @Test
    void declaringATopicTwiceWithTheSameSettingsShouldBeSilent() {
        BrokerAdapter adapter = newAdapter();
        TopologyAdmin admin = topologyAdmin(adapter);
        TopicSpec spec = topic(topic).group(group).build();

        adapter.ensureTopology(spec);
        adapter.ensureTopology(spec);
        newAdapter().ensureTopology(spec);

        TopicSpec described = admin.describeTopology(topic).orElseThrow();
        assertThat(described.partitions()).isEqualTo(spec.partitions());
        assertThat(described.replicationFactor()).isEqualTo(spec.replicationFactor());
        assertThat(described.minInSyncReplicas()).isEqualTo(spec.minInSyncReplicas());
        if (!described.groups().isEmpty()) { // brokers that keep groups report them (not Kafka)
            assertThat(described.groups()).contains(group);
        }
    }

    @Test
    void declaringATopicAgainWithMorePartitionsShouldFailWithTopologyException() {
        BrokerAdapter adapter = newAdapter();
        TopicSpec spec = topic(topic).group(group).build();
        adapter.ensureTopology(spec);
        int more = spec.partitions() + 4;

        assertThatThrownBy(() -> newAdapter().ensureTopology(topic(topic).partitions(more).group(group).build()))
                .isInstanceOf(TopologyException.class)
                .hasMessageContaining(topic)
                .hasMessageContaining(Integer.toString(spec.partitions()))
                .hasMessageContaining(Integer.toString(more))
                .satisfies(e -> assertThat(((KeelException) e).isRetriable()).isFalse());
        assertThat(topologyAdmin(adapter).describeTopology(topic).orElseThrow().partitions())
                .isEqualTo(spec.partitions());
    }

    @Test
    void declaringATopicAgainWithAnotherReplicationFactorShouldFailWithTopologyException() {
        BrokerAdapter adapter = newAdapter();
        TopologyAdmin admin = topologyAdmin(adapter);
        TopicSpec spec = topic(topic).group(group).build();
        adapter.ensureTopology(spec);
        int other = spec.replicationFactor() + 1;

        assertThatThrownBy(() -> adapter.ensureTopology(topic(topic).replicationFactor(other).group(group).build()))
                .isInstanceOf(TopologyException.class)
                .hasMessageContaining("replication factor " + spec.replicationFactor())
                .hasMessageContaining("requested " + other);
        assertThat(admin.describeTopology(topic).orElseThrow().replicationFactor())
                .isEqualTo(spec.replicationFactor());
    }

    @Test
    void aDeletedTopicShouldBeGoneWithEverythingDeclaredForIt() {
        Keel keel = newKeel();
        TopologyAdmin admin = topologyAdmin(adapterOf(keel));
        declare(keel);
        Effects effects = new Effects();
        Subscription subscription = keel.subscribe(subscription().build(), effects::apply);
        List<Message> messages = List.of(message("t-1", "a"), message("t-2", "b"));
        publishConfirmed(keel, topic, messages);
        awaitHandled(effects, idsOf(messages));
        subscription.close();
        assertThat(admin.describeTopology(deadLetters)).as("the dead-letter topic the subscription ensured")
                .isPresent();

        admin.deleteTopology(topic);
        admin.deleteTopology(deadLetters);

        assertThat(admin.describeTopology(topic)).isEmpty();
        assertThat(admin.describeTopology(deadLetters)).isEmpty();
        if (has(Capability.UNROUTABLE_DETECTION)) {
            assertThat(failureOf(() -> keel.publisher().publishAsync(topic, message("t-3", "a"))))
                    .isInstanceOf(UnroutableException.class);
        }
        admin.deleteTopology(topic); // nothing left: silent
        int other = topic(topic).build().partitions() + 1;
        newAdapter().ensureTopology(topic(topic).partitions(other).group(group).build()); // nothing of the old one is in the way
        assertThat(admin.describeTopology(topic).orElseThrow().partitions()).isEqualTo(other);
    }

    @Test
    void deadLettersShouldBeKeptForTheGroupInTheDefaultDeadLetterTopicWithoutDeclaringIt() {
        Keel keel = newKeel();
        declare(keel);
        Subscription subscription = keel.subscribe(subscription().retryPolicy(quickRetries(1)).build(),
                poisonOr(new Effects()));

        publishConfirmed(keel, topic, List.of(message("poison-1", "a"), message("fine-1", "b")));

        awaitUntil("the poison message dead-lettered", () -> metrics.count(MetricEvent.DEAD_LETTERED) >= 1);
        subscription.close();
        RawReader keptForTheGroup = read(deadLetters, group); // after the fact, with the subscription's group
        awaitUntil("the dead letter read from " + deadLetters, () -> keptForTheGroup.ids().contains("poison-1"));
        assertThat(keptForTheGroup.ids()).containsOnly("poison-1");
    }

    @Test
    void deadLettersShouldGoToTheTopicTheirPolicyNames() {
        Keel keel = newKeel();
        declare(keel);
        String custom = topic + "-dead";
        Subscription subscription = keel.subscribe(subscription().retryPolicy(quickRetries(1))
                .deadLetterPolicy(DeadLetterPolicy.toTopic(custom)).build(), poisonOr(new Effects()));

        publishConfirmed(keel, topic, List.of(message("poison-2", "a")));

        awaitUntil("the poison message dead-lettered", () -> metrics.count(MetricEvent.DEAD_LETTERED) >= 1);
        subscription.close();
        RawReader reader = read(custom, group);
        awaitUntil("the dead letter read from " + custom, () -> reader.ids().contains("poison-2"));
        if (adapterOf(keel) instanceof TopologyAdmin admin) {
            assertThat(admin.describeTopology(deadLetters)).as("the default dead-letter topic, unused").isEmpty();
        }
    }

    /** Throws for ids starting with "poison", applies the rest. */
    private static dev.keel.MessageHandler<String> poisonOr(Effects effects) {
        return d -> {
            if (d.id().startsWith("poison")) {
                throw new IllegalStateException("poison pill " + d.id());
            }
            effects.apply(d);
        };
    }

    private static TopologyAdmin topologyAdmin(BrokerAdapter adapter) {
        Assumptions.assumeTrue(adapter instanceof TopologyAdmin, "adapter does not implement TopologyAdmin");
        return (TopologyAdmin) adapter;
    }
}
