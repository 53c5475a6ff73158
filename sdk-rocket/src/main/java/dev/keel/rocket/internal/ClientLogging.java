package dev.keel.rocket.internal;

import java.nio.file.Path;

/**
 * Keeps rocketmq-client's own log file out of the user's home directory. The client logs through a
 * shaded logback whose file appender writes to {@code ${rocketmq.log.root}}, by default
 * {@code ~/logs/rocketmqlogs}: unless the application chose a root, Keel points it at the system's
 * temporary directory before the first client class loads.
 */
public final class ClientLogging {

    /** The system property rocketmq-client reads for its log directory. */
    public static final String LOG_ROOT = "rocketmq.log.root";

    private ClientLogging() {
    }

    /** Sets {@value #LOG_ROOT} to {@code <java.io.tmpdir>/rocketmq-client-logs} unless it is set. */
    public static synchronized void keepOutOfHome() {
        if (System.getProperty(LOG_ROOT) == null) {
            System.setProperty(LOG_ROOT, Path.of(System.getProperty("java.io.tmpdir"), "rocketmq-client-logs")
                    .toString());
        }
    }
}
