package dev.keel.spring.boot.autoconfigure;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.springframework.context.annotation.Conditional;

/**
 * Matches when {@code keel.broker} and the class path select the adapter named {@link #value()}:
 * {@code keel.broker} names it, or it is the only Keel adapter on the class path (see {@link BrokerSelection}).
 */
@Target({ElementType.TYPE, ElementType.METHOD})
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Conditional(OnKeelBrokerCondition.class)
public @interface ConditionalOnKeelBroker {

    /** The adapter's name: kafka, rabbit, rocket, artemis or activemq. */
    String value();
}
