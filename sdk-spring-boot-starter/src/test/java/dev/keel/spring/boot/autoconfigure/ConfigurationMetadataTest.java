package dev.keel.spring.boot.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keel.PublisherConfig;
import java.io.InputStream;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

/**
 * The property metadata the configuration processor generated (what IDEs complete and document):
 * every property of issue 13's list is there, described, with the engine's real defaults.
 */
class ConfigurationMetadataTest {

    private static final Map<String, JsonNode> PROPERTIES = new HashMap<>();

    @BeforeAll
    static void read() throws Exception {
        try (InputStream in = ConfigurationMetadataTest.class.getResourceAsStream(
                "/META-INF/spring-configuration-metadata.json")) {
            assertThat(in).as("generated metadata").isNotNull();
            JsonNode root = new ObjectMapper().readTree(in);
            root.get("properties").forEach(p -> PROPERTIES.put(p.get("name").asString(), p));
        }
    }

    @Test
    void everyDocumentedGroupOfPropertiesShouldBeInTheMetadata() {
        assertThat(PROPERTIES).containsKeys("keel.broker", "keel.kafka.bootstrap-servers", "keel.kafka.properties",
                "keel.rabbit.uri", "keel.rabbit.password", "keel.rocket.name-server", "keel.rocket.client-id",
                "keel.rocket.send-timeout", "keel.rocket.admin-timeout", "keel.rocket.poll-timeout",
                "keel.rocket.commit-interval", "keel.rocket.rebalance-interval", "keel.rocket.close-timeout",
                "keel.rocket.max-batch-messages", "keel.rocket.max-message-bytes", "keel.redis.uri",
                "keel.redis.password", "keel.idempotency.store", "keel.publisher.max-in-flight",
                "keel.publisher.open-duration", "keel.topics", "keel.listeners",
                "keel.listener.defaults.guarantee", "keel.listener.defaults.ordering", "keel.listener.defaults.lanes",
                "keel.listener.defaults.max-in-flight", "keel.listener.defaults.max-in-flight-bytes",
                "keel.listener.defaults.close-timeout",
                "keel.listener.defaults.idempotency.retention", "keel.listener.defaults.retry.max-attempts",
                "keel.listener.defaults.dead-letter.enabled");
    }

    @Test
    void theActiveMQClassicPropertiesShouldBeInTheMetadataWithTheirTypes() {
        assertThat(PROPERTIES).containsKeys("keel.activemq.url", "keel.activemq.user", "keel.activemq.password",
                "keel.activemq.send-lanes", "keel.activemq.max-message-bytes", "keel.activemq.prefetch",
                "keel.activemq.prioritized-queues", "keel.activemq.close-timeout", "keel.activemq.send-timeout");
        assertThat(type("keel.activemq.send-timeout")).isEqualTo("java.time.Duration");
        assertThat(type("keel.activemq.prioritized-queues")).isEqualTo("java.lang.Boolean");
    }

    @Test
    void theBrokerHintsShouldOfferEveryAdapterTheStarterSelects() throws Exception {
        java.util.List<String> hinted = new java.util.ArrayList<>();
        try (InputStream in = ConfigurationMetadataTest.class.getResourceAsStream(
                "/META-INF/spring-configuration-metadata.json")) {
            for (JsonNode hint : new ObjectMapper().readTree(in).get("hints")) {
                if (hint.get("name").asString().equals("keel.broker")) {
                    hint.get("values").forEach(v -> hinted.add(v.get("value").asString()));
                }
            }
        }
        assertThat(hinted).containsExactlyInAnyOrderElementsOf(
                BrokerSelection.ADAPTERS.stream().map(BrokerSelection.Adapter::name).toList());
    }

    @Test
    void everyPropertyShouldHaveADescription() {
        PROPERTIES.forEach((name, p) -> assertThat(p.has("description")).as(name + " has a description").isTrue());
    }

    @Test
    void typesShouldBeTheEnumsAndDurationsUsersWrite() {
        assertThat(type("keel.listener.defaults.guarantee")).isEqualTo("dev.keel.DeliveryGuarantee");
        assertThat(type("keel.listener.defaults.close-timeout")).isEqualTo("java.time.Duration");
        assertThat(type("keel.idempotency.store")).endsWith("KeelProperties$StoreType");
    }

