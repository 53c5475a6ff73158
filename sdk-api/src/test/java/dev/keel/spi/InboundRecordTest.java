package dev.keel.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class InboundRecordTest {

    @Test
    void aDeferredRecordShouldMapItsContentOnceOnFirstReadAndKnowItsPlaceAtOnce() {
        AtomicInteger mappings = new AtomicInteger();
        InboundRecord record = InboundRecord.deferred("t", "3", 42, "k", 1, 0, () -> { }, () -> {
            mappings.incrementAndGet();
            return new InboundRecord.Content("id-1", Map.of("h", "v"), new byte[] {1, 2}, Instant.ofEpochMilli(7));
        });

        assertThat(record.topic()).isEqualTo("t");
        assertThat(record.partition()).isEqualTo("3");
        assertThat(record.position()).isEqualTo(42);
        assertThat(record.key()).isEqualTo("k");
        assertThat(record.toString()).contains("not mapped yet").doesNotContain("id-1");
        assertThat(mappings).hasValue(0);

        assertThat(record.id()).isEqualTo("id-1");
        assertThat(record.headers()).containsExactly(Map.entry("h", "v"));
        assertThat(record.payload()).containsExactly(1, 2);
        assertThat(record.timestamp()).isEqualTo(Instant.ofEpochMilli(7));
        assertThat(mappings).hasValue(1);
    }

    @Test
    void aDeferredRecordThatCannotBeMappedShouldThrowTheSameTypedErrorAtEveryReadWithoutMappingAgain() {
        AtomicInteger mappings = new AtomicInteger();
        IllegalArgumentException defect = new IllegalArgumentException("bytes 0xff 0xfe of the record");
        InboundRecord record = InboundRecord.deferred("t", "0", 9, null, 1, 0, () -> { }, () -> {
            mappings.incrementAndGet();
            throw defect;
        });

        assertThatThrownBy(record::map).isInstanceOf(RecordMappingException.class).hasCause(defect)
                .hasMessageContaining("position 9 of t partition 0").hasMessageNotContaining("0xff");
        assertThatThrownBy(record::id).isInstanceOf(RecordMappingException.class);
        assertThatThrownBy(record::payload).isInstanceOf(RecordMappingException.class);
        assertThat(mappings).hasValue(1);
        assertThat(((RecordMappingException) catchThrowable(record::headers)).isRetriable()).isFalse();
    }

    private static Throwable catchThrowable(org.assertj.core.api.ThrowableAssert.ThrowingCallable call) {
        return org.assertj.core.api.Assertions.catchThrowable(call);
    }
}
