package dev.keel.kafka.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The bytes-to-string mapping of Kafka keys and header values (docs/kafka.md, "Interop with plain clients"). */
class BytesAsTextTest {

    private static byte[] bytes(int... values) {
        byte[] out = new byte[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = (byte) values[i];
        }
        return out;
    }

    @Test
    void utf8TextShouldBeItselfBothWays() {
        for (String text : List.of("", "order-42", "h\u00e9llo", "\u043a\u043b\u044e\u0447", "a\u0000b",
                "\uD83D\uDE00", "keel-base64", "x keel-base64:/w==", "\uFFFD", "price \uFFFD unknown")) {
            assertThat(BytesAsText.text(text.getBytes(StandardCharsets.UTF_8))).isEqualTo(text);
            assertThat(BytesAsText.bytes(text)).isEqualTo(text.getBytes(StandardCharsets.UTF_8));
        }
    }

    @Test
    void bytesThatAreNotUtf8ShouldBeMarkedBase64AndComeBackIdentical() {
        List<byte[]> samples = List.of(bytes(0xFF, 0x00, 0xC3), bytes(0xC3), bytes(0xED, 0xA0, 0x80),
                bytes(0xC0, 0x80), bytes(0xF4, 0x90, 0x80, 0x80), bytes(0x80));
        for (byte[] b : samples) {
            String text = BytesAsText.text(b);
            assertThat(text).startsWith(BytesAsText.MARKER);
            assertThat(BytesAsText.bytes(text)).isEqualTo(b);
        }
        assertThat(BytesAsText.text(bytes(0xFF, 0x00, 0xC3))).isEqualTo("keel-base64:/wDD");
        // a genuine U+FFFD (EF BF BD) next to a malformed byte: not text, though the lenient decode has U+FFFD anyway
        assertThat(BytesAsText.text(bytes(0xEF, 0xBF, 0xBD, 0xFF))).startsWith(BytesAsText.MARKER);
    }

    @Test
    void textThatStartsWithTheMarkerShouldBeMarkedSoThatItStaysDistinct() {
        byte[] b = "keel-base64:/w==".getBytes(StandardCharsets.UTF_8);
        String text = BytesAsText.text(b);
        assertThat(text).isNotEqualTo("keel-base64:/w==").startsWith(BytesAsText.MARKER);
        assertThat(BytesAsText.bytes(text)).isEqualTo(b);
    }

    @Test
    void randomBytesShouldMapOneToOneAndBack() {
        Random random = new Random(42);
        Set<String> seen = new HashSet<>();
        Set<String> distinctInputs = new HashSet<>();
        for (int i = 0; i < 20_000; i++) {
            byte[] b = new byte[random.nextInt(8)];
            random.nextBytes(b);
            String text = BytesAsText.text(b);
            assertThat(BytesAsText.bytes(text)).isEqualTo(b);
            seen.add(text);
            distinctInputs.add(java.util.HexFormat.of().formatHex(b));
        }
        assertThat(seen).hasSameSizeAs(distinctInputs);
    }

    @Test
    void stringsWithoutAByteFormShouldBeRefusedNotAltered() {
        assertThatThrownBy(() -> BytesAsText.bytes("keel-base64:not base64!"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not base64");
        assertThatThrownBy(() -> BytesAsText.bytes("keel-base64:aGk=")) // "hi": UTF-8 text goes as itself
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("canonical");
        assertThatThrownBy(() -> BytesAsText.bytes("keel-base64:/wDD\n"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> BytesAsText.bytes("a\uD800b"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("unpaired surrogate");
    }
}
