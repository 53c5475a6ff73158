package dev.keel.spring.boot.autoconfigure;

import dev.keel.core.Keel;
import dev.keel.metrics.MetricsRecorder;
import dev.keel.outbox.jdbc.Outbox;
import dev.keel.outbox.jdbc.OutboxConfig;
import dev.keel.outbox.jdbc.OutboxRelay;
import dev.keel.spring.TransactionalOutbox;
import javax.sql.DataSource;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnSingleCandidate;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The transactional outbox when module sdk-outbox-jdbc, spring-jdbc and one {@code DataSource} are
 * present: an {@link Outbox}, a {@link TransactionalOutbox} that writes into the current Spring
 * transaction, and (unless {@code keel.outbox.relay-enabled=false}) an {@link OutboxRelay} publishing
 * the committed rows through Keel's shared publisher (its metrics, parked rows among them, go to the
 * context's {@link MetricsRecorder} when there is one), started and stopped by
 * {@link OutboxRelayLifecycle}: after Keel exists and before the listeners subscribe, and stopped
 * after the listeners drained (their outbox rows still go out) and before the context closes Keel.
 */
@AutoConfiguration(after = KeelAutoConfiguration.class,
        afterName = "org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration")
@ConditionalOnClass({Outbox.class, org.springframework.jdbc.datasource.DataSourceUtils.class})
@ConditionalOnProperty(name = "keel.outbox.enabled", havingValue = "true", matchIfMissing = true)
@ConditionalOnSingleCandidate(DataSource.class)
@EnableConfigurationProperties({KeelOutboxProperties.class, KeelProperties.class})
public class KeelOutboxAutoConfiguration {

    /** The starter's beans that take the outbox: using it through them is not the application's use. */
    private static final java.util.Set<String> STARTER_BEANS = java.util.Set.of("keelTransactionalOutbox",
            "keelOutboxRelay");

    @Bean
    @ConditionalOnMissingBean
    Outbox keelOutbox(KeelOutboxProperties properties, ObjectProvider<MetricsRecorder> metrics) {
        OutboxConfig config = PropertyRefusals.named("keel.outbox", properties::toConfig);
        MetricsRecorder recorder = metrics.getIfUnique();
        return Outbox.create(recorder == null ? config : OutboxConfig.from(config).metrics(recorder).build());
    }

    @Bean
    @ConditionalOnMissingBean
    TransactionalOutbox keelTransactionalOutbox(Outbox outbox, DataSource dataSource,
                                                ObjectProvider<OutboxTraceContext> tracing) {
        OutboxTraceContext traceContext = tracing.getIfUnique();
        return traceContext == null ? new TransactionalOutbox(outbox, dataSource)
                : new TransactionalOutbox(outbox, dataSource, traceContext.function());
    }

    /**
     * With the starter's (or the application's) {@code ObservationInterceptor}, outbox rows carry the trace context
     * of the transaction that writes them; a member class, so that sdk-observation stays optional.
     */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = "dev.keel.observation.ObservationInterceptor")
    static class Tracing {

        @Bean
        @ConditionalOnBean(type = "dev.keel.observation.ObservationInterceptor")
        OutboxTraceContext keelOutboxTraceContext(ObjectProvider<dev.keel.observation.ObservationInterceptor> tracing) {
            return new OutboxTraceContext(tracing.getObject()::withTraceContext);
        }
    }

    /** Closed by its lifecycle when the context stops, and again (a no-op) when it is destroyed. */
    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    @ConditionalOnBean(Keel.class)
    @ConditionalOnProperty(name = "keel.outbox.relay-enabled", havingValue = "true", matchIfMissing = true)
    OutboxRelay keelOutboxRelay(DataSource dataSource, Keel keel, Outbox outbox) {
        return OutboxRelay.create(dataSource, keel.publisher(), outbox.config());
    }

    @Bean
    @ConditionalOnBean(OutboxRelay.class)
    OutboxRelayLifecycle keelOutboxRelayLifecycle(OutboxRelay relay) {
        return new OutboxRelayLifecycle(relay);
    }

    /** The {@code keel.outbox.*} backlog gauges, bound by Spring Boot to every meter registry. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = "io.micrometer.core.instrument.binder.MeterBinder")
    static class BacklogMeters {

        @Bean
        @ConditionalOnBean(Keel.class) // as the relay is (a member class's conditions come before the relay bean)
        @ConditionalOnProperty(name = "keel.outbox.relay-enabled", havingValue = "true", matchIfMissing = true)
        OutboxBacklogMeters keelOutboxBacklogMeters(OutboxRelay relay, OutboxRelayLifecycle lifecycle) {
            return new OutboxBacklogMeters(relay, lifecycle::isRunning);
        }
    }

    /** The {@code keelOutbox} health contributor; {@code management.health.keel-outbox.enabled=false} turns it off. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = "org.springframework.boot.health.contributor.HealthIndicator")
    static class BacklogHealth {

        @Bean
        @ConditionalOnBean(Keel.class) // as the relay is (a member class's conditions come before the relay bean)
        @ConditionalOnProperty(name = "keel.outbox.relay-enabled", havingValue = "true", matchIfMissing = true)
        @ConditionalOnEnabledHealthIndicator("keel-outbox")
        @ConditionalOnMissingBean(name = "keelOutboxHealthIndicator")
        OutboxHealthIndicator keelOutboxHealthIndicator(OutboxRelay relay, OutboxRelayLifecycle lifecycle,
                                                        ConfigurableListableBeanFactory beans) {
            return new OutboxHealthIndicator(relay, lifecycle, () -> outboxInUse(beans));
        }
    }

    /** Whether a bean of the application (not one of the starter's own) takes the TransactionalOutbox or the Outbox. */
    static boolean outboxInUse(ConfigurableListableBeanFactory beans) {
        for (Class<?> type : new Class<?>[] {TransactionalOutbox.class, Outbox.class}) {
            for (String name : beans.getBeanNamesForType(type, true, false)) {
                for (String user : beans.getDependentBeans(name)) {
                    if (!STARTER_BEANS.contains(user)) {
                        return true;
                    }
                }
            }
        }
        return false;
    }
}
