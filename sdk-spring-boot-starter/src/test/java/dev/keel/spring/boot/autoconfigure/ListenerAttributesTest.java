package dev.keel.spring.boot.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keel.Codec;
import dev.keel.DeliveryGuarantee;
import dev.keel.ordering.Ordering;
import dev.keel.spi.BrokerAdapter;
import dev.keel.spring.KeelListener;
import dev.keel.spring.ListenerDefinitionException;
import dev.keel.testkit.InMemoryBroker;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.autoconfigure.context.PropertyPlaceholderAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.annotation.Bean;

/**
 * {@code @KeelListener}'s attributes: the guarantee and ordering as enums, {@code autoStartup} as spring-kafka has
 * it, and every value checked when the application starts, failing with the listener's name, the value and what is
 * allowed, reported as Spring Boot reports its own startup failures.
 */
@ExtendWith(OutputCaptureExtension.class)
class ListenerAttributesTest {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(KeelAutoConfigurationTest.KEEL)
            .withBean(BrokerAdapter.class, InMemoryBroker::create)
            .withPropertyValues("keel.topics.orders.partitions=1");

    @Test
    void theGuaranteeAndOrderingShouldBeTakenFromTheirEnumAttributes() {
        runner.withBean("billing", EnumAttributes.class).run(context -> {
            assertThat(context).hasNotFailed();
            AnnotatedListener listener = context.getBean(KeelListenerAnnotationBeanPostProcessor.class).listeners()
                    .get(0);
            assertThat(listener.guarantee()).isEqualTo(DeliveryGuarantee.AT_LEAST_ONCE);
            assertThat(listener.ordering()).isEqualTo(Ordering.UNORDERED);
            assertThat(context.getBean(KeelListenerRegistry.class).isRunning("billing-orders")).isTrue();
        });
    }

    @Test
    void twoGuaranteesShouldFailTheStartupNamingTheChoices() {
        runner.withBean("billing", TwoGuarantees.class).run(context -> assertThat(context.getStartupFailure())
                .rootCause().isInstanceOf(ListenerDefinitionException.class).hasMessageContaining("billing.bill")
                .hasMessageContaining("2 guarantees").hasMessageContaining("EFFECTIVELY_ONCE"));
    }

    @Test
    void negativeLanesShouldFailTheStartupInsteadOfFallingBackToTheDefaults() {
        runner.withBean("billing", NegativeLanes.class).run(context -> assertThat(context.getStartupFailure())
                .rootCause().isInstanceOf(ListenerDefinitionException.class).hasMessageContaining("billing.bill")
                .hasMessageContaining("lanes = -4"));
    }

    @Test
    void maxInFlightBytesShouldBeReadAsASizeWithItsPlaceholderResolved() {
        runner.withBean("billing", ByteBound.class).withPropertyValues("billing.window=512KB").run(context -> {
            assertThat(context).hasNotFailed();
            AnnotatedListener listener = context.getBean(KeelListenerAnnotationBeanPostProcessor.class).listeners()
                    .get(0);
            assertThat(listener.maxInFlightBytes()).isEqualTo(512L << 10);
        });
        runner.withBean("billing", EnumAttributes.class).run(context -> assertThat(context
                .getBean(KeelListenerAnnotationBeanPostProcessor.class).listeners().get(0).maxInFlightBytes())
                .as("left out: none set, the defaults' apply").isZero());
    }

    @Test
    void aMaxInFlightBytesThatIsNotASizeOrBelowOneByteShouldFailTheStartup() {
        runner.withBean("billing", ByteBound.class).withPropertyValues("billing.window=lots").run(context ->
                assertThat(context.getStartupFailure()).rootCause().isInstanceOf(ListenerDefinitionException.class)
                        .hasMessageContaining("billing.bill").hasMessageContaining("maxInFlightBytes = \"${billing.window}\" (\"lots\") is not a size")
                        .hasMessageContaining("\"8MB\""));
        runner.withBean("billing", ByteBound.class).withPropertyValues("billing.window=0B").run(context ->
                assertThat(context.getStartupFailure()).rootCause().isInstanceOf(ListenerDefinitionException.class)
                        .hasMessageContaining("maxInFlightBytes = \"${billing.window}\" (\"0B\") is below 1 byte"));
    }

    @Test
    void aPlaceholderNoPropertyResolvesShouldFailTheStartupNamingTheListenerAndTheAttribute() {
        // as in a Spring Boot application, whose placeholder configurer refuses a placeholder it cannot resolve
        ApplicationContextRunner runner = this.runner.withConfiguration(
                AutoConfigurations.of(PropertyPlaceholderAutoConfiguration.class));
        runner.withBean("billing", ByteBound.class).run(context ->
                assertThat(context.getStartupFailure()).rootCause().isInstanceOf(ListenerDefinitionException.class)
                        .hasMessageContaining("billing.bill")
                        .hasMessageContaining("maxInFlightBytes = \"${billing.window}\" cannot be resolved")
                        .hasMessageContaining("billing.window"));
        runner.withBean("billing", EmptyTopic.class).run(context ->
                assertThat(context.getStartupFailure()).rootCause().isInstanceOf(ListenerDefinitionException.class)
                        .hasMessageContaining("billing.bill")
                        .hasMessageContaining("topic = \"${billing.topic}\" cannot be resolved"));
    }

