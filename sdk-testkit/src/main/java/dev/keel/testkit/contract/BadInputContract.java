package dev.keel.testkit.contract;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keel.Codec;
import dev.keel.Delivery;
import dev.keel.KeelException;
import dev.keel.KeelHeaders;
import dev.keel.Message;
import dev.keel.core.Keel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.IntSupplier;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * Bad input, the same on every adapter, on a real broker: ids and header names at and past the
 * adapter's limit, empty and maximal payloads, keys with NUL, 4-byte characters or an unpaired
 * surrogate, and (published by the broker's own client) messages with an empty {@code keel-id} or a
 * header value that is not UTF-8. Each either goes through unchanged (or as the adapter documents),
 * or fails with a non-retriable {@link KeelException} (past a size limit: naming that limit); either way the next ordinary message of the
 * same key, on the same publisher and subscription, is confirmed and handled. An adapter's test
 * subclasses this, implements {@link #createAdapter()} and {@link #limits()}, and, where the broker
 * has a plain client, {@link #publishRaw} and {@link #textOfNonUtf8}.
 */
public abstract class BadInputContract extends BrokerContractSupport {

    static final String KEY = "bad-input-key";

    /** What this adapter accepts and refuses. */
    protected abstract InputLimits limits();

    /**
     * Publishes one message with the broker's own client, below Keel, to the partition of {@code key}
     * or any partition the test's group reads (header values as raw bytes). The default skips the
     * tests that need it: the broker has no plain client.
     */
    protected void publishRaw(String toTopic, String key, Map<String, byte[]> headers, byte[] payload)
            throws Exception {
        Assumptions.abort("this broker has no plain client to publish raw headers with (publishRaw not provided)");
    }

    /** The text a handler sees for a header value whose bytes are not UTF-8: the adapter's documented mapping. */
    protected String textOfNonUtf8(byte[] value) {
        throw new UnsupportedOperationException("textOfNonUtf8 must be given with publishRaw");
    }

    @Test
    void idsAtTheLimitShouldRoundTripAndPastItBeRefused() {
        InputLimits.Limit limit = limits().id();
        String atLimit = "i".repeat(limit.largestAccepted());
        Message past = limit.probesRefusal() ? small("i".repeat(limit.smallestRefused())) : null;
        checkPart(List.of(small(atLimit)), past, () -> limit.smallestRefused() - 1,
                handled -> assertThat(handled).containsKey(atLimit));
    }

    @Test
    void headerNamesAtTheLimitShouldRoundTripAndPastItBeRefused() {
        InputLimits.Limit limit = limits().headerName();
        String name = "h".repeat(limit.largestAccepted());
        Message atLimit = Message.builder("named".getBytes(StandardCharsets.UTF_8)).id("long-header-name").key(KEY)
                .header(name, "v").build();
        Message past = !limit.probesRefusal() ? null : Message.builder("x".getBytes(StandardCharsets.UTF_8))
                .id("header-name-past-limit").key(KEY).header("h".repeat(limit.smallestRefused()), "v").build();
        checkPart(List.of(atLimit), past, () -> limit.smallestRefused() - 1,
                handled -> assertThat(handled.get("long-header-name").headers()).isEqualTo(Map.of(name, "v")));
    }

    @Test
    void emptyAndMaximalPayloadsShouldRoundTripAndPastTheLimitBeRefused() {
        InputLimits.Limit limit = limits().payload();
        byte[] largest = new byte[limit.largestAccepted()];
        for (int i = 0; i < largest.length; i++) {
            largest[i] = (byte) i;
        }
        List<Message> accepted = List.of(Message.builder(new byte[0]).id("empty").key(KEY).build(),
                Message.builder(largest).id("largest").key(KEY).build());
        Message past = limit.probesRefusal()
                ? Message.builder(new byte[limit.smallestRefused()]).id("payload-past-limit").key(KEY).build() : null;
        checkPart(accepted, past, () -> limit.smallestRefused() - 1, handled -> {
            assertThat(handled.get("empty").payload()).isEmpty();
            assertThat(handled.get("largest").payload()).isEqualTo(largest);
        });
    }

    @Test
    void keysWithNulAndFourByteCharactersShouldRoundTripInOrder() {
        Keel keel = newKeel();
        declare(keel);
        Map<String, Delivery<byte[]>> handled = subscribe(keel);
        List<Message> messages = new ArrayList<>();
        for (String key : List.of("nul\u0000key", "\uD83D\uDE00", "\u0000")) {
            for (int i = 0; i < 3; i++) {
                messages.add(message(key.hashCode() + "-" + i, key));
            }
        }

        publishConfirmed(keel, topic, messages);

        awaitUntil("every message handled", () -> handled.keySet().containsAll(idsOf(messages)));
        for (Message m : messages) {
            assertThat(handled.get(m.id()).key()).as("key of %s", m.id()).isEqualTo(m.key());
        }
    }

    @Test
    void aKeyWithAnUnpairedSurrogateShouldBeRefusedAndTheNextMessageGoThrough() {
        Keel keel = newKeel();
        declare(keel);
        Map<String, Delivery<byte[]>> handled = subscribe(keel);

        for (String key : List.of("lone-\uD800", "\uDC00-lone")) {
            Throwable failure = failureOf(() -> keel.publisher().publishAsync(topic, message("surrogate", key)));
            assertRefused(failure);
        }

        assertNextMessageGoesThrough(keel, handled);
        assertThat(handled).doesNotContainKey("surrogate");
    }

    @Test
    void aPlainClientsMessageWithAnEmptyKeelIdShouldBeHandledUnderTheBrokersOwnId() throws Exception {
        Keel keel = newKeel();
        declare(keel);
        Map<String, Delivery<byte[]>> handled = subscribe(keel);

        publishRaw(topic, KEY, Map.of(KeelHeaders.ID, new byte[0]), "no id".getBytes(StandardCharsets.UTF_8));

        awaitUntil("the message without an id handled", () -> handled.values().stream()
                .anyMatch(d -> new String(d.payload(), StandardCharsets.UTF_8).equals("no id")));
        Delivery<byte[]> noId = handled.values().stream()
                .filter(d -> new String(d.payload(), StandardCharsets.UTF_8).equals("no id")).findFirst().orElseThrow();
        assertThat(noId.id()).as("the broker's own id").isNotBlank();
        assertNextMessageGoesThrough(keel, handled);
    }

    @Test
    void aPlainClientsHeaderValueThatIsNotUtf8ShouldReachTheHandlerAsDocumented() throws Exception {
        Keel keel = newKeel();
        declare(keel);
        Map<String, Delivery<byte[]>> handled = subscribe(keel);
        byte[] notUtf8 = {(byte) 0xff, (byte) 0xfe, 'a', (byte) 0xc3};
        Map<String, byte[]> headers = new LinkedHashMap<>();
        headers.put(KeelHeaders.ID, "raw-binary-header".getBytes(StandardCharsets.UTF_8));
        headers.put("bin", notUtf8);

        publishRaw(topic, KEY, headers, "binary header".getBytes(StandardCharsets.UTF_8));

        awaitUntil("the message handled", () -> handled.containsKey("raw-binary-header"));
        assertThat(handled.get("raw-binary-header").headers()).containsEntry("bin", textOfNonUtf8(notUtf8));
        assertNextMessageGoesThrough(keel, handled);
    }

    // ---- plumbing ------------------------------------------------------------------------------

    private interface HandledCheck {
        void check(Map<String, Delivery<byte[]>> handled);
    }

    /**
     * Publishes {@code accepted} (confirmed) and {@code past} (refused naming the limit, the largest
     * size allowed: one below the smallest refused; unless null), then the next message.
     */
    private void checkPart(List<Message> accepted, Message past, IntSupplier limitOf, HandledCheck check) {
        Keel keel = newKeel();
        declare(keel);
        Map<String, Delivery<byte[]>> handled = subscribe(keel);

        publishConfirmed(keel, topic, accepted);
        if (past != null) {
            Throwable failure = failureOf(() -> keel.publisher().publishAsync(topic, past));
            assertRefused(failure);
            assertThat(failure.getMessage()).as("names the limit").contains(Integer.toString(limitOf.getAsInt()));
        }

        assertNextMessageGoesThrough(keel, handled);
        awaitUntil("every accepted message handled", () -> handled.keySet().containsAll(idsOf(accepted)));
        check.check(handled);
        if (past != null) {
            assertThat(handled).doesNotContainKey(past.id());
        }
    }

    /** A message of {@link #KEY} with id {@code id} and a one-byte payload. */
    private static Message small(String id) {
        return Message.builder(new byte[] {'x'}).id(id).key(KEY).build();
    }

    private Map<String, Delivery<byte[]>> subscribe(Keel keel) {
        Map<String, Delivery<byte[]>> handled = new ConcurrentHashMap<>();
        keel.subscribe(subscription(Codec.bytes()).build(), d -> handled.put(d.id(), d));
        return handled;
    }

    private static void assertRefused(Throwable failure) {
        assertThat(failure).as("a typed Keel failure").isInstanceOf(KeelException.class);
        assertThat(((KeelException) failure).isRetriable()).as("retriable: %s", failure).isFalse();
        assertThat(failure.getMessage()).as("says what is wrong").isNotBlank();
    }

    /** The next ordinary message of the same key is confirmed on the same publisher and handled. */
    private void assertNextMessageGoesThrough(Keel keel, Map<String, Delivery<byte[]>> handled) {
        String id = "next-" + System.nanoTime();
        publishConfirmed(keel, topic, List.of(message(id, KEY)));
        awaitUntil("the next ordinary message handled", () -> handled.containsKey(id));
    }
}
