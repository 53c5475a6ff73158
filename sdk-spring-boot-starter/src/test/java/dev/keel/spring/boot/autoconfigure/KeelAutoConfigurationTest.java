package dev.keel.spring.boot.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keel.Publisher;
import dev.keel.core.Keel;
import dev.keel.dedup.IdempotencyStore;
import dev.keel.core.InMemoryIdempotencyStore;
import dev.keel.dedup.redis.RedisIdempotencyStore;
import dev.keel.kafka.KafkaAdapter;
import dev.keel.kafka.KafkaConfig;
import dev.keel.metrics.MetricsRecorder;
import dev.keel.micrometer.MicrometerMetrics;
import dev.keel.rabbit.RabbitAdapter;
import dev.keel.jms.ActiveMQClassicAdapter;
import dev.keel.jms.ArtemisAdapter;
import dev.keel.rocket.RocketAdapter;
import dev.keel.rocket.RocketConfig;
import java.time.Duration;
import dev.keel.spi.BrokerAdapter;
import dev.keel.testkit.InMemoryBroker;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** Every condition and back-off of the Keel auto-configurations, on contexts that are never refreshed twice. */
class KeelAutoConfigurationTest {

    static final AutoConfigurations KEEL = AutoConfigurations.of(KeelBrokerAutoConfiguration.class,
            KeelStoreAutoConfiguration.class, KeelMetricsAutoConfiguration.class, KeelAutoConfiguration.class,
            KeelHealthAutoConfiguration.class);

    private final ApplicationContextRunner runner = new ApplicationContextRunner().withConfiguration(KEEL);

    @Test
    void severalAdaptersWithoutKeelBrokerShouldFailNamingThem() {
        runner.withPropertyValues("keel.idempotency.store=in-memory").run(context -> {
            assertThat(context).hasFailed();
            assertThat(context.getStartupFailure()).rootCause().hasMessageContaining("several Keel broker adapters")
                    .hasMessageContaining("kafka, rabbit, rocket").hasMessageContaining("set keel.broker");
        });
    }

    @Test
    void theOnlyAdapterOnTheClassPathShouldBeUsedWithoutKeelBroker() {
        runner.withClassLoader(new FilteredClassLoader(RabbitAdapter.class, RocketAdapter.class, ArtemisAdapter.class,
                ActiveMQClassicAdapter.class))
                .withPropertyValues("keel.kafka.bootstrap-servers=127.0.0.1:9092", "keel.idempotency.store=in-memory")
                .run(context -> {
                    assertThat(context).hasNotFailed().hasSingleBean(KafkaAdapter.class).hasSingleBean(Keel.class)
                            .hasSingleBean(Publisher.class);
                    assertThat(context.getBean(KafkaAdapter.class).config().bootstrapServers())
                            .isEqualTo("127.0.0.1:9092");
                });
    }

    @Test
    void anOutOfRangePublisherOrTopicSettingShouldFailTheStartupNamingItsProperties() {
        ApplicationContextRunner inMemory = runner.withBean(BrokerAdapter.class, InMemoryBroker::create);
        inMemory.withPropertyValues("keel.publisher.max-in-flight=0").run(context -> assertThat(context).getFailure()
                .hasStackTraceContaining("keel.publisher.*: maxInFlight must be >= 1, was 0"));
        inMemory.withBean("listener", KeelHealthTest.Listener.class).withPropertyValues("keel.topics.orders.partitions=0")
                .run(context -> assertThat(context).getFailure().hasStackTraceContaining("keel.topics.orders.*: "));
    }

