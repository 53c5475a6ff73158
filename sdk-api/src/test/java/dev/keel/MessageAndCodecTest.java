package dev.keel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keel.spi.support.InboundIds;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class MessageAndCodecTest {


    @Test
    void messagesWithSameFieldsShouldBeEqual() {
        Instant now = Instant.parse("2026-01-01T00:00:00Z");
        Message a = Message.builder("x", Codec.utf8()).id("1").key("k").header("h", "v").timestamp(now).build();
        Message b = Message.builder("x", Codec.utf8()).id("1").key("k").header("h", "v").timestamp(now).build();
        assertThat(a).isEqualTo(b).hasSameHashCodeAs(b);
        assertThat(a.toBuilder().build()).isEqualTo(a);
    }

    @Test
    void payloadShouldBeCopiedIn() {
        byte[] bytes = {1, 2, 3};
        Message m = Message.builder(bytes).build();
        bytes[0] = 9;
        assertThat(m.payload()).containsExactly(1, 2, 3);
    }

    @Test
    void toStringShouldNeverContainThePayload() {
        Message m = Message.builder("secret-card-number", Codec.utf8()).id("1").build();
        assertThat(m.toString()).doesNotContain("secret-card-number").contains("payloadBytes=18");
    }

    @Test
    void invalidUtf8ShouldBeADecodingException() {
        assertThatThrownBy(() -> Codec.utf8().decode(new byte[] {(byte) 0xC3, (byte) 0x28}))
                .isInstanceOf(DecodingException.class);
    }

    @Test
    void idOfShouldPreferTheKeelHeader() {
        assertThat(InboundIds.idOf(java.util.Map.of(KeelHeaders.ID, "biz-1"), "t-0-5")).isEqualTo("biz-1");
        assertThat(InboundIds.idOf(java.util.Map.of(), "t-0-5")).isEqualTo("t-0-5");
    }
}