    @Test
    void documentedDefaultsShouldBeTheEnginesDefaults() {
        KeelProperties.Publisher bound = new KeelProperties.Publisher();
        assertThat(PROPERTIES.get("keel.publisher.max-in-flight").get("defaultValue").asInt())
                .isEqualTo(PublisherConfig.DEFAULT_MAX_IN_FLIGHT).isEqualTo(bound.getMaxInFlight());
        assertThat(PROPERTIES.get("keel.publisher.max-attempts").get("defaultValue").asInt())
                .isEqualTo(PublisherConfig.DEFAULT_MAX_ATTEMPTS);
        assertThat(PROPERTIES.get("keel.publisher.minimum-calls").get("defaultValue").asInt())
                .isEqualTo(PublisherConfig.DEFAULT_MINIMUM_CALLS);
        assertThat(PROPERTIES.get("keel.publisher.failure-rate-threshold").get("defaultValue").asDouble())
                .isEqualTo(PublisherConfig.DEFAULT_FAILURE_RATE_THRESHOLD);
        assertThat(PROPERTIES.get("keel.publisher.timeout").get("defaultValue").asString()).isEqualTo("30s");
        assertThat(PublisherConfig.DEFAULT_TIMEOUT).hasSeconds(30);
        assertThat(PROPERTIES.get("keel.publisher.open-duration").get("defaultValue").asString()).isEqualTo("10s");
        assertThat(PublisherConfig.DEFAULT_OPEN_DURATION).hasSeconds(10);
        assertThat(PROPERTIES.get("keel.publisher.retry-backoff").get("defaultValue").asString()).isEqualTo("100ms");
        assertThat(PublisherConfig.DEFAULT_RETRY_BACKOFF).hasMillis(100);
        assertThat(PROPERTIES.get("keel.listener.defaults.close-timeout").get("defaultValue").asString())
                .isEqualTo("20s");
        assertThat(ListenerConfigs.DEFAULT_CLOSE_TIMEOUT).hasSeconds(20);
        assertThat(type("keel.kafka.delay-topic-check-interval")).isEqualTo("java.time.Duration");
        assertThat(PROPERTIES.get("keel.kafka.delay-topic-check-interval").get("defaultValue").asString())
                .isEqualTo("5s");
        assertThat(dev.keel.kafka.KafkaConfig.DEFAULT_DELAY_TOPIC_CHECK_INTERVAL).hasSeconds(5);
        assertThat(type("keel.kafka.linger")).isEqualTo("java.time.Duration");
        assertThat(PROPERTIES.get("keel.kafka.linger").get("defaultValue").asString()).isEqualTo("5ms");
        assertThat(dev.keel.kafka.KafkaConfig.DEFAULT_LINGER).hasMillis(5);
    }

    @Test
    void theOutboxAndInboxPropertiesShouldBeInTheMetadataWithTheirDefaults() {
        assertThat(PROPERTIES).containsKeys("keel.outbox.enabled", "keel.outbox.relay-enabled",
                "keel.outbox.table-prefix", "keel.outbox.poll-interval", "keel.outbox.batch-size",
                "keel.outbox.lanes-per-round", "keel.outbox.workers", "keel.outbox.confirm-timeout",
                "keel.outbox.listen",
                "keel.inbox.table-prefix", "keel.inbox.purge-interval");
        assertThat(PROPERTIES.get("keel.outbox.poll-interval").get("defaultValue").asString()).isEqualTo("1s");
        assertThat(dev.keel.outbox.jdbc.OutboxConfig.DEFAULT_POLL_INTERVAL).hasSeconds(1);
        assertThat(PROPERTIES.get("keel.outbox.confirm-timeout").get("defaultValue").asString()).isEqualTo("60s");
        assertThat(dev.keel.outbox.jdbc.OutboxConfig.DEFAULT_CONFIRM_TIMEOUT).hasSeconds(60);
        assertThat(PROPERTIES.get("keel.outbox.batch-size").get("defaultValue").asInt())
                .isEqualTo(dev.keel.outbox.jdbc.OutboxConfig.DEFAULT_BATCH_SIZE);
        assertThat(PROPERTIES.get("keel.outbox.workers").get("defaultValue").asInt())
                .isEqualTo(dev.keel.outbox.jdbc.OutboxConfig.DEFAULT_WORKERS);
        assertThat(PROPERTIES.get("keel.outbox.listen").get("defaultValue").asBoolean()).isTrue();
    }

    private static String type(String name) {
        return PROPERTIES.get(name).get("type").asString();
    }
}