    @Test
    void theStoreShouldBeChosenFromEverySpellingTheStoreSettingBinds() {
        // the property binds to KeelProperties.StoreType as Spring binds enums (IN_MEMORY, in_memory, in-memory): the
        // store's own condition must read it the same way, or no store is made and the startup asks for what is set
        for (String spelling : new String[] {"in-memory", "IN_MEMORY", "in_memory", "In-Memory"}) {
            runner.withClassLoader(new FilteredClassLoader(RabbitAdapter.class, RocketAdapter.class,
                    ArtemisAdapter.class, ActiveMQClassicAdapter.class))
                    .withPropertyValues("keel.kafka.bootstrap-servers=127.0.0.1:9092",
                            "keel.idempotency.store=" + spelling)
                    .run(context -> assertThat(context).as(spelling).hasNotFailed()
                            .hasSingleBean(InMemoryIdempotencyStore.class));
        }
        runner.withBean(BrokerAdapter.class, InMemoryBroker::create)
                .withPropertyValues("keel.idempotency.store=REDIS", "keel.redis.uri=redis://127.0.0.1:6379")
                .run(context -> assertThat(context).hasNotFailed().hasSingleBean(RedisIdempotencyStore.class));
    }

    @Test
    void keelKafkaDelayTopicCheckIntervalShouldReachTheAdapter() {
        ApplicationContextRunner kafka = runner.withClassLoader(new FilteredClassLoader(RabbitAdapter.class,
                RocketAdapter.class, ArtemisAdapter.class, ActiveMQClassicAdapter.class))
                .withPropertyValues("keel.kafka.bootstrap-servers=127.0.0.1:9092", "keel.idempotency.store=in-memory");
        kafka.withPropertyValues("keel.kafka.delay-topic-check-interval=30s").run(context -> {
            assertThat(context).hasNotFailed();
            assertThat(context.getBean(KafkaAdapter.class).config().delayTopicCheckInterval())
                    .isEqualTo(Duration.ofSeconds(30));
        });
        kafka.run(context -> assertThat(context.getBean(KafkaAdapter.class).config().delayTopicCheckInterval())
                .as("unset: the adapter's default").isEqualTo(KafkaConfig.DEFAULT_DELAY_TOPIC_CHECK_INTERVAL));
        kafka.withPropertyValues("keel.kafka.delay-topic-check-interval=10ms").run(context -> {
            assertThat(context).hasFailed();
            assertThat(context.getStartupFailure()).rootCause().isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("delayTopicCheckInterval");
        });
    }

    @Test
    void keelKafkaLingerShouldReachTheAdapter() {
        ApplicationContextRunner kafka = runner.withClassLoader(new FilteredClassLoader(RabbitAdapter.class,
                RocketAdapter.class, ArtemisAdapter.class, ActiveMQClassicAdapter.class))
                .withPropertyValues("keel.kafka.bootstrap-servers=127.0.0.1:9092", "keel.idempotency.store=in-memory");
        kafka.withPropertyValues("keel.kafka.linger=0ms").run(context -> {
            assertThat(context).hasNotFailed();
            assertThat(context.getBean(KafkaAdapter.class).config().linger()).isEqualTo(Duration.ZERO);
        });
        kafka.run(context -> assertThat(context.getBean(KafkaAdapter.class).config().linger())
                .as("unset: the adapter's default").isEqualTo(KafkaConfig.DEFAULT_LINGER));
        kafka.withPropertyValues("keel.kafka.linger=-1ms").run(context -> {
            assertThat(context).hasFailed();
            assertThat(context.getStartupFailure()).rootCause().isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("linger");
        });
    }

    @Test
    void keelBrokerShouldSelectTheRabbitAdapter() {
        runner.withPropertyValues("keel.broker=rabbit", "keel.rabbit.uri=amqp://app:s3cret@127.0.0.1:5672/%2F",
                "keel.idempotency.store=in-memory").run(context -> {
                    assertThat(context).hasNotFailed().hasSingleBean(RabbitAdapter.class)
                            .doesNotHaveBean(KafkaAdapter.class);
                    assertThat(context.getBean(RabbitAdapter.class).config().username()).isEqualTo("app");
                });
    }

