package dev.keel.outbox.jdbc.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The outbox's headers column: read back as written, and a corrupt value fails as corrupt (the relay then parks its
 * row) instead of allocating what its length prefix says, whose {@code OutOfMemoryError} escaped the relay's round
 * and stopped its lane group without a word.
 */
class HeaderCodecTest {

    @Test
    void headersShouldReadBackAsWritten() {
        Map<String, String> headers = Map.of("trace", "abc", "empty", "");

        assertThat(HeaderCodec.decode(HeaderCodec.encode(headers))).isEqualTo(headers);
    }

    @Test
    void aLengthPrefixPastTheBytesLeftShouldFailAsCorruptNotAllocateIt() {
        byte[] corrupt = {0, 0, 0, 1, 0x7f, (byte) 0xff, (byte) 0xff, (byte) 0xff};

        assertThatThrownBy(() -> HeaderCodec.decode(corrupt)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("corrupt");
    }
}
