package dev.keel.spring.boot.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keel.Publisher;
import dev.keel.core.Keel;
import dev.keel.dedup.redis.RedisIdempotencyStore;
import dev.keel.dedup.redis.RedisStoreConfig;
import dev.keel.kafka.KafkaAdapter;
import dev.keel.rabbit.RabbitAdapter;
import dev.keel.rabbit.RabbitConfig;
import dev.keel.jms.ActiveMQClassicAdapter;
import dev.keel.jms.ArtemisAdapter;
import dev.keel.rocket.RocketAdapter;
import dev.keel.spi.BrokerAdapter;
import dev.keel.testkit.InMemoryBroker;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.springframework.boot.actuate.endpoint.SanitizingFunction;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The conditions and back-offs {@link KeelAutoConfigurationTest} does not cover: the Redis store on
 * {@code keel.redis.host} alone, the application's {@code Publisher} and {@code KeelListenerRegistry},
 * the actuator's sanitizing function and the health contributor without their modules, connection
 * details beans against {@code keel.*} properties, and RabbitMQ from host, port and virtual host.
 */
class KeelBackOffTest {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(KeelAutoConfigurationTest.KEEL);

    @Test
    void keelRedisHostAloneShouldCreateTheRedisStore() {
        runner.withBean(BrokerAdapter.class, RemoteBroker::new)
                .withPropertyValues("keel.redis.host=127.0.0.1", "keel.redis.port=6379").run(context -> {
                    assertThat(context).hasNotFailed().hasSingleBean(RedisIdempotencyStore.class)
                            .hasSingleBean(Keel.class);
                    RedisStoreConfig config = context.getBean(RedisIdempotencyStore.class).config();
                    assertThat(config.host()).isEqualTo("127.0.0.1");
                    assertThat(config.port()).isEqualTo(6379);
                });
        runner.withBean(BrokerAdapter.class, RemoteBroker::new).withPropertyValues("keel.redis.host=127.0.0.1")
                .run(context -> assertThat(context.getBean(RedisIdempotencyStore.class).config().port())
                        .as("no keel.redis.port: Redis's default port").isEqualTo(RedisStoreConfig.DEFAULT_PORT));
    }

    @Test
    void aPublisherBeanOfTheApplicationShouldWin() {
        try (Keel own = Keel.builder(InMemoryBroker.create()).build()) {
            Publisher mine = own.publisher();
            runner.withBean(BrokerAdapter.class, InMemoryBroker::create)
                    .withBean("myPublisher", Publisher.class, () -> mine).run(context -> {
                        assertThat(context).hasNotFailed().hasSingleBean(Publisher.class).hasSingleBean(Keel.class);
                        assertThat(context.getBean(Publisher.class)).isSameAs(mine);
                        assertThat(context).doesNotHaveBean("keelPublisher");
                    });
        }
    }

    @Test
    void aListenerRegistryOfTheApplicationShouldWin() {
        runner.withBean(BrokerAdapter.class, InMemoryBroker::create).withUserConfiguration(OwnRegistry.class)
                .run(context -> {
                    assertThat(context).hasNotFailed().hasSingleBean(KeelListenerRegistry.class);
                    assertThat(context.getBean(KeelListenerRegistry.class))
                            .isSameAs(context.getBean(OwnRegistry.class).registry);
                    assertThat(context).doesNotHaveBean("keelListenerRegistry");
                });
    }

    @Test
    void sanitizingShouldBeConfiguredWithTheActuatorAndBackOffWithoutIt() {
        runner.withBean(BrokerAdapter.class, InMemoryBroker::create)
                .run(context -> assertThat(context).hasSingleBean(KeelSanitizingFunction.class));
        runner.withBean(BrokerAdapter.class, InMemoryBroker::create)
                .withClassLoader(new FilteredClassLoader(SanitizingFunction.class))
                .run(context -> assertThat(context).hasNotFailed().hasSingleBean(Keel.class)
                        .doesNotHaveBean(KeelSanitizingFunction.class).doesNotHaveBean(SanitizingFunction.class));
    }

    @Test
    void healthShouldBackOffWithoutSpringBootHealth() {
        runner.withBean(BrokerAdapter.class, InMemoryBroker::create)
                .run(context -> assertThat(context).hasSingleBean(KeelHealthIndicator.class));
        runner.withBean(BrokerAdapter.class, InMemoryBroker::create)
                .withClassLoader(new FilteredClassLoader("org.springframework.boot.health"))
                .run(context -> assertThat(context).hasNotFailed().hasSingleBean(Keel.class)
                        .doesNotHaveBean(KeelHealthIndicator.class));
    }

