package dev.keel.jms;

import dev.keel.testbrokers.Brokers;

/** The harness's Artemis as an adapter's configuration. */
final class ArtemisTestSupport {
    /** The largest payload the tests' adapters accept: small, so the refusal is probed cheaply. */
    static final int MAX_MESSAGE_BYTES = 1024 * 1024;

    private ArtemisTestSupport() {
    }

    static ArtemisConfig.Builder config() {
        return ArtemisConfig.custom().url(Brokers.artemis().url()).maxMessageBytes(MAX_MESSAGE_BYTES);
    }
}
