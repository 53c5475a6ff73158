package dev.keel.spring.boot.autoconfigure;

import dev.keel.AccessRefusedException;
import dev.keel.BrokerUnavailableException;
import dev.keel.KeelException;
import dev.keel.StoreUnavailableException;
import dev.keel.TopicNotFoundException;
import dev.keel.TopologyException;
import dev.keel.spring.ListenerDefinitionException;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.core.env.Environment;

/**
 * Turns a Keel failure that stops the application from starting into Spring Boot's "APPLICATION FAILED TO START"
 * report: what Keel could not do (the exception's message, which names the address or topic and never a
 * credential) and the {@code keel.*} properties that fix it. Registered in {@code META-INF/spring.factories}.
 */
public final class KeelFailureAnalyzer extends AbstractFailureAnalyzer<KeelException> {

    private final Environment environment;
    private final BeanFactory beans;

    /**
     * Spring Boot passes the failed context's environment and bean factory (either null when the failure came before
     * the context existed): they say which broker is in use and the address tried.
     */
    public KeelFailureAnalyzer(Environment environment, BeanFactory beans) {
        this.environment = environment;
        this.beans = beans;
    }

    static final String BROKER_ACTION = "Start the broker or make it reachable from this application, and check its "
            + "address: keel.kafka.bootstrap-servers (Kafka), keel.rabbit.uri or keel.rabbit.host and "
            + "keel.rabbit.port (RabbitMQ), keel.rocket.name-server (RocketMQ), keel.artemis.url (ActiveMQ Artemis), "
            + "keel.activemq.url (ActiveMQ Classic); with several adapters on the class "
            + "path, keel.broker says which one is used. In tests, a @ServiceConnection container sets the address.";
    private static final String SERVICE_CONNECTION = " In tests, a @ServiceConnection container sets the address.";
    static final String STORE_ACTION = "Start Redis or make it reachable, and check keel.redis.uri (or "
            + "keel.redis.host and keel.redis.port); a service that only ever runs as one process may choose "
            + "keel.idempotency.store=in-memory instead.";
    static final String ACCESS_ACTION = "Check the credentials Keel connects with (keel.rabbit.uri, or "
            + "keel.rabbit.username and keel.rabbit.password; keel.kafka.properties.* such as sasl.jaas.config; "
            + "keel.artemis.user and keel.artemis.password; keel.activemq.user and keel.activemq.password) and grant "
            + "that user what docs/security.md lists for its broker. Starting again without a change meets the same "
            + "refusal.";
    static final String OTHER_ACTION = "Fix what the description names; docs/spring-boot.md lists every keel.* "
            + "property.";

    /** The prefix of a topic's {@code keel.topics} properties, in brackets when the name has a dot. */
    static String topicProperties(String topic) {
        return topic.contains(".") ? "keel.topics[" + topic + "]" : "keel.topics." + topic;
    }

    /** The action naming only the broker in use and the address tried, else every broker's properties. */
    private String brokerAction() {
        BrokerInUse broker = BrokerInUse.of(environment, beans);
        if (broker == null) {
            return BROKER_ACTION;
        }
        return "Start the broker or make it reachable from this application, and check its address, "
                + broker.properties() + (broker.address() == null ? "" : " (tried: " + broker.address() + ")") + "."
                + SERVICE_CONNECTION;
    }

    @Override
    protected FailureAnalysis analyze(Throwable rootFailure, KeelException cause) {
        String message = String.valueOf(cause.getMessage());
        if (cause instanceof ListenerDefinitionException listener) {
            return new FailureAnalysis("Keel listener " + listener.listener() + " cannot be subscribed as declared: "
                    + listener.problem() + ".", listener.action() + ".", cause);
        }
        if (cause instanceof BrokerUnavailableException) {
            return new FailureAnalysis("Keel could not reach the broker: " + message, brokerAction(), cause);
        }
        if (cause instanceof AccessRefusedException) {
            return new FailureAnalysis("The broker refused Keel's access (not an outage: it answered): " + message,
                    ACCESS_ACTION, cause);
        }
        if (cause instanceof StoreUnavailableException) {
            return new FailureAnalysis("Keel could not reach the idempotency store: " + message, STORE_ACTION, cause);
        }
        if (cause instanceof TopicNotFoundException missing) {
            String topic = topicProperties(missing.topic());
            return new FailureAnalysis("Keel cannot subscribe to topic '" + missing.topic() + "': it does not exist "
                    + "on the broker, and Keel creates a topic only when the application declares it.", "Declare it, "
                    + "so that the starter creates it at startup before the listeners subscribe: " + topic
                    + ".partitions=<partitions> (also " + topic + ".replication-factor and " + topic
                    + ".min-in-sync-replicas). Or create it on the broker, or correct the topic's name in "
                    + "@KeelListener(topic = ...) or keel.listeners.<id>.topic.", cause);
        }
        if (cause instanceof TopologyException conflict) {
            String topic = topicProperties(conflict.topic());
            return new FailureAnalysis("Keel could not use a topic as declared: " + message, "Align " + topic
                    + ".partitions, " + topic + ".replication-factor and " + topic + ".min-in-sync-replicas with "
                    + "what the broker has, or give the topic a new name: Keel never changes an existing topic.", cause);
        }
        return new FailureAnalysis("Keel failed to start: " + message, OTHER_ACTION, cause);
    }
}
