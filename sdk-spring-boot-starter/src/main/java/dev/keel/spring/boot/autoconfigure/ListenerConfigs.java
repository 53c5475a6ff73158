package dev.keel.spring.boot.autoconfigure;

import dev.keel.SubscriptionConfig;
import dev.keel.dedup.IdempotencyPolicy;
import dev.keel.ordering.Ordering;
import dev.keel.retry.DeadLetterPolicy;
import dev.keel.retry.RetryPolicy;
import dev.keel.spring.ListenerDefinitionException;
import java.time.Duration;
import java.util.function.UnaryOperator;

/**
 * Builds a listener's {@link SubscriptionConfig} from its layers: Keel's defaults (with the
 * starter's close timeout), {@code keel.listener.defaults.*}, the annotation, then
 * {@code keel.listeners.<id>.*}. Each layer sets only what it names.
 */
final class ListenerConfigs {

    /**
     * A listener's close timeout unless set: below Spring Boot's default shutdown phase timeout
     * (30 s), leaving {@link ShutdownPhase#CLOSE_MARGIN} and more for the consumer to leave.
     */
    static final Duration DEFAULT_CLOSE_TIMEOUT = Duration.ofSeconds(20);

    private ListenerConfigs() {
    }

    static SubscriptionConfig<Object> of(AnnotatedListener listener, ListenerSettings defaults,
                                         ListenerSettings overrides) {
        String topic = overrides != null && overrides.getTopic() != null ? overrides.getTopic() : listener.topic();
        String group = overrides != null && overrides.getGroup() != null ? overrides.getGroup() : listener.group();
        String where = "'" + listener.id() + "' (@KeelListener method " + listener.source() + ")";
        try {
            SubscriptionConfig<Object> config = SubscriptionConfig.builder(topic, group, listener.codec())
                    .closeTimeout(DEFAULT_CLOSE_TIMEOUT).build();
            config = apply(config, defaults);
            SubscriptionConfig.Builder<Object> annotated = SubscriptionConfig.from(config);
            if (listener.guarantee() != null) {
                annotated.guarantee(listener.guarantee());
            }
            if (listener.ordering() != null) {
                annotated.ordering(listener.ordering());
            }
            if (listener.lanes() > 0) {
                annotated.lanes(listener.lanes());
            }
            if (listener.maxInFlight() > 0) {
                annotated.maxInFlight(listener.maxInFlight());
            }
            if (listener.maxInFlightBytes() > 0) {
                annotated.maxInFlightBytes(listener.maxInFlightBytes());
            }
            Ordering named = listener.ordering() != null ? listener.ordering()
                    : defaults != null ? defaults.getOrdering() : null;
            return apply(annotated.build(), overrides, named);
        } catch (IllegalArgumentException e) {
            throw invalid(where, listener.id(), e);
        }
    }

    /**
     * A setting out of its range, as {@link SubscriptionConfig} and its policies refuse it, named with its listener
     * and the places that set it.
     */
    static ListenerDefinitionException invalid(String where, String id, IllegalArgumentException refusal) {
        return new ListenerDefinitionException(where, refusal.getMessage(), "Correct the value in the listener's "
                + "@KeelListener attributes, " + ListenerPropertyNames.prefix(id) + ".* or keel.listener.defaults.*", refusal);
    }

    /** {@code base} with the topic and group {@code settings} names, where it names them (an endpoint's overrides). */
    static <T> SubscriptionConfig<T> retargeted(SubscriptionConfig<T> base, ListenerSettings settings) {
        if (settings == null || (settings.getTopic() == null && settings.getGroup() == null)) {
            return base;
        }
        return SubscriptionConfig.from(base, settings.getTopic() != null ? settings.getTopic() : base.topic(),
                settings.getGroup() != null ? settings.getGroup() : base.group()).build();
    }

    /** {@code base} with what {@code settings} sets; topic and group are not changed here. */
    static <T> SubscriptionConfig<T> apply(SubscriptionConfig<T> base, ListenerSettings settings) {
        return apply(base, settings, null);
    }

