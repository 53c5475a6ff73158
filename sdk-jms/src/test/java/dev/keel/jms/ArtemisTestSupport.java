package dev.keel.jms;

import dev.keel.testbrokers.Brokers;

/** The harness's Artemis as an adapter's configuration. */
final class ArtemisTestSupport {
    /** The largest payload the tests' adapters accept: small, so the refusal is probed cheaply. */
    static final int MAX_MESSAGE_BYTES = 1024 * 1024;

    private ArtemisTestSupport() {
    }

    static ArtemisConfig.Builder config() {
        return config(Brokers.artemis().url());
    }

    /** The tests' settings on {@code url}, without asking the harness for its broker (as a forked JVM must). */
    static ArtemisConfig.Builder config(String url) {
        return ArtemisConfig.custom().url(url).maxMessageBytes(MAX_MESSAGE_BYTES);
    }
}
