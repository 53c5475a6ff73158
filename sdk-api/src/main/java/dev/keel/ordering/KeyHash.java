package dev.keel.ordering;

import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.zip.CRC32C;

/**
 * The key to lane function Keel uses everywhere a key picks one of N lanes (consumer lanes,
 * RabbitMQ lane queues): a CRC32C of the key's UTF-8 bytes, modulo N. Stable across JVMs and
 * releases: changing it would reorder keys in flight.
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
        return (int) (crc.getValue() % lanes);
    }
}
