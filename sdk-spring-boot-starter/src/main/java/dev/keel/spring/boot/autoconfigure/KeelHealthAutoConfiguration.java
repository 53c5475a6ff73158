package dev.keel.spring.boot.autoconfigure;

import dev.keel.core.Keel;
import dev.keel.dedup.IdempotencyStore;
import java.util.Set;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator;
import org.springframework.context.annotation.Bean;

/**
 * The {@code keel} health contributor ({@link KeelHealthIndicator}), with Spring Boot's
 * {@code spring-boot-health} module on the class path; {@code management.health.keel.enabled=false}
 * turns it off.
 */
@AutoConfiguration(after = KeelAutoConfiguration.class)
@ConditionalOnClass(name = "org.springframework.boot.health.contributor.HealthIndicator")
@ConditionalOnBean(Keel.class)
public class KeelHealthAutoConfiguration {

    /**
     * {@code @ConditionalOnEnabledHealthIndicator} (a spring-boot-health type) is on the method, so it is
     * evaluated only once the class's {@code @ConditionalOnClass} found spring-boot-health.
     */
    @Bean
    @ConditionalOnEnabledHealthIndicator("keel")
    @ConditionalOnMissingBean(name = "keelHealthIndicator")
    KeelHealthIndicator keelHealthIndicator(Keel keel, ObjectProvider<IdempotencyStore> store,
                                            ObjectProvider<KeelListenerRegistry> listeners) {
        KeelListenerRegistry registry = listeners.getIfUnique();
        return new KeelHealthIndicator(keel, store.getIfUnique(),
                registry == null ? Set::of : registry::stoppedTopicsAndGroups);
    }
}
