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
 *
 * <p>Any throwable counts, {@code Error}s included (a {@code StackOverflowError}, Kotlin's
 * {@code TODO()}, a custom {@code Error}): the message the extension was called for keeps the outcome
 * it had. A {@link VirtualMachineError} other than a stack overflow (an {@code OutOfMemoryError}, an
 * {@code InternalError}) is treated the same way, logged at ERROR instead of WARN: the
 * JVM's own health is the application's to act on (for example with {@code -XX:+ExitOnOutOfMemoryError}),
 * and failing or re-running messages for it would repeat effects already applied.
 */
public final class ExtensionFailures {

    private static final Logger LOG = LoggerFactory.getLogger(ExtensionFailures.class);
    private static final long LOG_EVERY = 1_000;

    private final AtomicLong total = new AtomicLong();
    private final Map<String, AtomicLong> byPlace = new ConcurrentHashMap<>();

    /** Runs {@code call}; any throwable it throws is counted and logged as a failure of {@code place}. */
    public void guard(String place, Runnable call) {
        try {
            call.run();
        } catch (Throwable e) { // a plain Throwable too (a sneaky throw, Kotlin): "any throwable"
            failed(place, e);
        }
    }

    /** Counts and logs {@code failure} of the user code at {@code place}, e.g. {@code "MetricsRecorder.count"}. */
    public void failed(String place, Throwable failure) {
        total.incrementAndGet();
        long n = byPlace.computeIfAbsent(place, p -> new AtomicLong()).incrementAndGet();
        boolean jvm = failure instanceof VirtualMachineError && !(failure instanceof StackOverflowError);
        if (n == 1) {
            String text = "{} threw; Keel ignored it and went on, as it will each time (counted in "
                    + "Keel.extensionFailures())" + (jvm ? "; the JVM itself may be failing" : "");
            if (jvm) {
                LOG.error(text, place, Descriptions.describable(failure));
            } else {
                LOG.warn(text, place, Descriptions.describable(failure));
            }
        } else if (n % LOG_EVERY == 0) {
            LOG.warn("{} threw again ({} times so far), latest: {}", place, n, Descriptions.of(failure));
        }
    }

    /** How many failures were counted in all. */
    public long count() {
        return total.get();
    }
}
