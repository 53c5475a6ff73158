package dev.keel.dedup.redis;

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
import javax.net.ssl.SSLSocketFactory;
import org.junit.jupiter.api.Test;

/**
 * {@link RedisStoreConfig} is a value over all its fields. The table must name every instance
 * field, so a field added without a row here (and likely without equals) fails the test.
 */
class RedisStoreConfigValueSemanticsTest {

    @Test
    void redisStoreConfigShouldBeAValueOverAllItsFieldsAndMaskItsSecrets() {
        SSLSocketFactory factory = (SSLSocketFactory) SSLSocketFactory.getDefault();
        RedisStoreConfig base = RedisStoreConfig.custom().uri("redis://:base-secret@redis.internal:6379").build();
        Map<String, UnaryOperator<RedisStoreConfig>> changes = new LinkedHashMap<>();
        changes.put("host", c -> RedisStoreConfig.from(c).host("redis-2.internal").build());
        changes.put("port", c -> RedisStoreConfig.from(c).port(6380).build());
        changes.put("clusterNodes", c -> RedisStoreConfig.from(c).clusterNodes("10.0.0.1:6379", "10.0.0.2:6379")
                .build());
        changes.put("user", c -> RedisStoreConfig.from(c).user("keel").build());
        changes.put("password", c -> RedisStoreConfig.from(c).password("other-secret").build());
        changes.put("ssl", c -> RedisStoreConfig.from(c).ssl(true).build());
        changes.put("sslSocketFactory", c -> RedisStoreConfig.from(c).ssl(true).sslSocketFactory(factory).build());
        changes.put("database", c -> RedisStoreConfig.from(c).database(2).build());
        changes.put("keyPrefix", c -> RedisStoreConfig.from(c).keyPrefix("billing").build());
        changes.put("connectTimeout", c -> RedisStoreConfig.from(c).connectTimeout(Duration.ofSeconds(5)).build());
        changes.put("socketTimeout", c -> RedisStoreConfig.from(c).socketTimeout(Duration.ofSeconds(5)).build());
        changes.put("poolSize", c -> RedisStoreConfig.from(c).poolSize(4).build());
        changes.put("replicaAcks", c -> RedisStoreConfig.from(c).waitForReplicas(1, c.replicaAckTimeout()).build());
        changes.put("replicaAckTimeout", c -> RedisStoreConfig.from(c).waitForReplicas(c.replicaAcks(),
                Duration.ofMillis(300)).build());

        assertValueSemantics(RedisStoreConfig.class, base, c -> RedisStoreConfig.from(c).build(), changes,
                Map.of("password", "other-secret"));
        assertThat(base.toString()).doesNotContain("base-secret").contains("password=****");
        RedisStoreConfig withFactory = changes.get("sslSocketFactory").apply(base);
        assertThat(withFactory.toString()).contains("sslSocketFactory=" + factory.getClass().getSimpleName())
                .doesNotContain(factory.toString());
    }

    @Test
    void ofDefaultsShouldEqualAFreshCustomBuild() {
        assertThat(RedisStoreConfig.ofDefaults()).isEqualTo(RedisStoreConfig.custom().build())
                .hasSameHashCodeAs(RedisStoreConfig.custom().build());
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
