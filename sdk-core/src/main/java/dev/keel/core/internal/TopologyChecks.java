package dev.keel.core.internal;

import dev.keel.TopicSpec;
import dev.keel.TopologyException;
import dev.keel.spi.BrokerAdapter;
import dev.keel.spi.Capability;

/** What Keel checks about a topic before its adapter declares it. */
public final class TopologyChecks {

    private TopologyChecks() {
    }

    /**
     * Refuses a topic with message priorities on an adapter without {@link Capability#PRIORITY}:
     * its queues could not honour them, and nothing would say so.
     */
    public static void checkDeclarable(BrokerAdapter adapter, TopicSpec spec) {
        if (spec.maxPriority() > 0 && !adapter.capabilities().contains(Capability.PRIORITY)) {
            throw new TopologyException(spec.name(), "topic '" + spec.name() + "' is declared with maxPriority "
                    + spec.maxPriority() + ", but " + adapter.getClass().getSimpleName() + " does not deliver by "
                    + "priority (it lacks Capability.PRIORITY; see docs/capabilities.md): declare it without "
                    + "maxPriority (a message's priority then travels only as its keel-priority header)");
        }
    }
}
