package dev.keel.spring.boot.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keel.Message;
import dev.keel.Publisher;
import dev.keel.TopicSpec;
import dev.keel.core.Keel;
import dev.keel.observation.DefaultKeelPublishObservationConvention;
import dev.keel.observation.ObservationInterceptor;
import dev.keel.spi.BrokerAdapter;
import dev.keel.testkit.InMemoryBroker;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationHandler;
import io.micrometer.observation.ObservationRegistry;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/** Tracing is applied when an ObservationRegistry exists, and backs off as documented. */
class KeelTracingAutoConfigurationTest {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(KeelBrokerAutoConfiguration.class, KeelStoreAutoConfiguration.class,
                    KeelTracingAutoConfiguration.class, KeelAutoConfiguration.class))
            .withBean(BrokerAdapter.class, InMemoryBroker::create);

    @Test
    void anObservationRegistryShouldTraceEveryPublish() {
        List<String> started = new CopyOnWriteArrayList<>();
        ObservationRegistry registry = ObservationRegistry.create();
        registry.observationConfig().observationHandler(new ObservationHandler<Observation.Context>() {
            @Override
            public void onStart(Observation.Context context) {
                started.add(context.getName());
            }

            @Override
            public boolean supportsContext(Observation.Context context) {
                return true;
            }
        });
        runner.withBean(ObservationRegistry.class, () -> registry).run(context -> {
            assertThat(context).hasNotFailed().hasSingleBean(ObservationInterceptor.class);
            context.getBean(Keel.class).ensureTopology(TopicSpec.builder("orders").partitions(1).build());

            context.getBean(Publisher.class).publish("orders", Message.builder("o-1".getBytes(StandardCharsets.UTF_8))
                    .key("k").build());

            assertThat(started).contains(DefaultKeelPublishObservationConvention.NAME);
        });
    }

    @Test
    void anObservationInterceptorOfTheApplicationShouldWin() {
        List<String> started = new CopyOnWriteArrayList<>();
        ObservationRegistry mine = ObservationRegistry.create();
        mine.observationConfig().observationHandler(new ObservationHandler<Observation.Context>() {
            @Override
            public void onStart(Observation.Context context) {
                started.add(context.getName());
            }

            @Override
            public boolean supportsContext(Observation.Context context) {
                return true;
            }
        });
        ObservationInterceptor own = new ObservationInterceptor(mine, ObservationInterceptor.KAFKA);
        // the context's registry observes nothing: only the application's interceptor's registry does
        runner.withBean(ObservationRegistry.class, ObservationRegistry::create)
                .withBean("myInterceptor", ObservationInterceptor.class, () -> own).run(context -> {
                    assertThat(context).hasNotFailed().hasSingleBean(ObservationInterceptor.class)
                            .doesNotHaveBean("keelObservationInterceptor");
                    assertThat(context.getBean(ObservationInterceptor.class)).isSameAs(own);
                    context.getBean(Keel.class).ensureTopology(TopicSpec.builder("orders").partitions(1).build());

                    context.getBean(Publisher.class).publish("orders",
                            Message.builder("o-1".getBytes(StandardCharsets.UTF_8)).key("k").build());

                    assertThat(started).as("Keel was built with the application's interceptor")
                            .contains(DefaultKeelPublishObservationConvention.NAME);
                });
    }

    @Test
    void withoutAnObservationRegistryNothingShouldBeTraced() {
        runner.run(context -> assertThat(context).hasNotFailed().doesNotHaveBean(ObservationInterceptor.class)
                .doesNotHaveBean(KeelBuilderCustomizer.class));
    }

    @Test
    void tracingEnabledFalseShouldTurnItOff() {
        runner.withBean(ObservationRegistry.class, ObservationRegistry::create)
                .withPropertyValues("keel.tracing.enabled=false")
                .run(context -> assertThat(context).hasNotFailed().doesNotHaveBean(ObservationInterceptor.class));
    }

    @Test
    void withoutSdkObservationOnTheClassPathTheStarterShouldStillStart() {
        runner.withBean(ObservationRegistry.class, ObservationRegistry::create)
                .withClassLoader(new FilteredClassLoader(ObservationInterceptor.class))
                .run(context -> assertThat(context).hasNotFailed().hasSingleBean(Keel.class)
                        .doesNotHaveBean(KeelBuilderCustomizer.class));
    }

    @Test
    void theMessagingSystemShouldFollowTheAdapter() {
        assertThat(KeelTracingAutoConfiguration.messagingSystem(null)).isEqualTo("unknown");
        assertThat(KeelTracingAutoConfiguration.messagingSystem(InMemoryBroker.create())).isEqualTo("inmemorybroker");
    }
}