    @Test
    void aKafkaConnectionDetailsBeanShouldWinOverTheKeelKafkaProperties() {
        // documented: a connection details bean replaces the keel.* connection properties
        runner.withClassLoader(new FilteredClassLoader(RabbitAdapter.class, RocketAdapter.class, ArtemisAdapter.class,
                ActiveMQClassicAdapter.class))
                .withPropertyValues("keel.kafka.bootstrap-servers=from-properties:9092", "keel.idempotency.store=in-memory")
                .withBean(KeelKafkaConnectionDetails.class, () -> () -> "from-bean:19092")
                .run(context -> {
                    assertThat(context).hasNotFailed().hasSingleBean(KeelKafkaConnectionDetails.class);
                    assertThat(context.getBean(KafkaAdapter.class).config().bootstrapServers())
                            .isEqualTo("from-bean:19092");
                });
    }

    @Test
    void rabbitAndRedisConnectionDetailsBeansShouldWinOverTheKeelProperties() {
        runner.withPropertyValues("keel.broker=rabbit", "keel.rabbit.uri=amqp://props:props@from-properties:5672/%2F",
                        "keel.redis.uri=redis://from-properties:6379")
                .withBean(KeelRabbitConnectionDetails.class, () -> new KeelRabbitConnectionDetails() {
                    @Override
                    public String uri() {
                        return "amqp://from-bean:15672/beans";
                    }

                    @Override
                    public String username() {
                        return "bean-user";
                    }

                    @Override
                    public String password() {
                        return "bean-password";
                    }
                })
                .withBean(KeelRedisConnectionDetails.class, () -> () -> "redis://127.0.0.1:6379/3")
                .run(context -> {
                    assertThat(context).hasNotFailed().hasSingleBean(KeelRabbitConnectionDetails.class)
                            .hasSingleBean(KeelRedisConnectionDetails.class);
                    RabbitConfig rabbit = context.getBean(RabbitAdapter.class).config();
                    assertThat(rabbit.host()).isEqualTo("from-bean");
                    assertThat(rabbit.port()).isEqualTo(15672);
                    assertThat(rabbit.virtualHost()).isEqualTo("beans");
                    assertThat(rabbit.username()).isEqualTo("bean-user");
                    RedisStoreConfig redis = context.getBean(RedisIdempotencyStore.class).config();
                    assertThat(redis.host()).isEqualTo("127.0.0.1");
                    assertThat(redis.database()).isEqualTo(3);
                });
    }

    @Test
    void rabbitHostPortAndVirtualHostShouldBeUsedWithoutAUri() {
        runner.withPropertyValues("keel.broker=rabbit", "keel.idempotency.store=in-memory",
                "keel.rabbit.host=mq.example", "keel.rabbit.port=5673", "keel.rabbit.virtual-host=billing/eu one",
                "keel.rabbit.username=app", "keel.rabbit.password=s3cret").run(context -> {
                    assertThat(context).hasNotFailed().hasSingleBean(RabbitAdapter.class);
                    RabbitConfig config = context.getBean(RabbitAdapter.class).config();
                    assertThat(config.host()).isEqualTo("mq.example");
                    assertThat(config.port()).isEqualTo(5673);
                    assertThat(config.virtualHost()).isEqualTo("billing/eu one");
                    assertThat(config.username()).isEqualTo("app");
                    assertThat(config.password()).isEqualTo("s3cret");
                });
        runner.withPropertyValues("keel.broker=rabbit", "keel.idempotency.store=in-memory", "keel.rabbit.host=mq.example")
                .run(context -> {
                    RabbitConfig config = context.getBean(RabbitAdapter.class).config();
                    assertThat(config.host()).isEqualTo("mq.example");
                    assertThat(config.port()).as("RabbitMQ's default port").isEqualTo(5672);
                    assertThat(config.virtualHost()).isEqualTo("/");
                });
    }

    @Configuration(proxyBeanMethods = false)
    static class OwnRegistry {
        KeelListenerRegistry registry;

        @Bean
        KeelListenerRegistry myRegistry(Keel keel) {
            registry = new KeelListenerRegistry(keel, new KeelProperties(), List::of, Stream::empty,
                    Duration.ofSeconds(30), Stream::empty);
            return registry;
        }
    }
}
