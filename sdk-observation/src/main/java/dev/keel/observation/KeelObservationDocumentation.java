package dev.keel.observation;

import io.micrometer.common.docs.KeyName;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationConvention;
import io.micrometer.observation.docs.ObservationDocumentation;

/**
 * The two observations Keel makes, with their key names: {@link #PUBLISH} around each publish (a
 * producer span when traced) and {@link #PROCESS} around each attempt of a handler (a consumer span).
 * The names follow OpenTelemetry's semantic conventions for messaging where they have one.
 */
public enum KeelObservationDocumentation implements ObservationDocumentation {

    /** One publish, from the call until the broker confirmed it or it failed. */
    PUBLISH {
        @Override
        public Class<? extends ObservationConvention<? extends Observation.Context>> getDefaultConvention() {
            return DefaultKeelPublishObservationConvention.class;
        }

        @Override
        public KeyName[] getLowCardinalityKeyNames() {
            return new KeyName[] {Keys.MESSAGING_SYSTEM, Keys.DESTINATION_NAME, Keys.OPERATION_NAME,
                    Keys.OPERATION_TYPE};
        }

        @Override
        public KeyName[] getHighCardinalityKeyNames() {
            return new KeyName[] {Keys.MESSAGE_ID, Keys.PARTITION_ID, Keys.BODY_SIZE};
        }
    },

    /** One attempt of a subscription's handler at one delivery. */
    PROCESS {
        @Override
        public Class<? extends ObservationConvention<? extends Observation.Context>> getDefaultConvention() {
            return DefaultKeelProcessObservationConvention.class;
        }

        @Override
        public KeyName[] getLowCardinalityKeyNames() {
            return new KeyName[] {Keys.MESSAGING_SYSTEM, Keys.DESTINATION_NAME, Keys.OPERATION_NAME,
                    Keys.OPERATION_TYPE, Keys.CONSUMER_GROUP};
        }

        @Override
        public KeyName[] getHighCardinalityKeyNames() {
            return new KeyName[] {Keys.MESSAGE_ID, Keys.PARTITION_ID, Keys.BODY_SIZE, Keys.ATTEMPT};
        }
    };

    /** The key names of Keel's observations (span attributes when traced). */
    public enum Keys implements KeyName {
        /** {@code messaging.system}: {@code kafka}, {@code rabbitmq}, {@code rocketmq}, {@code activemq}, or as configured. */
        MESSAGING_SYSTEM("messaging.system"),
        /** {@code messaging.destination.name}: the topic. */
        DESTINATION_NAME("messaging.destination.name"),
        /** {@code messaging.operation.name}: {@code send} or {@code process}. */
        OPERATION_NAME("messaging.operation.name"),
        /** {@code messaging.operation.type}: {@code send} or {@code process}. */
        OPERATION_TYPE("messaging.operation.type"),
        /** {@code messaging.consumer.group.name}: the subscription's group. */
        CONSUMER_GROUP("messaging.consumer.group.name"),
        /** {@code messaging.message.id}: Keel's message id (the idempotency id). */
        MESSAGE_ID("messaging.message.id"),
        /** {@code messaging.destination.partition.id}: the partition (on a publish, once confirmed). */
        PARTITION_ID("messaging.destination.partition.id"),
        /** {@code messaging.message.body.size}: the payload size in bytes. */
        BODY_SIZE("messaging.message.body.size"),
        /**
         * {@code keel.delivery.attempt}: 1 for the first attempt, counting retries and broker
         * redeliveries (OpenTelemetry has no general attribute for it).
         */
        ATTEMPT("keel.delivery.attempt");

        private final String name;

        Keys(String name) {
            this.name = name;
        }

        @Override
        public String asString() {
            return name;
        }
    }
}