    @Test
    void connectionDetailsBeansShouldWireKeelWithoutConnectionProperties() {
        // what a @ServiceConnection container registers: connection details beans, no keel.* properties
        runner.withPropertyValues("keel.broker=rabbit")
                .withBean(KeelRabbitConnectionDetails.class, () -> new KeelRabbitConnectionDetails() {
                    @Override
                    public String uri() {
                        return "amqp://127.0.0.1:5672";
                    }

                    @Override
                    public String username() {
                        return "from-container";
                    }

                    @Override
                    public String password() {
                        return "secret";
                    }
                })
                .withBean(KeelRedisConnectionDetails.class, () -> () -> "redis://127.0.0.1:6379")
                .run(context -> {
                    assertThat(context).hasNotFailed().hasSingleBean(RabbitAdapter.class)
                            .hasSingleBean(RedisIdempotencyStore.class).hasSingleBean(Keel.class);
                    assertThat(context.getBean(RabbitAdapter.class).config().username()).isEqualTo("from-container");
                    assertThat(context.getBeansOfType(KeelRedisConnectionDetails.class)).hasSize(1);
                });
        runner.withClassLoader(new FilteredClassLoader(RabbitAdapter.class, RocketAdapter.class, ArtemisAdapter.class,
                ActiveMQClassicAdapter.class))
                .withPropertyValues("keel.idempotency.store=in-memory")
                .withBean(KeelKafkaConnectionDetails.class, () -> () -> "127.0.0.1:19092")
                .run(context -> assertThat(context.getBean(KafkaAdapter.class).config().bootstrapServers())
                        .isEqualTo("127.0.0.1:19092"));
    }

    @Test
    void kafkaWithoutBootstrapServersShouldFailNamingTheProperty() {
        runner.withPropertyValues("keel.broker=kafka", "keel.idempotency.store=in-memory").run(context -> {
            assertThat(context).hasFailed();
            assertThat(context.getStartupFailure()).rootCause().hasMessageContaining("keel.kafka.bootstrap-servers");
        });
    }

    @Test
    void anAdapterNotOnTheClassPathShouldFailNamingItsModule() {
        runner.withClassLoader(new FilteredClassLoader(RocketAdapter.class))
                .withPropertyValues("keel.broker=rocket", "keel.idempotency.store=in-memory").run(context -> {
            assertThat(context).hasFailed();
            assertThat(context.getStartupFailure()).rootCause().hasMessageContaining("keel.broker=rocket")
                    .hasMessageContaining("sdk-rocket");
        });
        runner.withPropertyValues("keel.broker=pulsar").run(context ->
                assertThat(context.getStartupFailure()).rootCause().hasMessageContaining("kafka, rabbit, rocket"));
    }

    @Test
    void keelBrokerShouldSelectTheRocketAdapterWithItsSettings() {
        runner.withPropertyValues("keel.broker=rocket", "keel.rocket.name-server=ns-1:9876;ns-2:9876",
                "keel.rocket.client-id=billing", "keel.rocket.send-timeout=3s", "keel.rocket.rebalance-interval=5s",
                "keel.rocket.max-message-bytes=1048576", "keel.idempotency.store=in-memory").run(context -> {
                    assertThat(context).hasNotFailed().hasSingleBean(RocketAdapter.class)
                            .doesNotHaveBean(KafkaAdapter.class).doesNotHaveBean(RabbitAdapter.class)
                            .hasSingleBean(Keel.class);
                    RocketConfig config = context.getBean(RocketAdapter.class).config();
                    assertThat(config.nameServer()).isEqualTo("ns-1:9876;ns-2:9876");
                    assertThat(config.clientId()).isEqualTo("billing");
                    assertThat(config.sendTimeout()).isEqualTo(Duration.ofSeconds(3));
                    assertThat(config.rebalanceInterval()).isEqualTo(Duration.ofSeconds(5));
                    assertThat(config.maxMessageBytes()).isEqualTo(1024 * 1024);
                    assertThat(config.commitInterval()).as("unset: the adapter's default")
                            .isEqualTo(RocketConfig.DEFAULT_COMMIT_INTERVAL);
                    assertThat(config.maxBatchMessages()).isEqualTo(RocketConfig.DEFAULT_MAX_BATCH_MESSAGES);
                });
    }

