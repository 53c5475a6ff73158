package dev.keel.jackson;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keel.Codec;
import dev.keel.DecodingException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class JsonCodecTest {

    record Order(String id, int amount) {
    }

    @Test
    void jsonShouldRoundTripAndRejectGarbage() {
        Codec<Order> codec = JsonCodec.of(Order.class);
        Order order = new Order("o-1", 42);
        assertThat(codec.decode(codec.encode(order))).isEqualTo(order);
        assertThatThrownBy(() -> codec.decode("{not json".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(DecodingException.class);
    }
}
