package dev.keel.spring.boot.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keel.Codec;
import dev.keel.DeliveryGuarantee;
import dev.keel.SubscriptionConfig;
import dev.keel.ordering.Ordering;
import dev.keel.retry.DeadLetterPolicy;
import dev.keel.spring.ListenerDefinitionException;
import java.time.Duration;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.springframework.util.unit.DataSize;

/** The layers of a listener's settings: Keel's defaults, keel.listener.defaults, the annotation, keel.listeners.&lt;id&gt;. */
class ListenerConfigsTest {

    @SuppressWarnings("unchecked")
    private static AnnotatedListener listener(DeliveryGuarantee guarantee, int lanes) {
        return new AnnotatedListener("bean.bill", "billing", "orders", "billing", guarantee, null, lanes, 0, 0, null,
                (Codec<Object>) (Codec<?>) Codec.utf8(), d -> { });
    }

    @Test
    void withNoLayerSetKeelsDefaultsShouldApplyWithTheStartersCloseTimeout() {
        SubscriptionConfig<Object> config = ListenerConfigs.of(listener(null, 0), new ListenerSettings(), null);
        assertThat(config.guarantee()).isEqualTo(SubscriptionConfig.DEFAULT_GUARANTEE);
        assertThat(config.lanes()).isEqualTo(SubscriptionConfig.DEFAULT_LANES);
        assertThat(config.closeTimeout()).isEqualTo(ListenerConfigs.DEFAULT_CLOSE_TIMEOUT);
    }

    @Test
    void theAnnotationShouldOverrideTheDefaultsAndThePerListenerPropertiesTheAnnotation() {
        ListenerSettings defaults = new ListenerSettings();
        defaults.setLanes(4);
        defaults.setGuarantee(DeliveryGuarantee.AT_MOST_ONCE);
        defaults.setOrdering(Ordering.UNORDERED);
        defaults.getRetry().setMaxAttempts(2);
        ListenerSettings overrides = new ListenerSettings();
        overrides.setLanes(16);
        overrides.setGroup("billing-v2");
        overrides.getIdempotency().setRetention(Duration.ofDays(7));
        overrides.getDeadLetter().setEnabled(false);

        SubscriptionConfig<Object> config = ListenerConfigs.of(listener(DeliveryGuarantee.AT_LEAST_ONCE, 2), defaults, overrides);

        assertThat(config.guarantee()).as("annotation over defaults").isEqualTo(DeliveryGuarantee.AT_LEAST_ONCE);
        assertThat(config.ordering()).as("defaults").isEqualTo(Ordering.UNORDERED);
        assertThat(config.lanes()).as("per-listener over annotation").isEqualTo(16);
        assertThat(config.group()).isEqualTo("billing-v2");
        assertThat(config.retryPolicy().maxAttempts()).isEqualTo(2);
        assertThat(config.idempotencyPolicy().retention()).isEqualTo(Duration.ofDays(7));
        assertThat(config.deadLetterPolicy().isEnabled()).isFalse();
    }

    @Test
    void theInFlightByteBoundShouldDefaultToKeelsAndFollowTheLayers() {
        assertThat(ListenerConfigs.of(listener(null, 0), new ListenerSettings(), null).maxInFlightBytes())
                .isEqualTo(SubscriptionConfig.DEFAULT_MAX_IN_FLIGHT_BYTES);
        ListenerSettings defaults = new ListenerSettings();
        defaults.setMaxInFlightBytes(DataSize.ofMegabytes(8));
        ListenerSettings overrides = new ListenerSettings();
        overrides.setMaxInFlightBytes(DataSize.ofKilobytes(512));

        assertThat(ListenerConfigs.of(listener(null, 0), defaults, null).maxInFlightBytes()).isEqualTo(8L << 20);
        assertThat(ListenerConfigs.of(listener(null, 0), defaults, overrides).maxInFlightBytes()).isEqualTo(512L << 10);
        @SuppressWarnings("unchecked")
        AnnotatedListener annotated = new AnnotatedListener("bean.bill", "billing", "orders", "billing", null, null, 0,
                0, 2L << 20, null, (Codec<Object>) (Codec<?>) Codec.utf8(), d -> { });
        assertThat(ListenerConfigs.of(annotated, defaults, null).maxInFlightBytes()).as("the annotation's, over the "
                + "defaults'").isEqualTo(2L << 20);
        assertThat(ListenerConfigs.of(annotated, defaults, overrides).maxInFlightBytes()).as("the listener's "
                + "property, over the annotation's").isEqualTo(512L << 10);
    }

