package dev.keel.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * {@link KafkaConfig} is a value over all its fields. The table must name every instance field, so
 * a field added without a row here (and likely without equals) fails the test.
 */
class KafkaConfigValueSemanticsTest {

    @Test
    void kafkaConfigShouldBeAValueOverAllItsFields() {
        KafkaConfig base = KafkaConfig.custom().bootstrapServers("broker-1:9092,broker-2:9092").property("security.protocol", "SSL")
                .build();
        Map<String, UnaryOperator<KafkaConfig>> changes = new LinkedHashMap<>();
        changes.put("bootstrapServers", c -> KafkaConfig.custom().bootstrapServers("broker-3:9092").property("security.protocol", "SSL")
                .build());
        changes.put("clientId", c -> KafkaConfig.from(c).clientId("billing").build());
        changes.put("properties", c -> KafkaConfig.from(c).property("compression.type", "zstd").build());
        changes.put("deliveryTimeout", c -> KafkaConfig.from(c).deliveryTimeout(Duration.ofSeconds(40)).build());
        changes.put("requestTimeout", c -> KafkaConfig.from(c).requestTimeout(Duration.ofSeconds(5)).build());
        changes.put("maxBlock", c -> KafkaConfig.from(c).maxBlock(Duration.ofSeconds(2)).build());
        changes.put("linger", c -> KafkaConfig.from(c).linger(Duration.ZERO).build());
        changes.put("pollTimeout", c -> KafkaConfig.from(c).pollTimeout(Duration.ofMillis(50)).build());
        changes.put("commitInterval", c -> KafkaConfig.from(c).commitInterval(Duration.ofSeconds(1)).build());
        changes.put("closeTimeout", c -> KafkaConfig.from(c).closeTimeout(Duration.ofSeconds(3)).build());
        changes.put("maxPollRecords", c -> KafkaConfig.from(c).maxPollRecords(10).build());
        changes.put("autoOffsetReset", c -> KafkaConfig.from(c).autoOffsetReset("latest").build());
        changes.put("topicAutoCreation", c -> KafkaConfig.from(c).topicAutoCreation(true).build());
        changes.put("delayTopicCheckInterval",
                c -> KafkaConfig.from(c).delayTopicCheckInterval(Duration.ofSeconds(1)).build());
        changes.put("shareConsumers", c -> KafkaConfig.from(c).shareConsumers(5).build());

        assertValueSemantics(KafkaConfig.class, base, c -> KafkaConfig.from(c).build(), changes, Map.of());
    }

    @Test
    void pipelineConfigShouldBeAValueOverAllItsFields() {
        PipelineConfig base = PipelineConfig.builder("orders", "billing", "billing-1").maxBatch(100).build();
        Map<String, UnaryOperator<PipelineConfig>> changes = new LinkedHashMap<>();
        changes.put("inputTopic", c -> PipelineConfig.builder("payments", "billing", "billing-1").maxBatch(100).build());
        changes.put("group", c -> PipelineConfig.builder("orders", "shipping", "billing-1").maxBatch(100).build());
        changes.put("transactionalId",
                c -> PipelineConfig.builder("orders", "billing", "billing-2").maxBatch(100).build());
        changes.put("maxBatch", c -> PipelineConfig.from(c).maxBatch(7).build());

        assertValueSemantics(PipelineConfig.class, base, c -> PipelineConfig.from(c).build(), changes, Map.of());
    }

    @Test
    void theDefaultsShouldReachALocalClusterAndCustomShouldStartFromThem() {
        assertThat(KafkaConfig.ofDefaults().bootstrapServers()).isEqualTo(KafkaConfig.DEFAULT_BOOTSTRAP_SERVERS);
        assertThat(KafkaConfig.custom().build()).isEqualTo(KafkaConfig.ofDefaults());
        assertThat(KafkaConfig.custom().bootstrapServers("broker-1:9092").build().bootstrapServers())
                .isEqualTo("broker-1:9092");
    }

    @Test
    void secretPropertiesShouldBreakEqualityButStayOutOfToString() {
        KafkaConfig base = KafkaConfig.custom().bootstrapServers("h:1").property("security.protocol", "SASL_SSL")
                .property("sasl.mechanism", "PLAIN").build();
        Map<String, String> secrets = Map.of(
                "sasl.jaas.config", "org.apache.kafka.common.security.plain.PlainLoginModule required password=\"j4as\";",
                "basic.auth.user.info", "registry-user:us3r-info",
                "ssl.keystore.password", "k3ystore",
                "ssl.key.password", "k3y");
        secrets.forEach((name, secret) -> {
            KafkaConfig changed = KafkaConfig.from(base).property(name, secret).build();
            assertThat(changed).as(name).isNotEqualTo(base).isEqualTo(KafkaConfig.from(changed).build());
            assertThat(changed.toString()).as(name).contains(name + "=[hidden]").doesNotContain(secret);
            KafkaConfig otherSecret = KafkaConfig.from(base).property(name, secret + "2").build();
            assertThat(otherSecret).as(name).isNotEqualTo(changed).hasToString(changed.toString());
        });
    }

    /**
     * {@code from(x).build()} equals {@code x}; each row changes one field, which must break
     * equality and show in {@code toString}, or, for a secret ({@code secrets}: field to the secret
     * the row sets), must break equality and stay out of {@code toString}.
     */
    private static <C> void assertValueSemantics(Class<?> type, C base, UnaryOperator<C> copy,
                                                 Map<String, UnaryOperator<C>> oneFieldChanged,
                                                 Map<String, String> secrets) {
        assertThat(oneFieldChanged.keySet()).as("a row for every field of %s", type.getSimpleName())
                .containsExactlyInAnyOrderElementsOf(instanceFields(type));
        C same = copy.apply(base);
        assertThat(same).isEqualTo(base).hasSameHashCodeAs(base).hasToString(base.toString());
        oneFieldChanged.forEach((field, change) -> {
            C changed = change.apply(base);
            assertThat(changed).as("%s with another %s", type.getSimpleName(), field).isNotEqualTo(base);
            if (secrets.containsKey(field)) {
                assertThat(changed.toString()).as("toString masks %s", field).doesNotContain(secrets.get(field));
            } else {
                assertThat(changed.toString()).as("toString shows %s", field).isNotEqualTo(base.toString());
            }
            assertThat(copy.apply(changed)).as("from() keeps %s", field).isEqualTo(changed)
                    .hasSameHashCodeAs(changed).hasToString(changed.toString());
        });
    }

    private static Set<String> instanceFields(Class<?> type) {
        return Arrays.stream(type.getDeclaredFields()).filter(f -> !Modifier.isStatic(f.getModifiers()))
                .map(Field::getName).collect(Collectors.toSet());
    }
}
