package dev.keel.rocket.internal;

/**
 * Keeps rocketmq-client's logging out of files. The client logs through a logback shaded into its
 * own packages, configured by the first of several files in its jars; the ones of
 * {@code rocketmq-client} and {@code rocketmq-tools} write under {@code ~/logs/rocketmqlogs}. Unless the
 * application chose a configuration ({@value #CONFIGURATION_FILE}), Keel points it, before the first
 * client class loads, at {@value #KEEL_CONFIGURATION}: no files, errors handed to the
 * application's SLF4J ({@code -Drocketmq.log.level=warn} or {@code info} for more).
 */
public final class ClientLogging {

    /** The system property the client's logback reads its configuration file from. */
    public static final String CONFIGURATION_FILE = "rmq.logback.configurationFile";
    /** Keel's configuration, a resource of this module. */
    public static final String KEEL_CONFIGURATION = "dev/keel/rocket/internal/rocketmq-client-logback.xml";

    private ClientLogging() {
    }

    /** Sets {@value #CONFIGURATION_FILE} to {@value #KEEL_CONFIGURATION} unless it is set. */
    public static synchronized void keepOutOfHome() {
        if (System.getProperty(CONFIGURATION_FILE) == null) {
            System.setProperty(CONFIGURATION_FILE, KEEL_CONFIGURATION);
        }
    }
}
