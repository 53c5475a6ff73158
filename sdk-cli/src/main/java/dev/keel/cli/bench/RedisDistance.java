package dev.keel.cli.bench;

import dev.keel.cli.EnvironmentException;
import dev.keel.cli.broker.StoreChoice;
import dev.keel.faults.FaultProxy;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Locale;

/**
 * {@code keel bench --redis-latency}: a Redis on this host made to look as far away as one on another
 * host. A {@link FaultProxy} in front of it delays every chunk of bytes by the given time in each
 * direction (latency, not bandwidth: a pipelined batch pays one round trip, a client waiting for each
 * reply pays every one), and every Redis client of the run reaches Redis through it.
 */
final class RedisDistance implements AutoCloseable {

    /** The longest delay accepted: a Redis round trip of more than 2 s is no production distance. */
    static final Duration MAX = Duration.ofSeconds(1);

    private final FaultProxy proxy;
    private final StoreChoice store;
    private final Duration eachWay;
    private final String redis;

    private RedisDistance(FaultProxy proxy, StoreChoice store, Duration eachWay, String redis) {
        this.proxy = proxy;
        this.store = store;
        this.eachWay = eachWay;
        this.redis = redis;
    }

    /**
     * Checks a {@code --redis-latency} value.
     *
     * @throws IllegalArgumentException when it is not above zero or above {@link #MAX}
     */
    static Duration check(Duration eachWay) {
        if (eachWay == null || eachWay.isNegative() || eachWay.isZero() || eachWay.compareTo(MAX) > 0) {
            throw new IllegalArgumentException("--redis-latency must be above 0 and at most " + MAX.toMillis()
                    + " ms (each way, e.g. 250us), was " + (eachWay == null ? "nothing" : format(eachWay)));
        }
        return eachWay;
    }

    /**
     * Starts the proxy in front of {@code store}'s Redis (standalone, on this host's loopback) and
     * checks that Redis answers through it.
     *
     * @throws EnvironmentException when Redis is not on a loopback address, or does not answer through the
     *                              proxy
     */
    static RedisDistance start(StoreChoice store, Duration eachWay) {
        check(eachWay);
        InetSocketAddress redis = store.redisAddress();
        String where = redis.getHostString() + ":" + redis.getPort();
        FaultProxy proxy;
        try {
            proxy = FaultProxy.to(redis.getHostString(), redis.getPort());
        } catch (IllegalArgumentException e) {
            throw new EnvironmentException("--redis-latency emulates a distant Redis with a proxy in front of a Redis "
                    + "on this host's loopback, and Redis at " + where + " is not on loopback: a Redis on another "
                    + "host has its own round trip, measure without --redis-latency", e);
        } catch (UncheckedIOException e) {
            throw new EnvironmentException("--redis-latency: cannot start the latency proxy in front of Redis at "
                    + where + ": " + e.getMessage(), e);
        }
        try {
            proxy.latency(eachWay);
            StoreChoice through = store.through(proxy.host(), proxy.port(), "through a proxy adding "
                    + format(eachWay) + " each way");
            return new RedisDistance(proxy, through, eachWay, where);
        } catch (RuntimeException e) {
            proxy.close();
            throw e;
        }
    }

    /** The store choice every Redis client of the run is made from: through the proxy. */
    StoreChoice store() {
        return store;
    }

    /** The delay added in each direction. */
    Duration eachWay() {
        return eachWay;
    }

    /** The report's header line. */
    String description() {
        return "Redis at a distance: every Redis client of this run (Keel's store, the naive dedup's client, the "
                + "memory section's consumer) reaches Redis at " + redis + " through a proxy that delays each "
                + "direction by " + format(eachWay) + " (a round trip " + format(eachWay.multipliedBy(2))
                + " longer; a pipelined batch pays it once)";
    }

    /** {@code 250 µs}, {@code 1 ms}, {@code 1.5 ms}. */
    static String format(Duration d) {
        long nanos = d.toNanos();
        if (nanos < 1_000_000) {
            return String.format(Locale.ROOT, "%d \u00b5s", nanos / 1000);
        }
        double millis = nanos / 1e6;
        return millis == Math.rint(millis) ? String.format(Locale.ROOT, "%d ms", (long) millis)
                : String.format(Locale.ROOT, "%.3f ms", millis).replaceAll("0+ ms$", " ms");
    }

    @Override
    public void close() {
        proxy.close();
    }
}
