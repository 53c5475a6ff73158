package dev.keel.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class KafkaConfigTest {

    @Test
    void defaultsShouldBeTheNamedConstants() {
        KafkaConfig c = KafkaConfig.custom().bootstrapServers("127.0.0.1:9092").build();
        assertThat(c.bootstrapServers()).isEqualTo("127.0.0.1:9092");
        assertThat(c.clientId()).isEqualTo(KafkaConfig.DEFAULT_CLIENT_ID);
        assertThat(c.deliveryTimeout()).isEqualTo(KafkaConfig.DEFAULT_DELIVERY_TIMEOUT);
        assertThat(c.requestTimeout()).isEqualTo(KafkaConfig.DEFAULT_REQUEST_TIMEOUT);
        assertThat(c.maxBlock()).isEqualTo(KafkaConfig.DEFAULT_MAX_BLOCK);
        assertThat(c.pollTimeout()).isEqualTo(KafkaConfig.DEFAULT_POLL_TIMEOUT);
        assertThat(c.commitInterval()).isEqualTo(KafkaConfig.DEFAULT_COMMIT_INTERVAL);
        assertThat(c.autoOffsetReset()).isEqualTo("earliest");
        assertThat(c.topicAutoCreation()).isFalse();
        assertThat(c.delayTopicCheckInterval()).isEqualTo(KafkaConfig.DEFAULT_DELAY_TOPIC_CHECK_INTERVAL);
        assertThat(c.properties()).isEmpty();
    }

    @Test
    void delayTopicCheckIntervalBelowTheMinimumShouldFail() {
        assertThatThrownBy(() -> KafkaConfig.custom().bootstrapServers("h:1").delayTopicCheckInterval(Duration.ofMillis(99)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("delayTopicCheckInterval must be >= PT0.1S");
        assertThatThrownBy(() -> KafkaConfig.custom().bootstrapServers("h:1").delayTopicCheckInterval(Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("delayTopicCheckInterval must be > 0");
        assertThat(KafkaConfig.custom().bootstrapServers("h:1").delayTopicCheckInterval(Duration.ofMillis(100)).build()
                .delayTopicCheckInterval()).isEqualTo(Duration.ofMillis(100));
    }

    @Test
    void blankOrMalformedBootstrapServersShouldFail() {
        assertThatThrownBy(() -> KafkaConfig.custom().bootstrapServers(" ")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("bootstrapServers");
        assertThatThrownBy(() -> KafkaConfig.custom().bootstrapServers("localhost")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'localhost' is not host:port");
        assertThat(KafkaConfig.custom().bootstrapServers("a:1, b:2").build().bootstrapServers()).isEqualTo("a:1, b:2");
    }

    @Test
    void propertiesKeelReliesOnShouldBeRefused() {
        for (String reserved : new String[] {"acks", "enable.idempotence", "enable.auto.commit", "group.id"}) {
            assertThatThrownBy(() -> KafkaConfig.custom().bootstrapServers("h:1").property(reserved, "x"))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'" + reserved + "' is set by Keel");
        }
    }

    @Test
    void nonPositiveDurationsShouldFail() {
        assertThatThrownBy(() -> KafkaConfig.custom().bootstrapServers("h:1").pollTimeout(Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("pollTimeout must be > 0");
        assertThatThrownBy(() -> KafkaConfig.custom().bootstrapServers("h:1").deliveryTimeout(Duration.ofSeconds(-1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("deliveryTimeout must be > 0");
        assertThatThrownBy(() -> KafkaConfig.custom().bootstrapServers("h:1").maxPollRecords(0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxPollRecords must be >= 1");
    }

    @Test
    void aLingerNoDeliveryTimeoutCanCoverShouldBeRefusedAtOnce() {
        assertThatThrownBy(() -> KafkaConfig.custom().linger(Duration.ofSeconds(Long.MAX_VALUE)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("linger must be at most");
        assertThatThrownBy(() -> KafkaConfig.custom().linger(Duration.ofNanos(1_500_000)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("whole milliseconds");
        assertThat(KafkaConfig.custom().bootstrapServers("h:1").linger(Duration.ofMinutes(1))
                .deliveryTimeout(Duration.ofMinutes(2)).build().linger()).isEqualTo(Duration.ofMinutes(1));
    }

    @Test
    void deliveryTimeoutShorterThanRequestTimeoutPlusLingerShouldFail() {
        assertThatThrownBy(() -> KafkaConfig.custom().bootstrapServers("h:1").deliveryTimeout(Duration.ofSeconds(5))
                .requestTimeout(Duration.ofSeconds(5)).linger(Duration.ofMillis(5)).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("deliveryTimeout (PT5S) must be >= requestTimeout + linger");
    }

    @Test
    void autoOffsetResetShouldAcceptOnlyEarliestOrLatest() {
        assertThat(KafkaConfig.custom().bootstrapServers("h:1").autoOffsetReset("LATEST").build().autoOffsetReset()).isEqualTo("latest");
        assertThatThrownBy(() -> KafkaConfig.custom().bootstrapServers("h:1").autoOffsetReset("none"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'earliest' or 'latest'");
    }

    @Test
    void toStringShouldMaskSecretsAndKeepTheRest() {
        KafkaConfig c = KafkaConfig.custom().bootstrapServers("h:1").properties(Map.of(
                "security.protocol", "SASL_SSL",
                "sasl.mechanism", "PLAIN",
                "sasl.jaas.config", "org.apache.kafka.common.security.plain.PlainLoginModule required password=\"p4ss\";",
                "ssl.truststore.password", "tr0st",
                "ssl.key.password", "k3y",
                "sasl.oauthbearer.client.credentials.client.secret", "s3cret")).build();
        String text = c.toString();
        assertThat(text).contains("security.protocol=SASL_SSL").contains("sasl.jaas.config=[hidden]")
                .doesNotContain("p4ss").doesNotContain("tr0st").doesNotContain("k3y").doesNotContain("s3cret");
        assertThat(c.properties()).containsEntry("ssl.key.password", "k3y");
    }

    @Test
    void fromShouldCopyEveryField() {
        KafkaConfig a = KafkaConfig.custom().bootstrapServers("h:1").clientId("svc").property("security.protocol", "SSL")
                .deliveryTimeout(Duration.ofSeconds(40)).maxBlock(Duration.ofSeconds(2)).commitInterval(Duration.ofSeconds(1))
                .maxPollRecords(10).autoOffsetReset("latest").topicAutoCreation(true).build();
        KafkaConfig b = KafkaConfig.from(a).build();
        assertThat(b).isEqualTo(a).hasSameHashCodeAs(a);
        assertThat(KafkaConfig.from(a).clientId("other").build()).isNotEqualTo(a);
    }

    @Test
    void capabilitiesShouldDeclareUnroutableDetectionOnlyWithoutAutoCreation() {
        try (KafkaAdapter strict = new KafkaAdapter(KafkaConfig.custom().bootstrapServers("h:1").build());
             KafkaAdapter lenient = new KafkaAdapter(KafkaConfig.custom().bootstrapServers("h:1").topicAutoCreation(true).build())) {
            assertThat(strict.capabilities()).contains(dev.keel.spi.Capability.UNROUTABLE_DETECTION,
                    dev.keel.spi.Capability.CONSUMER_GROUPS, dev.keel.spi.Capability.REDELIVERY,
                    dev.keel.spi.Capability.KEY_ORDERING).doesNotContain(dev.keel.spi.Capability.IN_PROCESS);
            assertThat(lenient.capabilities()).doesNotContain(dev.keel.spi.Capability.UNROUTABLE_DETECTION);
        }
    }

    /**
     * Review (F7): bootstrap servers with user info were refused quoting the password ({@code entry
     * 'u:S3CRET@127.0.0.1:9092' is not host:port}), and a {@code SASL_SSL://u:pw@host:9092} entry was accepted.
     */
    @Test
    void bootstrapServersHoldingCredentialsShouldBeRefusedWithoutQuotingThem() {
        for (String servers : new String[] {"u:S3CRET@127.0.0.1:9092", "SASL_SSL://u:S3CRET@127.0.0.1:9092",
            "127.0.0.1:9092,u:S3CRET@127.0.0.1:9093"}) {
            assertThatThrownBy(() -> KafkaConfig.custom().bootstrapServers(servers)).as(servers)
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("sasl.jaas.config")
                    .hasMessageNotContaining("S3CRET");
        }
        assertThatThrownBy(() -> KafkaConfig.custom().bootstrapServers("127.0.0.1:9092?password=S3CRET"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("is not host:port")
                .hasMessageNotContaining("S3CRET");
    }
}
