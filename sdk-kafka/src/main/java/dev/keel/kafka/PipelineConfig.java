package dev.keel.kafka;

import java.util.Objects;

/**
 * What a {@link TransactionalPipeline} reads and how it commits: the input topic and consumer group, the
 * producer's {@code transactional.id} and the most input records per transaction. Immutable; the builder
 * validates each value at once.
 */
public final class PipelineConfig {

    /** The most input records read, transformed and committed in one transaction. */
    public static final int DEFAULT_MAX_BATCH = 500;

    private final String inputTopic;
    private final String group;
    private final String transactionalId;
    private final int maxBatch;

    private PipelineConfig(Builder b) {
        this.inputTopic = b.inputTopic;
        this.group = b.group;
        this.transactionalId = b.transactionalId;
        this.maxBatch = b.maxBatch;
    }

    /**
     * A builder for a pipeline that reads {@code inputTopic} in consumer group {@code group} and writes with
     * {@code transactionalId}: give every instance its own id, stable across its restarts (for example
     * {@code <service>-<instance>}), so a restarted instance fences and aborts what its crashed predecessor left open.
     */
    public static Builder builder(String inputTopic, String group, String transactionalId) {
        return new Builder(inputTopic, group, transactionalId);
    }

    /** A builder starting from {@code base}. */
    public static Builder from(PipelineConfig base) {
        return new Builder(base.inputTopic, base.group, base.transactionalId).maxBatch(base.maxBatch);
    }

    public String inputTopic() {
        return inputTopic;
    }

    public String group() {
        return group;
    }

    public String transactionalId() {
        return transactionalId;
    }

    public int maxBatch() {
        return maxBatch;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PipelineConfig c && c.inputTopic.equals(inputTopic) && c.group.equals(group)
                && c.transactionalId.equals(transactionalId) && c.maxBatch == maxBatch;
    }

    @Override
    public int hashCode() {
        return Objects.hash(inputTopic, group, transactionalId, maxBatch);
    }

    @Override
    public String toString() {
        return "PipelineConfig{inputTopic=" + inputTopic + ", group=" + group + ", transactionalId=" + transactionalId
                + ", maxBatch=" + maxBatch + "}";
    }

    /** Builds a {@link PipelineConfig}. */
    public static final class Builder {
        private final String inputTopic;
        private final String group;
        private final String transactionalId;
        private int maxBatch = DEFAULT_MAX_BATCH;

        private Builder(String inputTopic, String group, String transactionalId) {
            this.inputTopic = nonBlank(inputTopic, "inputTopic");
            this.group = nonBlank(group, "group");
            this.transactionalId = nonBlank(transactionalId, "transactionalId");
        }

        /** The most input records per transaction, at least 1 (default {@value #DEFAULT_MAX_BATCH}). */
        public Builder maxBatch(int maxBatch) {
            if (maxBatch < 1) {
                throw new IllegalArgumentException("maxBatch must be at least 1, was " + maxBatch);
            }
            this.maxBatch = maxBatch;
            return this;
        }

        public PipelineConfig build() {
            return new PipelineConfig(this);
        }

        private static String nonBlank(String value, String name) {
            Objects.requireNonNull(value, name);
            if (value.isBlank()) {
                throw new IllegalArgumentException(name + " must not be blank");
            }
            return value;
        }
    }
}
