package dev.keel.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.keel.Codec;
import dev.keel.SubscriptionConfig;
import dev.keel.TopicSpec;
import dev.keel.core.InMemoryIdempotencyStore;
import dev.keel.core.Keel;
import dev.keel.ordering.Ordering;
import dev.keel.testbrokers.BrokerKind;
import dev.keel.testbrokers.Brokers;
import dev.keel.testbrokers.Origin;
import dev.keel.testbrokers.UsesBrokers;
import java.time.Duration;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.FeatureUpdate;
import org.apache.kafka.clients.admin.UpdateFeaturesOptions;
import org.junit.jupiter.api.Test;

/**
 * A share-group subscription on a cluster without share groups fails at once, typed, naming the feature. The
 * harness's Kafka has them (share.version=2) and cannot start without: the test turns the feature off on it (Kafka
 * allows the downgrade to 0 on a live cluster) and back on afterwards, so it runs only on a Kafka the harness owns.
 */
@UsesBrokers(BrokerKind.KAFKA)
class KafkaShareGroupsDisabledTest {

    @Test
    void aShareGroupSubscriptionWithoutShareVersionShouldFailAtOnceNamingTheFeature() throws Exception {
        assumeTrue(Brokers.kafka().origin() != Origin.CONFIGURED, "turns a cluster feature off for a moment: only on "
                + "a Kafka the harness owns");
        String bootstrap = Brokers.kafka().bootstrapServers();
        String topic = KafkaTestSupport.unique("no-share");
        try (KafkaAdapter adapter = new KafkaAdapter(KafkaTestSupport.config(bootstrap).build());
             Keel keel = Keel.builder(adapter).idempotencyStore(new InMemoryIdempotencyStore()).build()) {
            keel.ensureTopology(TopicSpec.builder(topic).partitions(1).build());
            adapter.requireShareGroups(); // the harness's cluster offers them

            short level = setShareVersion(bootstrap, (short) 0);
            try {
                long startedAt = System.nanoTime();
                assertThatThrownBy(() -> keel.subscribe(SubscriptionConfig.builder(topic, "billing", Codec.utf8())
                        .shareGroup(true).ordering(Ordering.UNORDERED).build(), d -> { }))
                        .isInstanceOf(ShareGroupsUnavailableException.class)
                        .hasMessageContaining("share.version is not enabled")
                        .hasMessageContaining("upgrade --feature share.version=2")
                        .satisfies(e -> assertThat(((ShareGroupsUnavailableException) e).isRetriable()).isFalse());
                assertThat(Duration.ofNanos(System.nanoTime() - startedAt)).as("at once, not after a timeout")
                        .isLessThan(Duration.ofSeconds(10));
                assertThatThrownBy(adapter::requireShareGroups).isInstanceOf(ShareGroupsUnavailableException.class);
                assertThat(KafkaTestSupport.topicConfig(bootstrap, topic + ".DLT", "cleanup.policy"))
                        .as("nothing created before the check").isNull();
            } finally {
                setShareVersion(bootstrap, level);
            }
            // the cluster applies a feature update through its metadata log: a moment passes before brokers serve it
            await().atMost(Duration.ofSeconds(60)).ignoreExceptions().untilAsserted(adapter::requireShareGroups);
        }
    }

    /** Sets the cluster's share.version, returning the level it had. */
    private static short setShareVersion(String bootstrap, short level) throws Exception {
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
            org.apache.kafka.clients.admin.FinalizedVersionRange finalized = admin.describeFeatures().featureMetadata()
                    .get().finalizedFeatures().get(ShareGroupsUnavailableException.FEATURE);
            short before = finalized == null ? 0 : finalized.maxVersionLevel(); // level 0: not listed
            FeatureUpdate.UpgradeType type = level < before ? FeatureUpdate.UpgradeType.SAFE_DOWNGRADE
                    : FeatureUpdate.UpgradeType.UPGRADE;
            admin.updateFeatures(Map.of(ShareGroupsUnavailableException.FEATURE, new FeatureUpdate(level, type)),
                    new UpdateFeaturesOptions()).all().get();
            return before;
        }
    }
}
