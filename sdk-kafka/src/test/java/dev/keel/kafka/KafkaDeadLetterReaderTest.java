package dev.keel.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.keel.Codec;
import dev.keel.DecodingException;
import dev.keel.Delivery;
import dev.keel.DeliveryGuarantee;
import dev.keel.KeelHeaders;
import dev.keel.NonRetriableException;
import dev.keel.SubscriptionConfig;
import dev.keel.TopicSpec;
import dev.keel.core.InMemoryIdempotencyStore;
import dev.keel.core.Keel;
import dev.keel.retry.DeadLetterPolicy;
import dev.keel.testbrokers.BrokerKind;
import dev.keel.testbrokers.Brokers;
import dev.keel.testbrokers.UsesBrokers;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * A dead-letter reader as README shows it: the origin's typed codec and {@code DeadLetterPolicy.none()}.
 * A letter that was dead-lettered because the origin could not decode it cannot be decoded by the reader
 * either: it reaches the reader's handler with a null payload (its bytes in {@code message().payload()}),
 * instead of being parked and decoded again for ever with its key's later letters stuck behind it.
 */
@UsesBrokers(BrokerKind.KAFKA)
class KafkaDeadLetterReaderTest {

    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final String GROUP = "billing";
    /** A JSON-like codec: anything not starting with '{' cannot be decoded. */
    private static final Codec<String> JSONISH = new Codec<>() {
        @Override
        public byte[] encode(String value) {
            return value.getBytes(StandardCharsets.UTF_8);
        }

        @Override
        public String decode(byte[] bytes) {
            String s = new String(bytes, StandardCharsets.UTF_8);
            if (!s.startsWith("{")) {
                throw new DecodingException("not a JSON object", null);
            }
            return s;
        }
    };

    private record Letter(String id, String payload, byte[] raw, String reason) {
    }

    @Test
    void undecodableLetterShouldReachATypedReaderWithANullPayloadAndNotHoldItsKey() {
        String topic = KafkaTestSupport.unique("orders");
        List<Letter> letters = new CopyOnWriteArrayList<>();
        try (KafkaAdapter adapter = new KafkaAdapter(KafkaTestSupport.config(Brokers.kafka().bootstrapServers()).build());
             Keel keel = Keel.builder(adapter).idempotencyStore(new InMemoryIdempotencyStore()).build()) {
            keel.ensureTopology(TopicSpec.builder(topic).partitions(1).group(GROUP).build());
            keel.subscribe(SubscriptionConfig.builder(topic, GROUP, JSONISH).build(), d -> {
                if (d.payload().contains("bad")) {
                    throw new NonRetriableException("business rule");
                }
            });
            keel.subscribe(SubscriptionConfig.builder(topic + ".DLT", GROUP, JSONISH)
                    .guarantee(DeliveryGuarantee.AT_LEAST_ONCE).deadLetterPolicy(DeadLetterPolicy.none()).build(),
                    (Delivery<String> letter) -> letters.add(new Letter(letter.id(), letter.payload(),
                            letter.message().payload(), letter.keelHeaders().get(KeelHeaders.DLT_REASON))));
            keel.publisher(topic, Codec.utf8()).message("not json").id("o1").key("order-7").publish();
            keel.publisher(topic, Codec.utf8()).message("{\"bad\":true}").id("o2").key("order-7").publish();

            await("both letters of key order-7 read").atMost(WAIT).until(() -> letters.size() >= 2);
        }
        assertThat(letters).extracting(Letter::id).containsExactly("o1", "o2");
        Letter undecodable = letters.get(0);
        assertThat(undecodable.reason()).isEqualTo("decode");
        assertThat(undecodable.payload()).as("typed payload of an undecodable letter").isNull();
        assertThat(new String(undecodable.raw(), StandardCharsets.UTF_8)).isEqualTo("not json");
        assertThat(letters.get(1).payload()).isEqualTo("{\"bad\":true}");
        assertThat(Map.of("reason", letters.get(1).reason())).containsEntry("reason", "handler");
    }
}
