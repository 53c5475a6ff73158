package dev.keel.cli.verify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.keel.cli.CliRun;
import dev.keel.cli.ExitCodes;
import dev.keel.testbrokers.KafkaEndpoint;
import dev.keel.testbrokers.Origin;
import dev.keel.testbrokers.RealBrokers;
import java.time.Duration;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.FeatureUpdate;
import org.apache.kafka.clients.admin.FinalizedVersionRange;
import org.apache.kafka.clients.admin.UpdateFeaturesOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@code keel verify --share-group} on a Kafka without share groups stops before it runs anything, naming the broker
 * feature. The harness's Kafka has share groups: the test turns {@code share.version} off on it for a moment (so
 * only on a Kafka the harness owns).
 */
@ExtendWith(RealBrokers.class)
class VerifyShareGroupsDisabledTest {

    private static final String FEATURE = "share.version";

    @Test
    void verifyAsAShareGroupOnAKafkaWithoutShareGroupsShouldStopAtOnceNamingTheFeature(KafkaEndpoint kafka)
            throws Exception {
        assumeTrue(kafka.origin() != Origin.CONFIGURED, "turns a cluster feature off: only on a Kafka the harness owns");
        java.util.Set<String> topicsBefore = topics(kafka.bootstrapServers());
        short level = setShareVersion(kafka.bootstrapServers(), (short) 0);
        CliRun result;
        long startedAt = System.nanoTime();
        try {
            result = CliRun.of("verify", "--broker", "kafka", "--bootstrap-servers", kafka.bootstrapServers(),
                    "--share-group", "--messages", "20", "--keys", "5", "--timeout", "60s", "--no-progress");
        } finally {
            setShareVersion(kafka.bootstrapServers(), level);
        }

        System.out.println(result.out() + result.err());
        assertThat(topics(kafka.bootstrapServers())).as("nothing created, nothing published")
                .isEqualTo(topicsBefore);
        assertThat(result.exitCode()).as(result.out() + result.err()).isEqualTo(ExitCodes.USAGE_OR_ENVIRONMENT);
        assertThat(result.err()).contains("--share-group: this Kafka cluster does not offer share groups")
                .contains("share.version is not enabled").contains("upgrade --feature share.version=2");
        assertThat(result.out()).as("no run started").doesNotContain("workload:");
        assertThat(Duration.ofNanos(System.nanoTime() - startedAt)).as("up front, not after the run's timeout")
                .isLessThan(Duration.ofSeconds(30));
    }

    private static java.util.Set<String> topics(String bootstrap) throws Exception {
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
            return admin.listTopics().names().get();
        }
    }

    /** Sets the cluster's share.version, returning the level it had (0: not listed). */
    private static short setShareVersion(String bootstrap, short level) throws Exception {
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
            FinalizedVersionRange finalized = admin.describeFeatures().featureMetadata().get().finalizedFeatures()
                    .get(FEATURE);
            short before = finalized == null ? 0 : finalized.maxVersionLevel();
            FeatureUpdate.UpgradeType type = level < before ? FeatureUpdate.UpgradeType.SAFE_DOWNGRADE
                    : FeatureUpdate.UpgradeType.UPGRADE;
            admin.updateFeatures(Map.of(FEATURE, new FeatureUpdate(level, type)), new UpdateFeaturesOptions()).all()
                    .get();
            return before;
        }
    }
}
