package dev.keel.rocket.internal;

import dev.keel.rocket.RocketConfig;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Names of rocketmq-client instances. Every Keel client gets an instance name of its own: clients
 * sharing one share a client instance, and two consumers of one group on one instance pull the same
 * queues (duplicates).
 */
final class ClientNames {

    private static final String RUN = UUID.randomUUID().toString().substring(0, 8);
    private static final AtomicLong COUNTER = new AtomicLong();

    private ClientNames() {
    }

    /** {@code <clientId>-<role>-<pid>-<run>-<n>}: unique in this JVM and across JVMs. */
    static String instance(RocketConfig config, String role) {
        return config.clientId() + "-" + role + "-" + unique();
    }

    static String unique() {
        return ProcessHandle.current().pid() + "-" + RUN + "-" + COUNTER.incrementAndGet();
    }
}