    @Test
    void rocketWithoutANameServerShouldFailNamingTheProperty() {
        runner.withPropertyValues("keel.broker=rocket", "keel.idempotency.store=in-memory").run(context -> {
            assertThat(context).hasFailed();
            assertThat(context.getStartupFailure()).rootCause().hasMessageContaining("keel.rocket.name-server")
                    .hasMessageContaining("BrokerAdapter bean");
        });
    }

    @Test
    void anInvalidRocketSettingShouldFailNamingIt() {
        runner.withPropertyValues("keel.broker=rocket", "keel.rocket.name-server=127.0.0.1:9876",
                "keel.rocket.max-batch-messages=0", "keel.idempotency.store=in-memory").run(context -> {
                    assertThat(context).hasFailed();
                    assertThat(context.getStartupFailure()).rootCause()
                            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxBatchMessages");
                });
    }

    @Test
    void aRocketConnectionDetailsBeanShouldWireTheAdapterWithoutTheProperty() {
        runner.withPropertyValues("keel.broker=rocket", "keel.idempotency.store=in-memory")
                .withBean(KeelRocketConnectionDetails.class, () -> () -> "127.0.0.1:19876")
                .run(context -> assertThat(context.getBean(RocketAdapter.class).config().nameServer())
                        .isEqualTo("127.0.0.1:19876"));
    }

    @Test
    void anAdapterBeanOfTheApplicationShouldWinOverTheRocketProperties() {
        runner.withBean(BrokerAdapter.class, InMemoryBroker::create)
                .withPropertyValues("keel.broker=rocket", "keel.rocket.name-server=127.0.0.1:9876").run(context -> {
                    assertThat(context).hasNotFailed().hasSingleBean(BrokerAdapter.class)
                            .doesNotHaveBean(RocketAdapter.class).hasSingleBean(Keel.class);
                });
    }

    @Test
    void anAdapterBeanOfTheApplicationShouldWin() {
        runner.withBean(BrokerAdapter.class, InMemoryBroker::create).run(context -> {
            assertThat(context).hasNotFailed().hasSingleBean(BrokerAdapter.class).doesNotHaveBean(KafkaAdapter.class)
                    .doesNotHaveBean(RabbitAdapter.class).doesNotHaveBean(RocketAdapter.class).hasSingleBean(Keel.class);
        });
    }

    @Test
    void noStoreWithABrokerOutsideThisProcessShouldFailNamingTheChoices() {
        runner.withBean(BrokerAdapter.class, RemoteBroker::new).run(context -> {
            assertThat(context).hasFailed();
            assertThat(context.getStartupFailure()).rootCause().hasMessageContaining("keel.redis.uri")
                    .hasMessageContaining("keel.idempotency.store=in-memory").hasMessageContaining("single instance")
                    .hasMessageContaining("keel.idempotency.store=none");
        });
    }

    @Test
    void inMemoryStoreShouldBeUsedOnlyWhenChosen() {
        runner.withBean(BrokerAdapter.class, RemoteBroker::new).withPropertyValues("keel.idempotency.store=in-memory")
                .run(context -> assertThat(context).hasNotFailed().hasSingleBean(InMemoryIdempotencyStore.class)
                        .hasSingleBean(Keel.class));
    }

    @Test
    void storeNoneShouldBuildKeelWithoutAStore() {
        runner.withBean(BrokerAdapter.class, RemoteBroker::new).withPropertyValues("keel.idempotency.store=none")
                .run(context -> assertThat(context).hasNotFailed().doesNotHaveBean(IdempotencyStore.class)
                        .hasSingleBean(Keel.class));
    }

