package dev.keel.rabbit;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.Test;

/**
 * {@link RabbitConfig} is a value over all its fields. The table must name every instance field, so
 * a field added without a row here (and likely without equals) fails the test.
 */
class RabbitConfigValueSemanticsTest {

    @Test
    void rabbitConfigShouldBeAValueOverAllItsFieldsAndMaskItsSecrets() throws NoSuchAlgorithmException {
        SSLContext sslContext = SSLContext.getDefault();
        RabbitConfig base = RabbitConfig.custom().uri("amqp://app:base-secret@rabbit.internal:5672/orders").build();
        Map<String, UnaryOperator<RabbitConfig>> changes = new LinkedHashMap<>();
        changes.put("host", c -> RabbitConfig.from(c).host("rabbit-2.internal").build());
        changes.put("port", c -> RabbitConfig.from(c).port(5673).build());
        changes.put("virtualHost", c -> RabbitConfig.from(c).virtualHost("payments").build());
        changes.put("username", c -> RabbitConfig.from(c).username("billing").build());
        changes.put("password", c -> RabbitConfig.from(c).password("other-secret").build());
        changes.put("authentication", c -> RabbitConfig.custom().host(c.host()).port(c.port())
                .virtualHost(c.virtualHost()).tls(true).externalAuthentication().build());
        changes.put("tls", c -> RabbitConfig.from(c).tls(true).build());
        changes.put("sslContext", c -> RabbitConfig.from(c).tls(true).sslContext(sslContext).build());
        changes.put("confirmWindow", c -> RabbitConfig.from(c).confirmWindow(7).build());
        changes.put("channelPoolSize", c -> RabbitConfig.from(c).channelPoolSize(2).build());
        changes.put("prefetch", c -> RabbitConfig.from(c).prefetch(9).build());
        changes.put("queueType", c -> RabbitConfig.from(c).queueType(QueueType.CLASSIC).build());
        changes.put("defaultPartitions", c -> RabbitConfig.from(c).defaultPartitions(5).build());
        changes.put("connectionName", c -> RabbitConfig.from(c).connectionName("billing").build());
        changes.put("connectionTimeout", c -> RabbitConfig.from(c).connectionTimeout(Duration.ofSeconds(3)).build());
        changes.put("heartbeat", c -> RabbitConfig.from(c).heartbeat(Duration.ofSeconds(4)).build());
        changes.put("recoveryInterval", c -> RabbitConfig.from(c).recoveryInterval(Duration.ofSeconds(5)).build());
        changes.put("maxBlock", c -> RabbitConfig.from(c).maxBlock(Duration.ofSeconds(6)).build());
        changes.put("closeTimeout", c -> RabbitConfig.from(c).closeTimeout(Duration.ofSeconds(7)).build());
        changes.put("rebalanceInterval", c -> RabbitConfig.from(c).rebalanceInterval(Duration.ofSeconds(8)).build());
        changes.put("maxMessageSize", c -> RabbitConfig.from(c).maxMessageSize(1024).build());
        changes.put("addresses", c -> RabbitConfig.from(c).addresses("rabbit-1:5672,rabbit-2:5673").build());

        assertValueSemantics(RabbitConfig.class, base, c -> RabbitConfig.from(c).build(), changes,
                Map.of("password", "other-secret"));
        assertThat(base.toString()).doesNotContain("base-secret");
        RabbitConfig withContext = changes.get("sslContext").apply(base);
        assertThat(withContext.toString()).contains("sslContext=" + sslContext.getClass().getSimpleName())
                .doesNotContain(sslContext.toString());
    }

    @Test
    void customShouldBeTheDefaultsAndBuilderTheSameEntryPoint() {
        assertThat(RabbitConfig.custom().build()).isEqualTo(RabbitConfig.ofDefaults())
                .isEqualTo(RabbitConfig.custom().build()).hasSameHashCodeAs(RabbitConfig.ofDefaults());
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
