package dev.keel.kafka.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keel.KeelHeaders;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;

/**
 * The dead letter of a refused forward carries the refusal's message as the engine's dead letters do: control
 * characters as spaces, and a long message cut without splitting a character (a split pair was sent as {@code ?}).
 */
class RefusedForwardCauseTest {

    @Test
    void theCauseHeaderShouldHoldNoControlCharacterNorAHalfOfACharacter() {
        ConsumerRecord<byte[], byte[]> delayed = new ConsumerRecord<>("keel-delay-1m", 0, 42L, new byte[0],
                "payload".getBytes(StandardCharsets.UTF_8));
        // the prefix the forwarder writes ("T refused the forward of keel-delay-1m-0@42 for good: ") is 54 characters; the emoji begins at the 500th
        String message = "first line\nsecond\tline " + "x".repeat(422) + "\uD83D\uDE00 and more";
        ProducerRecord<byte[], byte[]> deadLetter = RefusedForwards.deadLetter("T.DLT", "T", delayed,
                new IllegalStateException(message), 3, false, 1_000L);

        String cause = new String(deadLetter.headers().lastHeader(KeelHeaders.DLT_CAUSE_MESSAGE).value(),
                StandardCharsets.UTF_8);
        assertThat(cause).startsWith("T refused the forward of keel-delay-1m-0@42 for good: first line second line ")
                .endsWith("...").doesNotContain("?");
        assertThat(cause.chars().noneMatch(Character::isISOControl)).as("no control character in " + cause).isTrue();
    }
}
