package dev.keel.testkit.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.keel.Codec;
import dev.keel.SubscriptionConfig;
import dev.keel.TopicSpec;
import dev.keel.core.Keel;
import dev.keel.retry.RetryPolicy;
import dev.keel.testkit.InMemoryBroker;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A codec that hands back the bytes it was given (an identity codec, against {@link Codec#decode}'s contract) must not
 * let a handler that writes into its payload change the record's bytes: a retry runs the message again and a dead
 * letter carries it on, both from those bytes. Before, each attempt after the first saw what the first one wrote, and
 * the dead letter held it.
 */
class CodecKeepsItsInputTest {

    private static final Duration PATIENCE = Duration.ofSeconds(30);
    private static final byte[] ORIGINAL = "ORIGINAL".getBytes(StandardCharsets.US_ASCII);

    private final InMemoryBroker broker = InMemoryBroker.create();

    @AfterEach
    void close() {
        broker.close();
    }

    @Test
    void aHandlerWritingIntoAPayloadItsCodecHandedBackShouldNotChangeWhatRetriesAndTheDeadLetterGet() {
        Codec<byte[]> identity = new Codec<>() {
            @Override
            public byte[] encode(byte[] value) {
                return value;
            }

            @Override
            public byte[] decode(byte[] bytes) {
                return bytes;
            }
        };
        List<String> attempts = new CopyOnWriteArrayList<>();
        List<String> deadLetters = new CopyOnWriteArrayList<>();
        try (Keel keel = Keel.builder(broker).build()) {
            keel.ensureTopology(TopicSpec.builder("orders").partitions(1).group("g").build());
            keel.ensureTopology(TopicSpec.builder("orders.DLT").partitions(1).group("ops").build());
            keel.subscribe(SubscriptionConfig.builder("orders.DLT", "ops", Codec.bytes()).build(),
                    d -> deadLetters.add(new String(d.payload(), StandardCharsets.US_ASCII)));
            keel.subscribe(SubscriptionConfig.builder("orders", "g", identity)
                    .retryPolicy(RetryPolicy.custom().maxAttempts(3).initialBackoff(Duration.ofMillis(10)).build())
                    .build(), d -> {
                        byte[] payload = d.payload();
                        attempts.add(new String(payload, StandardCharsets.US_ASCII));
                        Arrays.fill(payload, (byte) 'X');
                        throw new IllegalStateException("fails after writing into its payload");
                    });

            keel.publisher("orders", Codec.bytes()).message(ORIGINAL).id("m1").key("k").publish();

            await().atMost(PATIENCE).until(() -> deadLetters.size() == 1);
            assertThat(attempts).containsExactly("ORIGINAL", "ORIGINAL", "ORIGINAL");
            assertThat(deadLetters).containsExactly("ORIGINAL");
        }
    }
}
