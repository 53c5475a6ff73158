package dev.keel.spring.boot.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keel.Delivery;
import dev.keel.spring.KeelListener;
import dev.keel.spring.ListenerDefinitionException;
import dev.keel.testbrokers.BrokerKind;
import dev.keel.testbrokers.Brokers;
import dev.keel.testbrokers.UniqueNames;
import dev.keel.testbrokers.UsesBrokers;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.config.ConfigurableBeanFactory;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Scope;
import org.springframework.core.NestedExceptionUtils;

/**
 * A {@code @KeelListener} method on a bean that is not a singleton (prototype, or any other scope) fails the startup
 * with a {@link ListenerDefinitionException} naming the bean, its scope and the fix, found in the bean definitions
 * before any instance of it is created: the registry subscribes each listener once, so a bean created per use (or
 * never) was silently no listener, or several listeners with one id (real RabbitMQ, Redis store).
 */
@UsesBrokers({BrokerKind.RABBIT, BrokerKind.REDIS})
class PrototypeListenerRabbitTest {

    static final AtomicInteger CREATED = new AtomicInteger();

    private final String topic = UniqueNames.of("orders");

    private ApplicationContextRunner runner() {
        CREATED.set(0);
        return new ApplicationContextRunner().withConfiguration(KeelAutoConfigurationTest.KEEL)
                .withPropertyValues("keel.broker=rabbit", "keel.rabbit.uri=" + Brokers.rabbit().uri(),
                        "keel.redis.uri=" + Brokers.redis().uri(), "keel.redis.key-prefix=" + UniqueNames.keyPrefix("boot"),
                        "test.topic=" + topic, "keel.topics." + topic + ".partitions=1");
    }

    @Test
    void aPrototypeListenerBeanNobodyUsesShouldFailTheStartupInsteadOfBeingNoListener() {
        runner().withUserConfiguration(Unused.class).run(context -> {
            assertThat(NestedExceptionUtils.getMostSpecificCause(context.getStartupFailure())).as("startup failure")
                    .isInstanceOf(ListenerDefinitionException.class)
                    .hasMessageContaining("billing.bill").hasMessageContaining("'billing'")
                    .hasMessageContaining("scope 'prototype'").hasMessageContaining("singleton");
            assertThat(CREATED).as("found in the bean definitions, before any instance").hasValue(0);
        });
    }

    @Test
    void aPrototypeListenerBeanInjectedTwiceShouldFailTheStartupNamingTheScopeNotADuplicateId() {
        runner().withUserConfiguration(TwoUsers.class).run(context -> {
            assertThat(NestedExceptionUtils.getMostSpecificCause(context.getStartupFailure())).as("startup failure")
                    .isInstanceOf(ListenerDefinitionException.class)
                    .hasMessageContaining("billing.bill").hasMessageContaining("scope 'prototype'")
                    .hasMessageNotContaining("two Keel listeners have the id");
            assertThat(CREATED).as("found in the bean definitions, before any instance").hasValue(0);
        });
    }

    @Configuration(proxyBeanMethods = false)
    static class Unused {
        @Bean
        @Scope(ConfigurableBeanFactory.SCOPE_PROTOTYPE)
        Billing billing() {
            return new Billing();
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class TwoUsers {
        @Bean
        @Scope(ConfigurableBeanFactory.SCOPE_PROTOTYPE)
        Billing billing() {
            return new Billing();
        }

        @Bean
        User first(Billing billing) {
            return new User(billing);
        }

        @Bean
        User second(Billing billing) {
            return new User(billing);
        }
    }

    record User(Billing billing) {
    }

    /** A listener bean. */
    public static class Billing {
        Billing() {
            CREATED.incrementAndGet();
        }

        @KeelListener(topic = "${test.topic}", group = "billing")
        public void bill(Delivery<String> delivery) {
        }
    }
}
