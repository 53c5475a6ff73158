package dev.keel.spring.boot.autoconfigure;

import dev.keel.Publisher;
import dev.keel.core.Keel;
import dev.keel.dedup.IdempotencyStore;
import dev.keel.metrics.MetricsRecorder;
import dev.keel.spi.BrokerAdapter;
import dev.keel.spi.Capability;
import dev.keel.spring.KeelListenerEndpoint;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.actuate.endpoint.SanitizingFunction;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.ApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;

/**
 * {@link Keel} on the broker adapter and idempotency store of the other Keel auto-configurations
 * (or the application's own beans), the shared {@link Publisher}, and the listener registry that
 * subscribes {@code @KeelListener} methods and {@link KeelListenerEndpoint} beans.
 *
 * <p>Shutdown order: the registry (a {@code SmartLifecycle}) closes every listener first, in
 * parallel, while Keel still publishes; then the context closes Keel (its publisher), then the
 * store and the adapter, which Keel depends on.
 */
@AutoConfiguration(after = {KeelBrokerAutoConfiguration.class, KeelStoreAutoConfiguration.class,
        KeelMetricsAutoConfiguration.class})
@EnableConfigurationProperties(KeelProperties.class)
public class KeelAutoConfiguration {

    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    Keel keel(ObjectProvider<BrokerAdapter> adapters, ObjectProvider<IdempotencyStore> stores,
              ObjectProvider<MetricsRecorder> metrics, ObjectProvider<KeelBuilderCustomizer> customizers,
              KeelProperties properties, ApplicationContext context) {
        BrokerAdapter adapter = adapters.getIfAvailable();
        if (adapter == null) {
            // the class loader the conditions saw (ConditionalOnKeelBroker), not this class's
            BrokerSelection selection = BrokerSelection.select(properties.getBroker(), context.getClassLoader());
            throw new IllegalStateException(selection.problem() != null ? selection.problem()
                    : "Keel selected the " + selection.selected() + " adapter but none was created");
        }
        ClientVersions.warnOfMismatches(context.getClassLoader());
        Keel.Builder builder = Keel.builder(adapter).publisherConfig(
                PropertyRefusals.named("keel.publisher", properties.getPublisher()::toConfig));
        chooseStore(builder, adapter, stores.getIfAvailable(), properties.getIdempotency().getStore());
        metrics.ifAvailable(builder::metrics);
        // the place where optional modules (tracing) adjust the builder
        customizers.orderedStream().forEach(c -> c.customize(builder));
        return builder.build();
    }

    private static void chooseStore(Keel.Builder builder, BrokerAdapter adapter, IdempotencyStore store,
                                    KeelProperties.StoreType type) {
        if (type == KeelProperties.StoreType.NONE) {
            builder.withoutIdempotencyStore();
        } else if (store != null) {
            builder.idempotencyStore(store);
        } else if (type == KeelProperties.StoreType.REDIS) {
            throw new IllegalStateException("keel.idempotency.store=redis but no Redis store is configured: set "
                    + "keel.redis.uri (redis://host:port) with module sdk-dedup-redis on the class path");
        } else if (type == KeelProperties.StoreType.JDBC) {
            throw new IllegalStateException("keel.idempotency.store=jdbc but no JDBC inbox is configured: it needs "
                    + "module sdk-outbox-jdbc and spring-jdbc on the class path and exactly one DataSource bean");
        } else if (!adapter.capabilities().contains(Capability.IN_PROCESS)) {
            throw new IllegalStateException("Keel has no idempotency store, which EFFECTIVELY_ONCE listeners need: "
                    + "set keel.redis.uri (redis://host:port, module sdk-dedup-redis) for a store shared by every "
                    + "instance; or keel.idempotency.store=in-memory for a service that runs as a single instance "
                    + "only (other instances would run each duplicate again); or keel.idempotency.store=none when "
                    + "no listener uses EFFECTIVELY_ONCE; or define an IdempotencyStore bean");
        }
        // else: a broker in this process; Keel creates an in-memory store of its own
    }

    /** The shared publisher; Keel closes it (never the context on its own, before Keel). */
    @Bean(destroyMethod = "")
    @ConditionalOnMissingBean(Publisher.class)
    Publisher keelPublisher(Keel keel) {
        return keel.publisher();
    }

    /** Masks Keel's secrets in the actuator, with Spring Boot's actuator on the class path. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = "org.springframework.boot.actuate.endpoint.SanitizingFunction")
    static class Sanitizing {

        @Bean
        SanitizingFunction keelSanitizingFunction() {
            return new KeelSanitizingFunction();
        }
    }

    /** Refuses a {@code @KeelListener} method on a bean that is not a singleton, before any bean is created. */
    @Bean
    static ListenerScopeCheck keelListenerScopeCheck() {
        return new ListenerScopeCheck();
    }

    @Bean
    static KeelListenerAnnotationBeanPostProcessor keelListenerAnnotationBeanPostProcessor() {
        return new KeelListenerAnnotationBeanPostProcessor();
    }

    @Bean
    @ConditionalOnMissingBean
    KeelListenerRegistry keelListenerRegistry(Keel keel, KeelProperties properties,
                                              KeelListenerAnnotationBeanPostProcessor annotated,
                                              ObjectProvider<KeelListenerEndpoint<?>> endpoints,
                                              Environment environment) {
        return new KeelListenerRegistry(keel, properties, annotated::listeners, endpoints::orderedStream,
                ShutdownPhase.timeout(environment), () -> DottedListenerKeys.listenerPropertyNames(environment));
    }
}
