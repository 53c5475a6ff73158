package dev.keel.spring.boot.autoconfigure;

import dev.keel.Message;
import java.util.function.BiFunction;

/**
 * What adds the current trace context to a message written to the outbox (topic, message with its id): a type of the
 * starter's own, so that the outbox's configuration names no sdk-observation type.
 *
 * @param function the function, such as {@code ObservationInterceptor::withTraceContext}
 */
record OutboxTraceContext(BiFunction<String, Message, Message> function) {
}
