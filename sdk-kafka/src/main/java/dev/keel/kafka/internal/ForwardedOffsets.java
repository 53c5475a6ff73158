package dev.keel.kafka.internal;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;

/**
 * What a delay forwarder records in its commit's metadata about one delay-topic partition: which offsets from the
 * committed offset up to an end are still to be forwarded ("pending"); every other offset in that stretch was
 * forwarded (or dead-lettered), so the partition's next owner skips it. The stretch is as long as the forwarder's
 * buffer at most ({@link DelayBuffer#MAX_BUFFERED} offsets plus one poll), so the text is bounded whatever the
 * pattern of delays: {@code keel-fwd:1:<length>:} (base 36) then either {@code r} and the pending ranges as
 * {@code <gap>.<length>} in base 36 separated by {@code ,} (each gap counted from the end of the previous range,
 * the first from the committed offset), or {@code b} and a bitmap (bit {@code i} set: offset committed +
 * {@code i} pending; unpadded URL-safe base64), whichever is shorter. The bitmap takes 1 character per 6 offsets:
 * {@link #MAX_CHARS} holds 17,904 offsets. Text over a smaller budget (a broker whose
 * {@code offset.metadata.max.bytes} is below it) is cut: the stretch ends earlier, and what was forwarded past
 * the cut is forwarded again by the next owner (same ids). Text in no such form means nothing recorded. Immutable.
 */
final class ForwardedOffsets {

    static final String PREFIX = "keel-fwd:1:";
    /** The budget of the text, under the broker's default {@code offset.metadata.max.bytes} of 4096. */
    static final int MAX_CHARS = 3000;
    static final ForwardedOffsets NONE = new ForwardedOffsets(-1, -1, new long[0]);
    private static final Base64.Encoder BASE64 = Base64.getUrlEncoder().withoutPadding();
    private static final Base64.Decoder BASE64_DECODER = Base64.getUrlDecoder();

    private final long from;
    private final long end;
    /** Pending ranges [start, end) as start0, end0, start1, end1, ... ascending, within [from, end). */
    private final long[] pending;

    private ForwardedOffsets(long from, long end, long[] pending) {
        this.from = from;
        this.end = end;
        this.pending = pending;
    }

    /**
     * Offsets {@code from} (the committed offset) to {@code end} (exclusive) are forwarded except those in
     * {@code pending}: ascending, non-overlapping ranges as start, end pairs within [from, end) (adjacent ones are
     * merged).
     */
    static ForwardedOffsets of(long from, long end, long[] pending) {
        if (end < from || pending.length % 2 != 0) {
            throw new IllegalArgumentException("not a stretch: " + from + ".." + end);
        }
        long[] merged = new long[pending.length];
        int n = 0;
        long previous = from;
        for (int i = 0; i < pending.length; i += 2) {
            if (pending[i] < previous || pending[i + 1] <= pending[i] || pending[i + 1] > end) {
                throw new IllegalArgumentException("pending ranges must ascend within " + from + ".." + end);
            }
            if (n > 0 && merged[n - 1] == pending[i]) {
                merged[n - 1] = pending[i + 1]; // adjacent: one range
            } else {
                merged[n++] = pending[i];
                merged[n++] = pending[i + 1];
            }
            previous = pending[i + 1];
        }
        return new ForwardedOffsets(from, end, Arrays.copyOf(merged, n));
    }

    /** Whether {@code offset} was forwarded (or dead-lettered): within the stretch and not pending. */
    boolean done(long offset) {
        if (offset < from || offset >= end) {
            return false;
        }
        int i = rangeAtOrBefore(offset);
        return i < 0 || offset >= pending[i + 1];
    }

    /** The end of the stretch described (exclusive); -1 for {@link #NONE}. */
    long end() {
        return end;
    }

    /** The pending ranges from {@code offset} on (cut there), as start, end pairs. */
    long[] pendingFrom(long offset) {
        int first = 0;
        while (first < pending.length && pending[first + 1] <= offset) {
            first += 2;
        }
        long[] out = Arrays.copyOfRange(pending, first, pending.length);
        if (out.length > 0 && out[0] < offset) {
            out[0] = offset;
        }
        return out;
    }

    /** The commit metadata text, at most {@code budget} characters ("" when nothing is to be said or it cannot fit). */
    String toMetadata(int budget) {
        if (end <= from || budget <= 0) {
            return "";
        }
        String text = shorter(ranges(), bitmap());
        if (text.length() <= budget) {
            return text;
        }
        // cut the stretch to what a bitmap of the budget holds (its header counted at the uncut length)
        int header = header(end - from).length() + 1;
        long bytes = (long) (budget - header) * 3 / 4;
        if (bytes <= 0) {
            return "";
        }
        long cutEnd = from + Math.min(end - from, bytes * 8);
        return new ForwardedOffsets(from, cutEnd, clip(cutEnd)).toMetadata(budget);
    }

