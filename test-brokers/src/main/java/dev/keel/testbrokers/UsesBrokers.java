package dev.keel.testbrokers;

import org.junit.jupiter.api.extension.ExtendWith;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Registers {@link RealBrokers} and starts the listed brokers in parallel before the class's tests,
 * for tests that use the {@link Brokers} accessors rather than parameters.
 * <pre>{@code
 * @UsesBrokers({BrokerKind.KAFKA, BrokerKind.REDIS})
 * class OrderFlowTest { ... Brokers.kafka().bootstrapServers() ... }
 * }</pre>
 */
@Documented
@Inherited
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
@ExtendWith(RealBrokers.class)
public @interface UsesBrokers {
    BrokerKind[] value();
}
