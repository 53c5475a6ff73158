package dev.keel.kafka.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

class ForwardedOffsetsTest {

    @Test
    void metadataShouldRoundTripWhatIsDoneAfterTheCommittedOffsetAsRangesWhenShorter() {
        // committed 10: 10 and 14-15 wait (a long delay each), 11-13 and 16-999 were forwarded
        ForwardedOffsets offsets = ForwardedOffsets.of(10, 1_000, new long[] {10, 11, 14, 16});

        String metadata = offsets.toMetadata(ForwardedOffsets.MAX_CHARS);
        ForwardedOffsets parsed = ForwardedOffsets.parse(10, metadata);

        assertThat(metadata).isEqualTo(ForwardedOffsets.PREFIX + Long.toString(990, 36) + ":r0.1,3.2");
        assertThat(LongStream.range(0, 1_010).filter(parsed::done).count()).isEqualTo(990 - 3);
        assertThat(LongStream.range(0, 20).filter(parsed::done).toArray()).containsExactly(11, 12, 13, 16, 17, 18, 19);
        assertThat(parsed.done(999)).isTrue();
        assertThat(parsed.done(1_000)).as("past the end: not known").isFalse();
    }

    @Test
    void metadataShouldRoundTripAsABitmapWhenShorter() {
        ForwardedOffsets offsets = ForwardedOffsets.of(10, 20, new long[] {10, 11, 12, 13, 14, 16, 18, 19});

        String metadata = offsets.toMetadata(ForwardedOffsets.MAX_CHARS);
        ForwardedOffsets parsed = ForwardedOffsets.parse(10, metadata);

        assertThat(metadata).startsWith(ForwardedOffsets.PREFIX + "a:b");
        assertThat(LongStream.range(0, 30).filter(parsed::done).toArray()).containsExactly(11, 13, 16, 17, 19);
    }

    @Test
    void theWorstPatternOfAFullBufferShouldFitTheBudgetAsABitmap() {
        // every other offset waits, over a full buffer and one more poll: as ranges this would be 5,250 of them
        int span = DelayBuffer.MAX_BUFFERED + 500;
        long[] pending = new long[span];
        for (int i = 0; i < span / 2; i++) {
            pending[2 * i] = 1_000_000L + 2L * i;
            pending[2 * i + 1] = 1_000_000L + 2L * i + 1;
        }
        ForwardedOffsets offsets = ForwardedOffsets.of(1_000_000, 1_000_000 + span, pending);

        String metadata = offsets.toMetadata(ForwardedOffsets.MAX_CHARS);
        ForwardedOffsets parsed = ForwardedOffsets.parse(1_000_000, metadata);

        assertThat(metadata.length()).isLessThanOrEqualTo(ForwardedOffsets.MAX_CHARS);
        assertThat(metadata).startsWith(ForwardedOffsets.PREFIX + Long.toString(span, 36) + ":b");
        assertThat(LongStream.range(999_990, 1_000_000 + span + 10).filter(parsed::done).count()).isEqualTo(span / 2);
        assertThat(parsed.done(1_000_001)).isTrue();
        assertThat(parsed.done(1_000_000 + span - 1)).isTrue();
        assertThat(parsed.done(1_000_000 + span - 2)).isFalse();
    }

    @Test
    void metadataOverASmallerBudgetShouldEndEarlierSoThatTheRestIsForwardedAgainNotLost() {
        long[] pending = new long[2_000];
        for (int i = 0; i < 1_000; i++) {
            pending[2 * i] = 4L * i;
            pending[2 * i + 1] = 4L * i + 1;
        }
        ForwardedOffsets offsets = ForwardedOffsets.of(0, 4_000, pending);

        String metadata = offsets.toMetadata(100);
        ForwardedOffsets parsed = ForwardedOffsets.parse(0, metadata);

        assertThat(metadata.length()).isLessThanOrEqualTo(100);
        assertThat(parsed.end()).isBetween(1L, 4_000L - 1);
        for (long o = 0; o < 4_000; o++) {
            boolean forwarded = o % 4 != 0;
            // never "done" what waits; what was forwarded past the cut is forwarded again by the next owner
            assertThat(parsed.done(o)).as("offset %d", o).isEqualTo(forwarded && o < parsed.end());
        }
    }

    @Test
    void adjacentPendingRangesShouldBeMergedSoThatTheTextParses() {
        ForwardedOffsets offsets = ForwardedOffsets.of(5, 12, new long[] {5, 6, 6, 8, 10, 11});

        ForwardedOffsets parsed = ForwardedOffsets.parse(5, offsets.toMetadata(ForwardedOffsets.MAX_CHARS));

        assertThat(LongStream.range(0, 15).filter(parsed::done).toArray()).containsExactly(8, 9, 11);
        assertThat(parsed.pendingFrom(7)).containsExactly(7, 8, 10, 11);
    }

    @Test
    void nothingDoneAfterTheCommitShouldBeNoMetadata() {
        assertThat(ForwardedOffsets.of(7, 7, new long[0]).toMetadata(ForwardedOffsets.MAX_CHARS)).isEmpty();
        assertThat(ForwardedOffsets.of(7, 9, new long[] {7, 9}).toMetadata(0)).isEmpty();
    }

    @Test
    void otherMetadataShouldMeanNothingRecorded() {
        for (String text : Arrays.asList(null, "", "written by another tool", OffsetRanges.PREFIX + "1.3",
                ForwardedOffsets.PREFIX, ForwardedOffsets.PREFIX + "a:x", ForwardedOffsets.PREFIX + "a:r1.%",
                ForwardedOffsets.PREFIX + "a:r0.1,0.1", ForwardedOffsets.PREFIX + "2:r0.3",
                ForwardedOffsets.PREFIX + "a:bAA", ForwardedOffsets.PREFIX + "-1:r")) {
            ForwardedOffsets parsed = ForwardedOffsets.parse(5, text);
            assertThat(LongStream.range(0, 20).filter(parsed::done).toArray()).as(String.valueOf(text)).isEmpty();
        }
    }
}
