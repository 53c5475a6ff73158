package dev.keel.spring.boot.autoconfigure;

import dev.keel.BrokerUnavailableException;
import dev.keel.KeelException;
import dev.keel.StoreUnavailableException;
import dev.keel.TopologyException;
import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/**
 * Turns a Keel failure that stops the application from starting into Spring Boot's "APPLICATION FAILED TO START"
 * report: what Keel could not do (the exception's message, which names the address or topic and never a
 * credential) and the {@code keel.*} properties that fix it. Registered in {@code META-INF/spring.factories}.
 */
public final class KeelFailureAnalyzer extends AbstractFailureAnalyzer<KeelException> {

    static final String BROKER_ACTION = "Start the broker or make it reachable from this application, and check its "
            + "address: keel.kafka.bootstrap-servers (Kafka), keel.rabbit.uri or keel.rabbit.host and "
            + "keel.rabbit.port (RabbitMQ), keel.rocket.name-server (RocketMQ); with several adapters on the class "
            + "path, keel.broker says which one is used. In tests, a @ServiceConnection container sets the address.";
    static final String STORE_ACTION = "Start Redis or make it reachable, and check keel.redis.uri (or "
            + "keel.redis.host and keel.redis.port); a service that only ever runs as one process may choose "
            + "keel.idempotency.store=in-memory instead.";
    static final String TOPOLOGY_ACTION = "Declare the topic as the listeners need it: keel.topics.<topic>.partitions "
            + "(and keel.topics.<topic>.groups) make the starter declare it at startup; if it exists with other "
            + "settings, align keel.topics.<topic>.* with the broker's, or use a new topic name.";
    static final String OTHER_ACTION = "Fix what the description names; docs/spring-boot.md lists every keel.* "
            + "property.";

    @Override
    protected FailureAnalysis analyze(Throwable rootFailure, KeelException cause) {
        String message = String.valueOf(cause.getMessage());
        if (cause instanceof BrokerUnavailableException) {
            return new FailureAnalysis("Keel could not reach the broker: " + message, BROKER_ACTION, cause);
        }
        if (cause instanceof StoreUnavailableException) {
            return new FailureAnalysis("Keel could not reach the idempotency store: " + message, STORE_ACTION, cause);
        }
        if (cause instanceof TopologyException || message.contains("ensureTopology")) {
            return new FailureAnalysis("Keel could not use a topic as declared: " + message, TOPOLOGY_ACTION, cause);
        }
        return new FailureAnalysis("Keel failed to start: " + message, OTHER_ACTION, cause);
    }
}