    @Test
    void redisPropertiesShouldCreateTheRedisStore() {
        runner.withBean(BrokerAdapter.class, RemoteBroker::new).withPropertyValues("keel.redis.uri=redis://127.0.0.1:6379",
                "keel.redis.key-prefix=keel-boot-test:").run(context -> {
                    assertThat(context).hasNotFailed().hasSingleBean(RedisIdempotencyStore.class);
                    assertThat(context.getBean(RedisIdempotencyStore.class).config().keyPrefix())
                            .isEqualTo("keel-boot-test:");
                });
    }

    @Test
    void storeRedisWithoutRedisPropertiesShouldFail() {
        runner.withBean(BrokerAdapter.class, RemoteBroker::new).withPropertyValues("keel.idempotency.store=redis")
                .run(context -> assertThat(context.getStartupFailure()).rootCause()
                        .hasMessageContaining("keel.idempotency.store=redis").hasMessageContaining("keel.redis.uri"));
    }

    @Test
    void aStoreBeanOfTheApplicationShouldWinOverRedisProperties() {
        runner.withBean(BrokerAdapter.class, RemoteBroker::new)
                .withBean("myStore", IdempotencyStore.class, InMemoryIdempotencyStore::new)
                .withPropertyValues("keel.redis.uri=redis://127.0.0.1:6379")
                .run(context -> assertThat(context).hasNotFailed().doesNotHaveBean(RedisIdempotencyStore.class)
                        .hasSingleBean(IdempotencyStore.class).hasSingleBean(Keel.class));
    }

    @Test
    void aMeterRegistryShouldGetKeelsMicrometerMetrics() {
        runner.withBean(BrokerAdapter.class, InMemoryBroker::create)
                .withBean(MeterRegistry.class, SimpleMeterRegistry::new)
                .run(context -> assertThat(context).hasSingleBean(MicrometerMetrics.class));
        runner.withBean(BrokerAdapter.class, InMemoryBroker::create)
                .run(context -> assertThat(context).doesNotHaveBean(MetricsRecorder.class));
        runner.withBean(BrokerAdapter.class, InMemoryBroker::create)
                .withBean(MeterRegistry.class, SimpleMeterRegistry::new)
                .withClassLoader(new FilteredClassLoader(MicrometerMetrics.class))
                .run(context -> assertThat(context).hasNotFailed().doesNotHaveBean(MetricsRecorder.class));
    }

    @Test
    void aMetricsRecorderOfTheApplicationShouldWin() {
        runner.withBean(BrokerAdapter.class, InMemoryBroker::create)
                .withBean(MeterRegistry.class, SimpleMeterRegistry::new)
                .withBean(MetricsRecorder.class, MetricsRecorder::noop)
                .run(context -> assertThat(context).hasSingleBean(MetricsRecorder.class)
                        .doesNotHaveBean(MicrometerMetrics.class));
    }

    @Test
    void aKeelBeanOfTheApplicationShouldWin() {
        runner.withUserConfiguration(OwnKeel.class).run(context -> {
            assertThat(context).hasNotFailed().hasSingleBean(Keel.class);
            assertThat(context.getBean(Keel.class)).isSameAs(context.getBean(OwnKeel.class).keel);
        });
    }

    @Test
    void builderCustomizersShouldBeApplied() {
        AtomicBoolean customized = new AtomicBoolean();
        runner.withBean(BrokerAdapter.class, InMemoryBroker::create)
                .withBean(KeelBuilderCustomizer.class, () -> builder -> customized.set(true))
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    assertThat(customized).isTrue();
                });
    }

    @Configuration(proxyBeanMethods = false)
    static class OwnKeel {
        final InMemoryBroker broker = InMemoryBroker.create();
        final Keel keel = Keel.builder(broker).build();

        @Bean
        Keel myKeel() {
            return keel;
        }
    }
}
