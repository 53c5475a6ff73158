package dev.keel.kafka.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

class OffsetRangesTest {

    @Test
    void metadataShouldRoundTripTheRangesAboveTheCommittedOffset() {
        OffsetRanges ranges = OffsetRanges.of(new long[] {11, 12, 13, 20, 22, 23, 1_000_000});

        String metadata = ranges.toMetadata(10);
        OffsetRanges parsed = OffsetRanges.parse(10, metadata);

        assertThat(metadata).startsWith(OffsetRanges.PREFIX);
        assertThat(parsed.asList()).containsExactly(new long[] {11, 14}, new long[] {20, 21}, new long[] {22, 24},
                new long[] {1_000_000, 1_000_001});
        assertThat(LongStream.range(0, 30).filter(parsed::contains).toArray()).containsExactly(11, 12, 13, 20, 22, 23);
    }

    @Test
    void rangesAtOrBelowTheCommittedOffsetShouldBeLeftOut() {
        OffsetRanges ranges = OffsetRanges.of(new long[] {3, 4, 5, 9, 10});

        assertThat(OffsetRanges.parse(5, ranges.toMetadata(5)).asList()).containsExactly(new long[] {9, 11});
        assertThat(OffsetRanges.parse(9, ranges.toMetadata(9)).asList()).containsExactly(new long[] {10, 11});
        assertThat(ranges.toMetadata(10)).isEmpty();
    }

    @Test
    void metadataShouldBeCutAtWholeRangesToTheLimit() {
        long[] everyOther = LongStream.range(0, 10_000).map(i -> 100 + 2 * i).toArray();

        String metadata = OffsetRanges.of(everyOther).toMetadata(99);
        OffsetRanges parsed = OffsetRanges.parse(99, metadata);

        assertThat(metadata.length()).isLessThanOrEqualTo(OffsetRanges.MAX_CHARS);
        assertThat(parsed.asList()).isNotEmpty().allSatisfy(range -> assertThat(range[1] - range[0]).isEqualTo(1));
        assertThat(parsed.asList().get(0)[0]).isEqualTo(100);
        long last = parsed.asList().get(parsed.asList().size() - 1)[0];
        assertThat(LongStream.rangeClosed(100, last).filter(parsed::contains).count()).isEqualTo(parsed.asList().size());
    }

    @Test
    void foreignOrMalformedMetadataShouldMeanNothingIsDone() {
        assertThat(OffsetRanges.parse(5, null).isEmpty()).isTrue();
        assertThat(OffsetRanges.parse(5, "").isEmpty()).isTrue();
        assertThat(OffsetRanges.parse(5, "written by another tool").isEmpty()).isTrue();
        assertThat(OffsetRanges.parse(5, OffsetRanges.PREFIX + "1.%").isEmpty()).isTrue();
        assertThat(OffsetRanges.parse(5, OffsetRanges.PREFIX + "0.3").isEmpty()).isTrue();
        assertThat(OffsetRanges.parse(5, OffsetRanges.PREFIX + "1.3,").isEmpty()).isTrue();
        assertThat(OffsetRanges.parse(5, OffsetRanges.PREFIX + "zzzzzzzzzzzzzz.1").isEmpty()).isTrue();
    }

    @Test
    void unionShouldMergeOverlappingAndAdjacentRanges() {
        OffsetRanges merged = OffsetRanges.of(new long[] {1, 2, 7}).union(OffsetRanges.of(new long[] {3, 4, 9}));

        assertThat(merged.asList()).containsExactly(new long[] {1, 5}, new long[] {7, 8}, new long[] {9, 10});
    }
}
