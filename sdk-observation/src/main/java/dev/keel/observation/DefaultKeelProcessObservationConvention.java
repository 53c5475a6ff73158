package dev.keel.observation;

import dev.keel.Delivery;
import dev.keel.observation.KeelObservationDocumentation.Keys;
import io.micrometer.common.KeyValues;

/**
 * The default names of the process observation: {@value #NAME} (the metric name, when a meter
 * handler is registered), contextual name (span name) {@code process <topic>}, and OpenTelemetry's
 * messaging attributes plus {@code keel.delivery.attempt}. Extend it to add or change key values.
 */
public class DefaultKeelProcessObservationConvention implements KeelProcessObservationConvention {

    /** The observation's name. */
    public static final String NAME = "keel.process";
    /** The value of {@code messaging.operation.name} and {@code messaging.operation.type}. */
    public static final String OPERATION = "process";

    /** The shared instance. */
    public static final DefaultKeelProcessObservationConvention INSTANCE = new DefaultKeelProcessObservationConvention();

    @Override
    public String getName() {
        return NAME;
    }

    @Override
    public String getContextualName(KeelProcessContext context) {
        return OPERATION + " " + context.delivery().topic();
    }

    @Override
    public KeyValues getLowCardinalityKeyValues(KeelProcessContext context) {
        return KeyValues.of(Keys.MESSAGING_SYSTEM.withValue(context.messagingSystem()),
                Keys.DESTINATION_NAME.withValue(context.delivery().topic()),
                Keys.OPERATION_NAME.withValue(OPERATION),
                Keys.OPERATION_TYPE.withValue(OPERATION),
                Keys.CONSUMER_GROUP.withValue(context.group()));
    }

    @Override
    public KeyValues getHighCardinalityKeyValues(KeelProcessContext context) {
        Delivery<?> delivery = context.delivery();
        return KeyValues.of(Keys.MESSAGE_ID.withValue(delivery.id()),
                Keys.PARTITION_ID.withValue(delivery.partition()),
                Keys.BODY_SIZE.withValue(Integer.toString(delivery.message().payloadSize())),
                Keys.ATTEMPT.withValue(Integer.toString(delivery.attempt())));
    }
}