    @Test
    void aPerListenerShareGroupShouldMakeTheListenerAnUnorderedShareGroup() {
        ListenerSettings overrides = new ListenerSettings();
        overrides.setShareGroup(true);

        SubscriptionConfig<Object> config = ListenerConfigs.of(listener(null, 0), new ListenerSettings(), overrides);

        assertThat(config.shareGroup()).isTrue();
        assertThat(config.ordering()).isEqualTo(Ordering.UNORDERED);
        assertThat(ListenerConfigs.of(listener(null, 0), new ListenerSettings(), null).shareGroup())
                .as("a classic group by default").isFalse();
    }

    @Test
    void aShareGroupWithPerKeyOrderingInTheSameLayerShouldFailSayingWhy() {
        ListenerSettings overrides = new ListenerSettings();
        overrides.setShareGroup(true);
        overrides.setOrdering(Ordering.PER_KEY);

        assertThatThrownBy(() -> ListenerConfigs.of(listener(null, 0), new ListenerSettings(), overrides))
                .isInstanceOf(ListenerDefinitionException.class).hasMessageContaining("share group gives no order")
                .hasMessageContaining("UNORDERED");
    }

    @Test
    void aShareGroupInTheDefaultsShouldBeTurnedOffPerListener() {
        ListenerSettings defaults = new ListenerSettings();
        defaults.setShareGroup(true);
        ListenerSettings overrides = new ListenerSettings();
        overrides.setShareGroup(false);
        overrides.setOrdering(Ordering.PER_KEY);

        SubscriptionConfig<Object> config = ListenerConfigs.of(listener(null, 0), defaults, overrides);

        assertThat(config.shareGroup()).isFalse();
        assertThat(config.ordering()).isEqualTo(Ordering.PER_KEY);
        assertThat(ListenerConfigs.of(listener(null, 0), defaults, null).shareGroup()).isTrue();
    }

    @Test
    void turningOffADefaultShareGroupShouldBringBackPerKeyOrdering() {
        ListenerSettings defaults = new ListenerSettings();
        defaults.setShareGroup(true);
        ListenerSettings overrides = new ListenerSettings();
        overrides.setShareGroup(false);

        SubscriptionConfig<Object> config = ListenerConfigs.of(listener(null, 0), defaults, overrides);

        assertThat(config.shareGroup()).isFalse();
        assertThat(config.ordering()).as("the share group's UNORDERED went with it").isEqualTo(Ordering.PER_KEY);
    }

    @Test
    void turningOffAShareGroupOfAnEndpointShouldBringBackPerKeyOrdering() {
        SubscriptionConfig<String> endpoint = SubscriptionConfig.builder("orders", "billing", Codec.utf8())
                .shareGroup(true).ordering(Ordering.UNORDERED).build();
        ListenerSettings own = new ListenerSettings();
        own.setShareGroup(false);

        SubscriptionConfig<String> config = ListenerConfigs.apply(endpoint, own);

        assertThat(config.shareGroup()).isFalse();
        assertThat(config.ordering()).isEqualTo(Ordering.PER_KEY);
    }

    @Test
    void turningOffAShareGroupShouldKeepAnOrderingALowerLayerNamed() {
        ListenerSettings defaults = new ListenerSettings();
        defaults.setShareGroup(true);
        ListenerSettings overrides = new ListenerSettings();
        overrides.setShareGroup(false);
        @SuppressWarnings("unchecked")
        AnnotatedListener unordered = new AnnotatedListener("bean.bill", "billing", "orders", "billing", null,
                Ordering.UNORDERED, 0, 0, 0, null, (Codec<Object>) (Codec<?>) Codec.utf8(), d -> { });

        assertThat(ListenerConfigs.of(unordered, defaults, overrides).ordering()).as("the annotation's")
                .isEqualTo(Ordering.UNORDERED);
        defaults.setOrdering(Ordering.UNORDERED);
        assertThat(ListenerConfigs.of(listener(null, 0), defaults, overrides).ordering()).as("the defaults'")
                .isEqualTo(Ordering.UNORDERED);
    }

