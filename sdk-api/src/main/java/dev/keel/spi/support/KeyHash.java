package dev.keel.spi.support;

import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.zip.CRC32C;

/**
 * The key to lane function Keel uses everywhere a key picks one of N (a subscription's handler
 * lanes, RabbitMQ partition queues, in-memory partitions): a CRC32C of the key's UTF-8 bytes, mixed by the MurmurHash3 finalizer,
 * modulo N. The mixing matters: CRC is linear, so similar keys ({@code k0}..{@code k9}) would
 * otherwise share a few lanes. Stable across JVMs and releases: changing it would reorder keys in
 * flight.
 */
public final class KeyHash {

    private KeyHash() {
    }

    /** The lane, in {@code [0, lanes)}, for {@code key}. */
    public static int laneOf(String key, int lanes) {
        Objects.requireNonNull(key, "key");
        if (lanes < 1) {
            throw new IllegalArgumentException("lanes must be >= 1, was " + lanes);
        }
        CRC32C crc = new CRC32C();
        crc.update(key.getBytes(StandardCharsets.UTF_8));
        return Math.floorMod(mix((int) crc.getValue()), lanes);
    }

    /** MurmurHash3's fmix32: every input bit affects every output bit. */
    private static int mix(int h) {
        h ^= h >>> 16;
        h *= 0x85ebca6b;
        h ^= h >>> 13;
        h *= 0xc2b2ae35;
        h ^= h >>> 16;
        return h;
    }
}
