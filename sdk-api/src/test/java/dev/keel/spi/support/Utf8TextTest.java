package dev.keel.spi.support;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class Utf8TextTest {

    @Test
    void textWithPairedSurrogatesOrNoneShouldBeEncodable() {
        assertThat(Utf8Text.encodable("")).isTrue();
        assertThat(Utf8Text.encodable("plain ascii")).isTrue();
        assertThat(Utf8Text.encodable("caf\u00e9 \u4e2d\u6587")).isTrue();
        assertThat(Utf8Text.encodable("emoji \uD83D\uDE00 pair")).isTrue();
    }

    @Test
    void anUnpairedSurrogateAnywhereShouldNotBeEncodable() {
        assertThat(Utf8Text.encodable("lone-\uD800")).isFalse();
        assertThat(Utf8Text.encodable("\uDC00-lone")).isFalse();
        assertThat(Utf8Text.encodable("a\uD800b")).isFalse();
        assertThat(Utf8Text.encodable("\uDE00\uD83D")).as("reversed pair").isFalse();
    }
}
