package dev.keel.dedup.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.keel.Codec;
import dev.keel.DeliveryGuarantee;
import dev.keel.Message;
import dev.keel.SubscriptionConfig;
import dev.keel.TopicSpec;
import dev.keel.core.Keel;
import dev.keel.dedup.IdempotencyPolicy;
import dev.keel.testkit.InMemoryBroker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;

/**
 * What an EFFECTIVELY_ONCE consumer does when Redis refuses the store's user ({@link RedisRefusedException}, not
 * retriable): it runs nothing and acknowledges nothing, tries again every {@code storeRetryInterval}, and
 * resumes by itself once access is granted, each message then taking effect once.
 */
class RefusedAccessUnderEffectivelyOnceTest {

    private static final String TOPIC = "orders";
    private static final String GROUP = "billing";
    private static final String USER = "keel-app";
    private static final String PASSWORD = "app-s3cret-pw";
    private static final int MESSAGES = 50;
    private static final Duration PATIENCE = Duration.ofSeconds(60);

    @Test
    void aRefusedUserShouldPauseConsumptionUntilAccessIsGranted() {
        Map<String, AtomicInteger> effects = new ConcurrentHashMap<>();
        // the user may run the store's commands, but on no key under its prefix yet
        try (CapturedLog log = CapturedLog.start();
             RedisServerProcess redis = RedisServerProcess.start("--user", USER, "on", ">" + PASSWORD, "resetkeys",
                "~other:*", "-@all", "+get", "+set", "+del", "+eval", "+evalsha");
             InMemoryBroker broker = InMemoryBroker.create();
             ClaimRecordingStore store = new ClaimRecordingStore(RedisIdempotencyStore.create(RedisStoreConfig.custom()
                     .host(redis.host()).port(redis.port()).user(USER).password(PASSWORD).build()));
             Keel keel = Keel.builder(broker).idempotencyStore(store).build()) {
            keel.ensureTopology(TopicSpec.builder(TOPIC).partitions(2).group(GROUP).build());
            keel.publisher().publishAll(TOPIC, messages());
            keel.subscribe(SubscriptionConfig.builder(TOPIC, GROUP, Codec.utf8())
                    .guarantee(DeliveryGuarantee.EFFECTIVELY_ONCE)
                    .idempotencyPolicy(IdempotencyPolicy.custom().storeRetryInterval(Duration.ofMillis(100)).build())
                    .build(), delivery -> effects.computeIfAbsent(delivery.id(), id -> new AtomicInteger()).incrementAndGet());

            await("the store's user refused").atMost(PATIENCE).until(() -> store.refusedCalls() > 0);
            long refusedBefore = store.refusedCalls();
            await("nothing handled or acknowledged while refused").during(Duration.ofSeconds(2)).atMost(PATIENCE)
                    .until(() -> effects.isEmpty() && committed(broker) == 0);
            assertThat(store.refusedCalls()).as("the consumer kept trying").isGreaterThan(refusedBefore);
            assertThat(log.linesContaining("idempotency store refused the request (not an outage"))
                    .as("the pause is logged as a refusal, not as an outage").isPositive();
            assertThat(log.linesContaining("idempotency store unavailable")).isZero();
            assertThat(log.text()).doesNotContain(PASSWORD);

            try (Jedis admin = new Jedis(redis.host(), redis.port())) {
                admin.aclSetUser(USER, "~keel:*");
            }

            await("every message handled once access is granted").atMost(PATIENCE).until(() -> effects.size() == MESSAGES);
            await("every message acknowledged").atMost(PATIENCE).until(() -> committed(broker) == MESSAGES);
        }
        assertThat(effects.values()).allSatisfy(n -> assertThat(n.get()).as("effects of one message").isEqualTo(1));
    }

    private static long committed(InMemoryBroker broker) {
        return broker.committedOffsets(TOPIC, GROUP).values().stream().mapToLong(Long::longValue).sum();
    }

    private static List<Message> messages() {
        List<Message> messages = new ArrayList<>(MESSAGES);
        for (int i = 0; i < MESSAGES; i++) {
            messages.add(Message.builder("order " + i, Codec.utf8()).id("order-" + i + ":created").key("customer-" + i % 8)
                    .build());
        }
        return messages;
    }
}
