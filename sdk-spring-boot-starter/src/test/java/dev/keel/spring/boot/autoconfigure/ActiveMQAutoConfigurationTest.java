package dev.keel.spring.boot.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keel.core.Keel;
import dev.keel.jms.ActiveMQClassicAdapter;
import dev.keel.jms.ActiveMQClassicConfig;
import dev.keel.jms.ArtemisAdapter;
import dev.keel.kafka.KafkaAdapter;
import dev.keel.rabbit.RabbitAdapter;
import dev.keel.rocket.RocketAdapter;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/**
 * {@code keel.broker=activemq} and {@code keel.activemq.*}, and how the starter chooses between the two ActiveMQ
 * adapters that module sdk-jms holds: by the broker client on the class path (each ActiveMQ starter brings one), or
 * by {@code keel.broker} when both clients are there. No broker is reached: the adapter connects on first use.
 */
class ActiveMQAutoConfigurationTest {

    private static final String URL = "tcp://127.0.0.1:61616";

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(KeelAutoConfigurationTest.KEEL).withPropertyValues("keel.idempotency.store=in-memory");

    /** The class path of sdk-spring-boot-starter-activemq: sdk-jms with ActiveMQ Classic's client only. */
    private final ApplicationContextRunner classicStarter = runner.withClassLoader(new FilteredClassLoader(
            KafkaAdapter.class, RabbitAdapter.class, RocketAdapter.class,
            org.apache.activemq.artemis.jms.client.ActiveMQConnectionFactory.class));

    /** The class path of sdk-spring-boot-starter-artemis: sdk-jms with Artemis's client only. */
    private final ApplicationContextRunner artemisStarter = runner.withClassLoader(new FilteredClassLoader(
            KafkaAdapter.class, RabbitAdapter.class, RocketAdapter.class,
            org.apache.activemq.ActiveMQConnectionFactory.class));

    /** sdk-jms as it is, with both clients, and no other adapter. */
    private final ApplicationContextRunner bothClients = runner.withClassLoader(new FilteredClassLoader(
            KafkaAdapter.class, RabbitAdapter.class, RocketAdapter.class));

    @Test
    void keelActivemqPropertiesShouldReachTheClassicAdaptersConfig() {
        runner.withPropertyValues("keel.broker=activemq", "keel.activemq.url=" + URL, "keel.activemq.user=app",
                "keel.activemq.password=pw", "keel.activemq.send-lanes=2", "keel.activemq.max-message-bytes=1048576",
                "keel.activemq.prefetch=50", "keel.activemq.prioritized-queues=true",
                "keel.activemq.close-timeout=3s", "keel.activemq.send-timeout=7s").run(context -> {
                    assertThat(context).hasNotFailed().hasSingleBean(ActiveMQClassicAdapter.class)
                            .doesNotHaveBean(ArtemisAdapter.class).hasSingleBean(Keel.class);
                    assertThat(context.getBean(ActiveMQClassicAdapter.class).config()).isEqualTo(
                            ActiveMQClassicConfig.custom().url(URL).credentials("app", "pw").sendLanes(2)
                                    .maxMessageBytes(1024 * 1024).prefetch(50).prioritizedQueues(true)
                                    .closeTimeout(Duration.ofSeconds(3)).sendTimeout(Duration.ofSeconds(7)).build());
                });
    }

    @Test
    void unsetActivemqSettingsShouldKeepTheAdaptersDefaults() {
        runner.withPropertyValues("keel.broker=activemq", "keel.activemq.url=" + URL).run(context ->
                assertThat(context.getBean(ActiveMQClassicAdapter.class).config())
                        .isEqualTo(ActiveMQClassicConfig.custom().url(URL).build()));
    }

    @Test
    void theClassicStartersClassPathShouldSelectTheClassicAdapterWithoutKeelBroker() {
        classicStarter.withPropertyValues("keel.activemq.url=" + URL).run(context ->
                assertThat(context).hasNotFailed().hasSingleBean(ActiveMQClassicAdapter.class)
                        .doesNotHaveBean(ArtemisAdapter.class));
    }