    @Test
    void aShareGroupTurnedOnPerListenerOverADefaultOffShouldBeUnordered() {
        ListenerSettings defaults = new ListenerSettings();
        defaults.setShareGroup(false);
        ListenerSettings overrides = new ListenerSettings();
        overrides.setShareGroup(true);

        SubscriptionConfig<Object> config = ListenerConfigs.of(listener(null, 0), defaults, overrides);

        assertThat(config.shareGroup()).isTrue();
        assertThat(config.ordering()).isEqualTo(Ordering.UNORDERED);
    }

    @Test
    void aSettingOutOfRangeShouldFailNamingTheListenerAndWhereItIsSet() {
        ListenerSettings overrides = new ListenerSettings();
        overrides.setLanes(0);

        assertThatThrownBy(() -> ListenerConfigs.of(listener(null, 0), new ListenerSettings(), overrides))
                .isInstanceOf(ListenerDefinitionException.class).hasMessageContaining("'billing'")
                .hasMessageContaining("bean.bill").hasMessageContaining("lanes")
                .hasMessageContaining("keel.listeners.billing.*");
    }

    private static final UnaryOperator<String> DOT_DLT = topic -> topic + DeadLetterPolicy.DEFAULT_SUFFIX;

    private static SubscriptionConfig<String> on(String topic, DeadLetterPolicy policy) {
        return SubscriptionConfig.builder(topic, "readers", Codec.utf8()).deadLetterPolicy(policy).build();
    }

    @Test
    void aListenerOnAnotherTopicsDeadLettersShouldGetNoDeadLetterTopicOfItsOwn() {
        SubscriptionConfig<String> config = ListenerConfigs.forDeadLetterReader(on("orders.DLT",
                DeadLetterPolicy.ofDefaults()), null, DOT_DLT);

        assertThat(config.deadLetterPolicy()).isSameAs(DeadLetterPolicy.none());
    }

    @Test
    void aListenerOnTheFixedDeadLetterTopicItsSettingsNameShouldNotSendItsFailuresToItself() {
        SubscriptionConfig<String> config = ListenerConfigs.forDeadLetterReader(on("all-failures",
                DeadLetterPolicy.toTopic("all-failures")), null, DOT_DLT);

        assertThat(config.deadLetterPolicy()).isSameAs(DeadLetterPolicy.none());
    }

    @Test
    void aDeadLetterTopicShouldBeRecognisedByTheAdaptersOwnNaming() {
        UnaryOperator<String> underscore = topic -> topic + "_DLT";

        assertThat(ListenerConfigs.readsDeadLetters(on("orders_DLT", DeadLetterPolicy.ofDefaults()), underscore))
                .isTrue();
        assertThat(ListenerConfigs.readsDeadLetters(on("orders.DLT", DeadLetterPolicy.ofDefaults()), underscore))
                .isFalse();
        assertThat(ListenerConfigs.readsDeadLetters(on("orders", DeadLetterPolicy.ofDefaults()), DOT_DLT)).isFalse();
        UnaryOperator<String> shortened = topic -> (topic.length() > 20 ? topic.substring(0, 12) + "-a1b2c3d4" : topic)
                + "_DLT";
        assertThat(ListenerConfigs.readsDeadLetters(on("a-very-long-topi-a1b2c3d4_DLT", DeadLetterPolicy.ofDefaults()),
                shortened)).as("a shortened dead-letter topic name").isTrue();
        assertThat(ListenerConfigs.readsDeadLetters(on(".DLT", DeadLetterPolicy.ofDefaults()), DOT_DLT))
                .as("a bare suffix names no origin topic").isFalse();
    }

    @Test
    void aDeadLetterReadersOwnDeadLetterSettingShouldStillDecide() {
        ListenerSettings own = new ListenerSettings();
        own.getDeadLetter().setTopic("failed-dead-letters");
        SubscriptionConfig<String> configured = on("orders.DLT", DeadLetterPolicy.toTopic("failed-dead-letters"));

        assertThat(ListenerConfigs.forDeadLetterReader(configured, own, DOT_DLT)).isSameAs(configured);
    }
}