    /** What the metadata of a commit of {@code committed} records; {@link #NONE} for anything else. */
    static ForwardedOffsets parse(long committed, String metadata) {
        if (metadata == null || !metadata.startsWith(PREFIX) || committed < 0) {
            return NONE;
        }
        try {
            int colon = metadata.indexOf(':', PREFIX.length());
            long length = Long.parseLong(metadata.substring(PREFIX.length(), colon), Character.MAX_RADIX);
            if (length < 0) {
                return NONE;
            }
            long end = Math.addExact(committed, length);
            char form = metadata.charAt(colon + 1);
            String data = metadata.substring(colon + 2);
            long[] pending = switch (form) {
                case 'r' -> parseRanges(committed, data);
                case 'b' -> parseBitmap(committed, length, data);
                default -> null;
            };
            return pending == null ? NONE : of(committed, end, pending);
        } catch (RuntimeException malformed) {
            return NONE;
        }
    }

    private String ranges() {
        StringBuilder text = new StringBuilder(header(end - from)).append('r');
        long previous = from;
        for (int i = 0; i < pending.length; i += 2) {
            if (i > 0) {
                text.append(',');
            }
            text.append(Long.toString(pending[i] - previous, Character.MAX_RADIX)).append('.')
                    .append(Long.toString(pending[i + 1] - pending[i], Character.MAX_RADIX));
            previous = pending[i + 1];
        }
        return text.toString();
    }

    /** The bitmap form, or null when the stretch is too long for one (the ranges form is then used or cut). */
    private String bitmap() {
        long length = end - from;
        if (length > (long) MAX_CHARS * 6) {
            return null;
        }
        byte[] bits = new byte[(int) ((length + 7) / 8)];
        for (int i = 0; i < pending.length; i += 2) {
            for (long o = pending[i]; o < pending[i + 1]; o++) {
                int bit = (int) (o - from);
                bits[bit >> 3] |= (byte) (1 << (bit & 7));
            }
        }
        return header(length) + 'b' + BASE64.encodeToString(bits);
    }

    private static String header(long length) {
        return PREFIX + Long.toString(length, Character.MAX_RADIX) + ':';
    }

    private static String shorter(String a, String b) {
        return b == null || a.length() <= b.length() ? a : b;
    }

    private long[] clip(long cutEnd) {
        long[] out = new long[pending.length];
        int n = 0;
        for (int i = 0; i < pending.length && pending[i] < cutEnd; i += 2) {
            out[n++] = pending[i];
            out[n++] = Math.min(pending[i + 1], cutEnd);
        }
        return Arrays.copyOf(out, n);
    }

    private static long[] parseRanges(long committed, String data) {
        if (data.isEmpty()) {
            return new long[0];
        }
        String[] parts = data.split(",", -1);
        long[] pending = new long[parts.length * 2];
        long previous = committed;
        for (int i = 0; i < parts.length; i++) {
            int dot = parts[i].indexOf('.');
            long gap = Long.parseLong(parts[i].substring(0, dot), Character.MAX_RADIX);
            long length = Long.parseLong(parts[i].substring(dot + 1), Character.MAX_RADIX);
            if (gap < 0 || length < 1 || (i > 0 && gap < 1)) {
                return null;
            }
            pending[2 * i] = Math.addExact(previous, gap);
            pending[2 * i + 1] = Math.addExact(pending[2 * i], length);
            previous = pending[2 * i + 1];
        }
        return pending;
    }

    private static long[] parseBitmap(long committed, long length, String data) {
        byte[] bits = BASE64_DECODER.decode(data.getBytes(StandardCharsets.US_ASCII));
        if (bits.length != (length + 7) / 8) {
            return null;
        }
        long[] pending = new long[16];
        int n = 0;
        long runStart = -1;
        for (long i = 0; i <= length; i++) {
            boolean set = i < length && (bits[(int) (i >> 3)] & (1 << (i & 7))) != 0;
            if (set && runStart < 0) {
                runStart = i;
            } else if (!set && runStart >= 0) {
                if (n + 2 > pending.length) {
                    pending = Arrays.copyOf(pending, pending.length * 2);
                }
                pending[n++] = committed + runStart;
                pending[n++] = committed + i;
                runStart = -1;
            }
        }
        return Arrays.copyOf(pending, n);
    }

    /** The index of the last pending range starting at or before {@code offset}, or -1. */
    private int rangeAtOrBefore(long offset) {
        int low = 0;
        int high = pending.length / 2 - 1;
        int found = -1;
        while (low <= high) {
            int mid = (low + high) >>> 1;
            if (pending[2 * mid] <= offset) {
                found = 2 * mid;
                low = mid + 1;
            } else {
                high = mid - 1;
            }
        }
        return found;
    }

    @Override
    public String toString() {
        return "ForwardedOffsets{" + from + ".." + end + ", pending=" + Arrays.toString(pending) + "}";
    }
}
