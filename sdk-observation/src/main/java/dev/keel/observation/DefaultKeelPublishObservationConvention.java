package dev.keel.observation;

import dev.keel.PublishReceipt;
import dev.keel.observation.KeelObservationDocumentation.Keys;
import io.micrometer.common.KeyValues;

/**
 * The default names of the publish observation: {@value #NAME} (the metric name, when a meter
 * handler is registered), contextual name (span name) {@code send <topic>}, and OpenTelemetry's
 * messaging attributes. Extend it to add or change key values.
 */
public class DefaultKeelPublishObservationConvention implements KeelPublishObservationConvention {

    /** The observation's name. */
    public static final String NAME = "keel.publish";
    /** The value of {@code messaging.operation.name} and {@code messaging.operation.type}. */
    public static final String OPERATION = "send";

    /** The shared instance. */
    public static final DefaultKeelPublishObservationConvention INSTANCE = new DefaultKeelPublishObservationConvention();

    @Override
    public String getName() {
        return NAME;
    }

    @Override
    public String getContextualName(KeelPublishContext context) {
        return OPERATION + " " + context.topic();
    }

    @Override
    public KeyValues getLowCardinalityKeyValues(KeelPublishContext context) {
        return KeyValues.of(Keys.MESSAGING_SYSTEM.withValue(context.messagingSystem()),
                Keys.DESTINATION_NAME.withValue(context.topic()),
                Keys.OPERATION_NAME.withValue(OPERATION),
                Keys.OPERATION_TYPE.withValue(OPERATION));
    }

    /** The message id and body size; the partition too once the broker confirmed the publish. */
    @Override
    public KeyValues getHighCardinalityKeyValues(KeelPublishContext context) {
        KeyValues values = KeyValues.of(Keys.MESSAGE_ID.withValue(context.message().id()),
                Keys.BODY_SIZE.withValue(Integer.toString(context.message().payloadSize())));
        PublishReceipt receipt = context.receipt();
        return receipt == null ? values : values.and(Keys.PARTITION_ID.withValue(receipt.partition()));
    }
}
