package dev.keel.testbrokers.internal.local;

import dev.keel.testbrokers.BrokerKind;
import dev.keel.testbrokers.internal.HarnessRuntime;
import dev.keel.testbrokers.internal.Provided;

/** Starts the local-process (or local service) variant of each broker. */
public final class LocalBrokers {

    private LocalBrokers() {
    }

    public static Provided start(BrokerKind kind, HarnessRuntime runtime) {
        switch (kind) {
            case KAFKA: return LocalKafka.start(runtime);
            case ROCKET: return LocalRocket.start(runtime);
            case REDIS: return LocalRedis.start(runtime);
            case ARTEMIS: return LocalArtemis.start(runtime);
            case ACTIVEMQ: return LocalActiveMQ.start(runtime);
            case RABBIT:
                return runtime.settings().rabbitUsesService() ? RabbitService.start(runtime) : LocalRabbitNode.start(runtime);
            default: throw new IllegalArgumentException(kind.name());
        }
    }
}
