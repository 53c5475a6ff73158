package dev.keel.kafka.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Offsets already acknowledged above a partition's committed offset, as ranges, and their text form
 * in a Kafka commit's metadata: {@code keel-acked:1:} then ranges {@code <gap>.<length>} in base 36,
 * separated by {@code ,}, each gap counted from the end of the previous range (the first from the
 * committed offset). The text is cut at whole ranges to {@link #MAX_CHARS}, under the broker's
 * default {@code offset.metadata.max.bytes} of 4096: offsets left out are simply delivered again.
 * Text that is not in this form (another tool's metadata, or none) means no ranges. Immutable.
 */
final class OffsetRanges {

    static final String PREFIX = "keel-acked:1:";
    static final int MAX_CHARS = 3000;
    static final OffsetRanges NONE = new OffsetRanges(new TreeMap<>());

    /** Range start → end (exclusive), not overlapping, not adjacent. */
    private final TreeMap<Long, Long> ranges;

    private OffsetRanges(TreeMap<Long, Long> ranges) {
        this.ranges = ranges;
    }

    /** The ranges of ascending offsets. */
    static OffsetRanges of(long[] ascending) {
        TreeMap<Long, Long> ranges = new TreeMap<>();
        long start = -1;
        long end = -1;
        for (long offset : ascending) {
            if (offset == end) {
                end++;
                continue;
            }
            if (start >= 0) {
                ranges.put(start, end);
            }
            start = offset;
            end = offset + 1;
        }
        if (start >= 0) {
            ranges.put(start, end);
        }
        return new OffsetRanges(ranges);
    }

    /** The ranges a commit's metadata records above {@code committed}; NONE for anything else. */
    static OffsetRanges parse(long committed, String metadata) {
        if (metadata == null || !metadata.startsWith(PREFIX) || metadata.length() == PREFIX.length()) {
            return NONE;
        }
        TreeMap<Long, Long> ranges = new TreeMap<>();
        long previousEnd = committed;
        try {
            for (String range : metadata.substring(PREFIX.length()).split(",", -1)) {
                int dot = range.indexOf('.');
                long gap = Long.parseLong(range.substring(0, dot), Character.MAX_RADIX);
                long length = Long.parseLong(range.substring(dot + 1), Character.MAX_RADIX);
                if (gap < 1 || length < 1) {
                    return NONE;
                }
                long start = Math.addExact(previousEnd, gap);
                previousEnd = Math.addExact(start, length);
                ranges.put(start, previousEnd);
            }
        } catch (RuntimeException malformed) {
            return NONE;
        }
        return new OffsetRanges(ranges);
    }

    /**
     * The first offset from {@code offset} on that these ranges do not hold: {@code offset} itself unless a range holds
     * it. A commit's offset moves past a range that starts at it: its metadata can record ranges only above it.
     */
    long firstNotHeldFrom(long offset) {
        Map.Entry<Long, Long> range = ranges.floorEntry(offset);
        return range != null && offset < range.getValue() ? range.getValue() : offset;
    }

    boolean contains(long offset) {
        Map.Entry<Long, Long> range = ranges.floorEntry(offset);
        return range != null && offset < range.getValue();
    }

    boolean isEmpty() {
        return ranges.isEmpty();
    }

    /** These ranges and {@code other}'s, merged. */
    OffsetRanges union(OffsetRanges other) {
        if (other.isEmpty()) {
            return this;
        }
        if (isEmpty()) {
            return other;
        }
        TreeMap<Long, Long> all = new TreeMap<>(ranges);
        other.ranges.forEach((start, end) -> all.merge(start, end, Math::max));
        TreeMap<Long, Long> merged = new TreeMap<>();
        long start = -1;
        long end = -1;
        for (Map.Entry<Long, Long> range : all.entrySet()) {
            if (start >= 0 && range.getKey() <= end) {
                end = Math.max(end, range.getValue());
                continue;
            }
            if (start >= 0) {
                merged.put(start, end);
            }
            start = range.getKey();
            end = range.getValue();
        }
        merged.put(start, end);
        return new OffsetRanges(merged);
    }

    /** The metadata text for a commit of {@code committed}: the ranges above it, cut to {@link #MAX_CHARS}. */
    String toMetadata(long committed) {
        StringBuilder text = new StringBuilder(PREFIX);
        long previousEnd = committed;
        for (Map.Entry<Long, Long> range : ranges.entrySet()) {
            long start = Math.max(range.getKey(), committed + 1);
            long end = range.getValue();
            if (end <= start) {
                continue;
            }
            String entry = Long.toString(start - previousEnd, Character.MAX_RADIX) + '.'
                    + Long.toString(end - start, Character.MAX_RADIX);
            int separator = text.length() > PREFIX.length() ? 1 : 0;
            if (text.length() + separator + entry.length() > MAX_CHARS) {
                break;
            }
            if (separator == 1) {
                text.append(',');
            }
            text.append(entry);
            previousEnd = end;
        }
        return text.length() == PREFIX.length() ? "" : text.toString();
    }

    /** The ranges as [start, end) pairs, for tests and logs. */
    List<long[]> asList() {
        List<long[]> list = new ArrayList<>(ranges.size());
        ranges.forEach((start, end) -> list.add(new long[] {start, end}));
        return list;
    }
}