    @Test
    void theArtemisStartersClassPathShouldStillSelectTheArtemisAdapterWithoutKeelBroker() {
        artemisStarter.withPropertyValues("keel.artemis.url=" + URL).run(context ->
                assertThat(context).hasNotFailed().hasSingleBean(ArtemisAdapter.class)
                        .doesNotHaveBean(ActiveMQClassicAdapter.class));
    }

    @Test
    void bothActiveMQClientsWithoutKeelBrokerShouldFailNamingBothAdapters() {
        bothClients.withPropertyValues("keel.activemq.url=" + URL, "keel.artemis.url=" + URL).run(context -> {
            assertThat(context).hasFailed();
            assertThat(context.getStartupFailure()).rootCause()
                    .hasMessageContaining("several Keel broker adapters are on the class path (artemis, activemq)")
                    .hasMessageContaining("set keel.broker").hasMessageContaining("sdk-jms");
        });
    }

    @Test
    void keelBrokerShouldChooseBetweenBothActiveMQAdapters() {
        bothClients.withPropertyValues("keel.broker=activemq", "keel.activemq.url=" + URL).run(context ->
                assertThat(context).hasNotFailed().hasSingleBean(ActiveMQClassicAdapter.class)
                        .doesNotHaveBean(ArtemisAdapter.class));
        bothClients.withPropertyValues("keel.broker=artemis", "keel.artemis.url=" + URL).run(context ->
                assertThat(context).hasNotFailed().hasSingleBean(ArtemisAdapter.class)
                        .doesNotHaveBean(ActiveMQClassicAdapter.class));
    }

    @Test
    void keelBrokerActivemqWithoutItsClientShouldFailNamingTheStarter() {
        artemisStarter.withPropertyValues("keel.broker=activemq", "keel.activemq.url=" + URL).run(context -> {
            assertThat(context).hasFailed();
            assertThat(context.getStartupFailure()).rootCause().hasMessageContaining("keel.broker=activemq")
                    .hasMessageContaining("org.apache.activemq.ActiveMQConnectionFactory")
                    .hasMessageContaining("sdk-spring-boot-starter-activemq");
        });
    }

    @Test
    void activemqWithoutAUrlShouldFailNamingTheProperty() {
        runner.withPropertyValues("keel.broker=activemq").run(context -> {
            assertThat(context).hasFailed();
            assertThat(context.getStartupFailure()).rootCause().hasMessageContaining("keel.activemq.url is not set")
                    .hasMessageContaining("BrokerAdapter bean");
        });
    }

    @Test
    void anInvalidActivemqSettingShouldFailNamingItWithItsPrefix() {
        runner.withPropertyValues("keel.broker=activemq", "keel.activemq.url=" + URL, "keel.activemq.prefetch=0")
                .run(context -> assertThat(context.getStartupFailure())
                        .hasStackTraceContaining("keel.activemq.*: prefetch must be in [1, 32767], was 0"));
        runner.withPropertyValues("keel.broker=activemq", "keel.activemq.url=failover:(" + URL + ")")
                .run(context -> assertThat(context.getStartupFailure())
                        .hasStackTraceContaining("keel.activemq.*: a failover: url must set maxReconnectAttempts=0"));
    }

    @Test
    void aConnectionDetailsBeanShouldWireTheClassicAdapterWithoutTheProperties() {
        runner.withPropertyValues("keel.broker=activemq").withBean(KeelActiveMQConnectionDetails.class,
                () -> new KeelActiveMQConnectionDetails() {
                    @Override
                    public String url() {
                        return "tcp://from-container:61616";
                    }

                    @Override
                    public String user() {
                        return "from-container";
                    }
                }).run(context -> {
                    ActiveMQClassicConfig config = context.getBean(ActiveMQClassicAdapter.class).config();
                    assertThat(config.url()).isEqualTo("tcp://from-container:61616");
                    assertThat(config.username()).contains("from-container");
                    assertThat(config.password()).as("no password given: an empty one").contains("");
                });
    }
}
