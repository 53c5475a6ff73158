package dev.keel.jms;

import dev.keel.testbrokers.Brokers;

/** The harness's ActiveMQ Classic as an adapter's configuration. */
final class ClassicTestSupport {
    /** The largest payload the tests' adapters accept: small, so the refusal is probed cheaply. */
    static final int MAX_MESSAGE_BYTES = 1024 * 1024;

    private ClassicTestSupport() {
    }

    /** The harness's broker orders its queues by priority ({@code prioritizedMessages}), so the tests say so. */
    static ActiveMQClassicConfig.Builder config() {
        return config(Brokers.activemq().url());
    }

    /** The tests' settings on {@code url}, without asking the harness for its broker (as a forked JVM must). */
    static ActiveMQClassicConfig.Builder config(String url) {
        return ActiveMQClassicConfig.custom().url(url).maxMessageBytes(MAX_MESSAGE_BYTES).prioritizedQueues(true);
    }
}