    @Test
    void autoStartupFalseShouldLeaveTheListenerStoppedUnlessItsPropertySaysOtherwise() {
        runner.withBean("billing", NotStarted.class).run(context -> {
            assertThat(context).hasNotFailed();
            assertThat(context.getBean(KeelListenerRegistry.class).isRunning("billing-orders")).isFalse();
        });
        runner.withBean("billing", NotStarted.class).withPropertyValues("keel.listeners.billing-orders.auto-startup=true")
                .run(context -> assertThat(context.getBean(KeelListenerRegistry.class).isRunning("billing-orders"))
                        .as("the property overrides the annotation").isTrue());
    }

    @Test
    void anAutoStartupThatIsNeitherTrueNorFalseShouldFailTheStartup() {
        runner.withBean("billing", NotStarted.class).withPropertyValues("billing.start=sometimes")
                .run(context -> assertThat(context.getStartupFailure()).rootCause()
                        .isInstanceOf(ListenerDefinitionException.class).hasMessageContaining("autoStartup = \"sometimes\"")
                        .hasMessageContaining("neither true nor false"));
    }

    @Test
    void aTopicPlaceholderResolvingToNothingShouldFailTheStartup() {
        runner.withBean("billing", EmptyTopic.class).withPropertyValues("billing.topic=")
                .run(context -> assertThat(context.getStartupFailure()).rootCause()
                        .isInstanceOf(ListenerDefinitionException.class).hasMessageContaining("topic")
                        .hasMessageContaining("is empty"));
    }

    @Test
    void aCodecAttributeNamingNoBeanShouldFailTheStartupNamingTheCodecs() {
        runner.withBean("billing", MissingCodec.class).withBean("orderCodec", Codec.class, Codec::utf8)
                .run(context -> assertThat(context.getStartupFailure()).rootCause()
                        .isInstanceOf(ListenerDefinitionException.class).hasMessageContaining("codec = \"ordersCodec\"")
                        .hasMessageContaining("orderCodec"));
    }

    @Test
    void aPropertyOutOfRangeShouldFailTheStartupNamingTheListener() {
        runner.withBean("billing", EnumAttributes.class).withPropertyValues("keel.listeners.billing-orders.lanes=0")
                .run(context -> {
                    Throwable failure = context.getStartupFailure();
                    while (failure != null && !(failure instanceof ListenerDefinitionException)) {
                        failure = failure.getCause();
                    }
                    assertThat(failure).as("a ListenerDefinitionException in the startup failure's causes")
                            .isNotNull().hasMessageContaining("'billing-orders'")
                            .hasMessageContaining("lanes must be in [1, 1024], was 0")
                            .hasMessageContaining("keel.listeners.billing-orders.*");
                });
    }

    @Test
    void anInvalidListenerShouldBeReportedAsSpringBootReportsAStartupFailure(CapturedOutput output) {
        assertThatThrownBy(() -> new SpringApplicationBuilder(Application.class).web(WebApplicationType.NONE)
                .properties("keel.topics.orders.partitions=1").run().close()).isInstanceOf(RuntimeException.class);

        assertThat(output).contains("APPLICATION FAILED TO START")
                .contains("Keel listener @KeelListener method billing.bill cannot be subscribed as declared: "
                        + "lanes = -4 is below 0")
                .contains("Action:").contains("keel.listener.defaults.lanes");
    }

    public static class EnumAttributes {
        @KeelListener(topic = "orders", group = "billing", guarantee = DeliveryGuarantee.AT_LEAST_ONCE,
                ordering = Ordering.UNORDERED)
        public void bill(String order) {
        }
    }

    public static class TwoGuarantees {
        @KeelListener(topic = "orders", group = "billing",
                guarantee = {DeliveryGuarantee.AT_LEAST_ONCE, DeliveryGuarantee.EFFECTIVELY_ONCE})
        public void bill(String order) {
        }
    }

    public static class NegativeLanes {
        @KeelListener(topic = "orders", group = "billing", lanes = -4)
        public void bill(String order) {
        }
    }

    public static class ByteBound {
        @KeelListener(topic = "orders", group = "billing", maxInFlightBytes = "${billing.window}")
        public void bill(String order) {
        }
    }

    public static class NotStarted {
        @KeelListener(topic = "orders", group = "billing", autoStartup = "${billing.start:false}")
        public void bill(String order) {
        }
    }

    public static class EmptyTopic {
        @KeelListener(topic = "${billing.topic}", group = "billing")
        public void bill(String order) {
        }
    }

    public static class MissingCodec {
        @KeelListener(topic = "orders", group = "billing", codec = "ordersCodec")
        public void bill(String order) {
        }
    }

    /** A user's application whose listener has negative lanes, on the in-memory broker. */
    @SpringBootConfiguration
    @EnableAutoConfiguration
    static class Application {
        @Bean
        BrokerAdapter broker() {
            return InMemoryBroker.create();
        }

        @Bean
        NegativeLanes billing() {
            return new NegativeLanes();
        }
    }
}
