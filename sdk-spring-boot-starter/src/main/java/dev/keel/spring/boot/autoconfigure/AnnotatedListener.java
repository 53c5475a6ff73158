package dev.keel.spring.boot.autoconfigure;

import dev.keel.Codec;
import dev.keel.MessageHandler;
import dev.keel.spring.KeelListener;

/**
 * A {@link KeelListener} method found on a bean, its attributes' placeholders resolved.
 *
 * @param source  bean name and method, for messages
 * @param handler calls the method (through the bean's proxy, if any)
 */
record AnnotatedListener(String source, String id, String topic, String group, String guarantee, String ordering,
                         int lanes, int maxInFlight, Codec<Object> codec, MessageHandler<Object> handler) {
}
