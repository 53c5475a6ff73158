package dev.keel.spring.boot.autoconfigure;

import dev.keel.Codec;
import dev.keel.DeliveryGuarantee;
import dev.keel.MessageHandler;
import dev.keel.ordering.Ordering;
import dev.keel.spring.KeelListener;

/**
 * A {@link KeelListener} method found on a bean, its attributes' placeholders resolved and checked.
 *
 * @param source      bean name and method, for messages
 * @param guarantee   the annotation's guarantee, or null when it sets none
 * @param ordering    the annotation's ordering, or null when it sets none
 * @param lanes       the annotation's lanes, 0 when it sets none
 * @param maxInFlight the annotation's in-flight limit, 0 when it sets none
 * @param maxInFlightBytes the annotation's in-flight limit in payload bytes, 0 when it sets none
 * @param autoStartup the annotation's auto-startup, or null when it sets none
 * @param handler     calls the method (through the bean's proxy, if any)
 */
record AnnotatedListener(String source, String id, String topic, String group, DeliveryGuarantee guarantee,
                         Ordering ordering, int lanes, int maxInFlight, long maxInFlightBytes, Boolean autoStartup, Codec<Object> codec,
                         MessageHandler<Object> handler) {
}
