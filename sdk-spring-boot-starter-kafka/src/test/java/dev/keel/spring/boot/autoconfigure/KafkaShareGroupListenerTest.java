package dev.keel.spring.boot.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.keel.Codec;
import dev.keel.Delivery;
import dev.keel.Message;
import dev.keel.Publisher;
import dev.keel.kafka.KafkaAdapter;
import dev.keel.spring.KeelListener;
import dev.keel.testbrokers.BrokerKind;
import dev.keel.testbrokers.Brokers;
import dev.keel.testbrokers.UniqueNames;
import dev.keel.testbrokers.UsesBrokers;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ShareGroupDescription;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/**
 * keel.listeners.&lt;id&gt;.share-group=true on the harness's real Kafka: the annotated listener consumes as the Kafka share
 * group of its group (billing.share, with members) and handles every message once, EFFECTIVELY_ONCE with Redis.
 */
@UsesBrokers({BrokerKind.KAFKA, BrokerKind.REDIS})
class KafkaShareGroupListenerTest {

    private static final Duration PATIENCE = Duration.ofSeconds(90);
    static final List<String> HANDLED = new CopyOnWriteArrayList<>();

    private final String topic = UniqueNames.of("orders");
    private final String group = UniqueNames.of("billing");

    @Test
    void aListenerWithShareGroupTrueShouldConsumeAsAKafkaShareGroup() {
        new ApplicationContextRunner().withConfiguration(KeelAutoConfigurationTest.KEEL)
                .withBean("billing", Billing.class)
                .withPropertyValues("keel.broker=kafka", "keel.kafka.bootstrap-servers=" + Brokers.kafka().bootstrapServers(),
                        "keel.redis.uri=" + Brokers.redis().uri(), "keel.redis.key-prefix=" + UniqueNames.keyPrefix("boot"),
                        "test.topic=" + topic, "test.group=" + group, "keel.topics." + topic + ".partitions=2",
                        "keel.listeners.shared-billing.share-group=true")
                .run(context -> {
                    assertThat(context).hasNotFailed().hasSingleBean(KafkaAdapter.class);
                    Publisher publisher = context.getBean(Publisher.class);
                    for (int i = 0; i < 20; i++) {
                        publisher.publish(topic, Message.builder("order-" + i, Codec.utf8()).id("order-" + i)
                                .key("k" + (i % 3)).build());
                    }

                    await().atMost(PATIENCE).until(() -> HANDLED.size() >= 20);
                    assertThat(HANDLED).hasSize(20).doesNotHaveDuplicates();
                    String shareGroup = KafkaAdapter.shareGroupId(group);
                    try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                            Brokers.kafka().bootstrapServers()))) {
                        Collection<ShareGroupDescription> groups = admin.describeShareGroups(Set.of(shareGroup)).all()
                                .get(30, TimeUnit.SECONDS).values();
                        assertThat(groups).singleElement().satisfies(g -> assertThat(g.members()).isNotEmpty());
                    }
                });
    }

    public static class Billing {
        @KeelListener(id = "shared-billing", topic = "${test.topic}", group = "${test.group}")
        public void bill(Delivery<String> delivery) {
            HANDLED.add(delivery.payload());
        }
    }
}
