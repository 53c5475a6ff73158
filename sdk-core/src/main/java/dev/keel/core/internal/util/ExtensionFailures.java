package dev.keel.core.internal.util;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Failures of user code plugged into a Keel besides the handlers (the metrics recorder, an
 * interceptor after the handler returned, a re-drive listener): counted, and logged at WARN the
 * first time for each place (with the stack trace) and every thousandth time after. Keel goes on as
 * if the extension had not failed.
 */
public final class ExtensionFailures {

    private static final Logger LOG = LoggerFactory.getLogger(ExtensionFailures.class);
    private static final long LOG_EVERY = 1_000;

    private final AtomicLong total = new AtomicLong();
    private final Map<String, AtomicLong> byPlace = new ConcurrentHashMap<>();

    /** Runs {@code call}; an exception it throws is counted and logged as a failure of {@code place}. */
    public void guard(String place, Runnable call) {
        try {
            call.run();
        } catch (RuntimeException | LinkageError | AssertionError e) {
            failed(place, e);
        }
    }

    /** Counts and logs {@code failure} of the user code at {@code place}, e.g. {@code "MetricsRecorder.count"}. */
    public void failed(String place, Throwable failure) {
        total.incrementAndGet();
        long n = byPlace.computeIfAbsent(place, p -> new AtomicLong()).incrementAndGet();
        if (n == 1) {
            LOG.warn("{} threw; Keel ignored it and went on, as it will each time (counted in "
                    + "Keel.extensionFailures())", place, failure);
        } else if (n % LOG_EVERY == 0) {
            LOG.warn("{} threw again ({} times so far), latest: {}", place, n, failure.toString());
        }
    }

    /** How many failures were counted in all. */
    public long count() {
        return total.get();
    }
}
