package dev.keel.spring.boot.autoconfigure;

import dev.keel.DeliveryGuarantee;
import dev.keel.ordering.Ordering;
import java.time.Duration;
import org.springframework.util.unit.DataSize;

/**
 * One layer of listener settings: {@code keel.listener.defaults.*} or {@code keel.listeners.<id>.*}.
 * An unset value (null) leaves the layer below in force: per-listener properties, then the
 * listener's annotation, then the defaults, then Keel's own defaults.
 */
public class ListenerSettings {

    /**
     * The topic, per listener only (keel.listeners.&lt;id&gt;.topic): overrides the annotation's. Set under
     * keel.listener.defaults it fails the startup.
     */
    private String topic;
    /**
     * The consumer group, per listener only (keel.listeners.&lt;id&gt;.group): overrides the annotation's. Set under
     * keel.listener.defaults it fails the startup.
     */
    private String group;
    /** AT_MOST_ONCE, AT_LEAST_ONCE or EFFECTIVELY_ONCE (Keel's default). */
    private DeliveryGuarantee guarantee;
    /** PER_KEY (Keel's default) or UNORDERED. */
    private Ordering ordering;
    /** Handler threads; messages of one key stay in one lane. */
    private Integer lanes;
    /**
     * true: consume as a share group (Kafka 4.2+ share groups, docs/kafka.md "Share groups"): the members take the
     * messages one by one, any member any message, unordered; it sets ordering UNORDERED unless the same layer sets
     * ordering. false: a classic group (the default); false over a layer's true, without ordering, gives back the
     * ordering a lower layer set, else PER_KEY.
     */
    private Boolean shareGroup;
    /** Unfinished messages at most before the consumer pauses fetching. */
    private Integer maxInFlight;
    /** Payload bytes of unfinished messages at most before the consumer pauses fetching (64MB by default). */
    private DataSize maxInFlightBytes;
    /**
     * How long closing lets in-flight messages finish; 20 s by default, below Spring Boot's
     * spring.lifecycle.timeout-per-shutdown-phase (30 s by default), which should exceed it.
     */
    private Duration closeTimeout;
    /**
     * Whether the listener subscribes when the application starts; true by default. With false it subscribes only
     * when started through KeelListenerRegistry.start(id).
     */
    private Boolean autoStartup;
    private final Idempotency idempotency = new Idempotency();
    private final Retry retry = new Retry();
    private final DeadLetter deadLetter = new DeadLetter();

    public String getTopic() { return topic; }

    public void setTopic(String topic) { this.topic = topic; }

    public String getGroup() { return group; }

    public void setGroup(String group) { this.group = group; }

    public DeliveryGuarantee getGuarantee() { return guarantee; }

    public void setGuarantee(DeliveryGuarantee guarantee) { this.guarantee = guarantee; }

    public Ordering getOrdering() { return ordering; }

    public void setOrdering(Ordering ordering) { this.ordering = ordering; }

    public Boolean getShareGroup() { return shareGroup; }

    public void setShareGroup(Boolean shareGroup) { this.shareGroup = shareGroup; }

    public Integer getLanes() { return lanes; }

    public void setLanes(Integer lanes) { this.lanes = lanes; }

    public Integer getMaxInFlight() { return maxInFlight; }

    public void setMaxInFlight(Integer maxInFlight) { this.maxInFlight = maxInFlight; }

    public DataSize getMaxInFlightBytes() { return maxInFlightBytes; }

    public void setMaxInFlightBytes(DataSize maxInFlightBytes) { this.maxInFlightBytes = maxInFlightBytes; }

    public Duration getCloseTimeout() { return closeTimeout; }

    public void setCloseTimeout(Duration closeTimeout) { this.closeTimeout = closeTimeout; }

    public Boolean getAutoStartup() { return autoStartup; }

    public void setAutoStartup(Boolean autoStartup) { this.autoStartup = autoStartup; }

    public Idempotency getIdempotency() { return idempotency; }

    public Retry getRetry() { return retry; }

    public DeadLetter getDeadLetter() { return deadLetter; }

    /** EFFECTIVELY_ONCE claims. */
    public static class Idempotency {
        /** How long a claim holds an id while its message is handled (renewed meanwhile). */
        private Duration lease;
        /** How long a done id is remembered, so a later copy is skipped. */
        private Duration retention;

        public Duration getLease() { return lease; }

        public void setLease(Duration lease) { this.lease = lease; }

        public Duration getRetention() { return retention; }

        public void setRetention(Duration retention) { this.retention = retention; }
    }

    /** Retries of a failing handler, in place, before the message is dead-lettered. */
    public static class Retry {
        /** Attempts, the first included. */
        private Integer maxAttempts;
        /** The first backoff. */
        private Duration initialBackoff;
        /** The backoff's growth factor per attempt. */
        private Double multiplier;
        /** The longest backoff. */
        private Duration maxBackoff;

        public Integer getMaxAttempts() { return maxAttempts; }

        public void setMaxAttempts(Integer maxAttempts) { this.maxAttempts = maxAttempts; }

        public Duration getInitialBackoff() { return initialBackoff; }

        public void setInitialBackoff(Duration initialBackoff) { this.initialBackoff = initialBackoff; }

        public Double getMultiplier() { return multiplier; }

        public void setMultiplier(Double multiplier) { this.multiplier = multiplier; }

        public Duration getMaxBackoff() { return maxBackoff; }

        public void setMaxBackoff(Duration maxBackoff) { this.maxBackoff = maxBackoff; }
    }

    /** Where messages go after their last attempt. */
    public static class DeadLetter {
        /** false: no dead-letter topic; a message that fails its last attempt stays unacknowledged. */
        private Boolean enabled;
        /** The dead-letter topic; by default the adapter's name for it (orders.DLT for orders). */
        private String topic;

        public Boolean getEnabled() { return enabled; }

        public void setEnabled(Boolean enabled) { this.enabled = enabled; }

        public String getTopic() { return topic; }

        public void setTopic(String topic) { this.topic = topic; }
    }
}