    /**
     * {@code base} with what {@code settings} sets. A layer that turns the share group on and names no ordering makes
     * it {@code UNORDERED} (a share group keeps no order); one that turns it off and names no ordering takes that
     * {@code UNORDERED} away again: the ordering becomes {@code named}, the one a lower layer named, else Keel's
     * default ({@code PER_KEY}).
     */
    static <T> SubscriptionConfig<T> apply(SubscriptionConfig<T> base, ListenerSettings settings, Ordering named) {
        if (settings == null) {
            return base;
        }
        SubscriptionConfig.Builder<T> b = SubscriptionConfig.from(base);
        if (settings.getGuarantee() != null) {
            b.guarantee(settings.getGuarantee());
        }
        if (settings.getShareGroup() != null) {
            b.shareGroup(settings.getShareGroup());
            if (settings.getShareGroup() && settings.getOrdering() == null) {
                b.ordering(Ordering.UNORDERED); // a share group keeps no order: unless this layer says otherwise
            } else if (!settings.getShareGroup() && base.shareGroup() && settings.getOrdering() == null) {
                b.ordering(named != null ? named : SubscriptionConfig.DEFAULT_ORDERING); // the share group's order went
            }
        }
        if (settings.getOrdering() != null) {
            b.ordering(settings.getOrdering());
        }
        if (settings.getLanes() != null) {
            b.lanes(settings.getLanes());
        }
        if (settings.getMaxInFlight() != null) {
            b.maxInFlight(settings.getMaxInFlight());
        }
        if (settings.getMaxInFlightBytes() != null) {
            b.maxInFlightBytes(settings.getMaxInFlightBytes().toBytes());
        }
        if (settings.getCloseTimeout() != null) {
            b.closeTimeout(settings.getCloseTimeout());
        }
        ListenerSettings.Idempotency idempotency = settings.getIdempotency();
        if (idempotency.getLease() != null || idempotency.getRetention() != null) {
            IdempotencyPolicy.Builder policy = IdempotencyPolicy.from(base.idempotencyPolicy());
            if (idempotency.getLease() != null) {
                policy.lease(idempotency.getLease());
            }
            if (idempotency.getRetention() != null) {
                policy.retention(idempotency.getRetention());
            }
            b.idempotencyPolicy(policy.build());
        }
        ListenerSettings.Retry retry = settings.getRetry();
        if (retry.getMaxAttempts() != null || retry.getInitialBackoff() != null || retry.getMultiplier() != null
                || retry.getMaxBackoff() != null) {
            RetryPolicy.Builder policy = RetryPolicy.from(base.retryPolicy());
            if (retry.getMaxAttempts() != null) {
                policy.maxAttempts(retry.getMaxAttempts());
            }
            if (retry.getInitialBackoff() != null) {
                policy.initialBackoff(retry.getInitialBackoff());
            }
            if (retry.getMultiplier() != null) {
                policy.multiplier(retry.getMultiplier());
            }
            if (retry.getMaxBackoff() != null) {
                policy.maxBackoff(retry.getMaxBackoff());
            }
            b.retryPolicy(policy.build());
        }
        ListenerSettings.DeadLetter deadLetter = settings.getDeadLetter();
        if (Boolean.FALSE.equals(deadLetter.getEnabled())) {
            b.deadLetterPolicy(DeadLetterPolicy.none());
        } else if (deadLetter.getTopic() != null) {
            b.deadLetterPolicy(DeadLetterPolicy.toTopic(deadLetter.getTopic()));
        } else if (Boolean.TRUE.equals(deadLetter.getEnabled())) {
            b.deadLetterPolicy(DeadLetterPolicy.ofDefaults());
        }
        return b.build();
    }

    /**
     * A listener that reads dead letters gets {@link DeadLetterPolicy#none()}, as the Java API's dead-letter readers
     * do: its topic is the adapter's default dead-letter topic of another topic ({@code orders.DLT}), or the fixed
     * dead-letter topic its settings name ({@code keel.listener.defaults.dead-letter.topic}), which would otherwise
     * get a dead-letter topic of its own ({@code orders.DLT.DLT}) or send its failures to itself. Its own
     * {@code keel.listeners.<id>.dead-letter.enabled} or {@code .topic} still decides when set.
     *
     * @param defaultDeadLetterTopic the adapter's naming, {@code orders} to {@code orders.DLT}
     * @return {@code config}, or {@code config} with {@code DeadLetterPolicy.none()} for a dead-letter reader
     */
    static <T> SubscriptionConfig<T> forDeadLetterReader(SubscriptionConfig<T> config, ListenerSettings own,
                                                         UnaryOperator<String> defaultDeadLetterTopic) {
        boolean ownChoice = own != null
                && (own.getDeadLetter().getEnabled() != null || own.getDeadLetter().getTopic() != null);
        if (ownChoice || !config.deadLetterPolicy().isEnabled() || !readsDeadLetters(config, defaultDeadLetterTopic)) {
            return config;
        }
        return SubscriptionConfig.from(config).deadLetterPolicy(DeadLetterPolicy.none()).build();
    }

    /** Whether {@code config}'s topic is a dead-letter topic: its own dead-letter destination, or another's default one. */
    static boolean readsDeadLetters(SubscriptionConfig<?> config, UnaryOperator<String> defaultDeadLetterTopic) {
        String topic = config.topic();
        if (config.deadLetterPolicy().destinationFor(topic).map(topic::equals).orElse(false)) {
            return true;
        }
        String probe = "t";
        String probeDeadLetters = defaultDeadLetterTopic.apply(probe);
        if (!probeDeadLetters.startsWith(probe) || probeDeadLetters.length() == probe.length()) {
            return false; // a naming that is not a suffix: nothing to recognise
        }
        String suffix = probeDeadLetters.substring(probe.length());
        // the suffix alone, not a round trip through the naming: a long name's dead-letter topic is shortened
        // (RocketMQ: a hash before the suffix), so no origin topic maps back to it
        return topic.length() > suffix.length() && topic.endsWith(suffix);
    }

}
