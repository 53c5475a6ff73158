package dev.keel.spring;

import dev.keel.MessageHandler;
import dev.keel.SubscriptionConfig;
import java.util.Objects;

/**
 * A listener declared as a bean instead of with {@link KeelListener}: the starter subscribes
 * {@link #handler()} with {@link #config()} once the application context has started, in the same
 * registry and lifecycle as annotated listeners. {@code keel.listeners.<id>.*} properties override
 * its config; {@code keel.listener.defaults.*} do not (the config is complete already).
 *
 * <pre>{@code
 * @Bean
 * KeelListenerEndpoint<String> audit() {
 *     return KeelListenerEndpoint.of("audit",
 *         SubscriptionConfig.builder("orders", "audit", Codec.utf8()).build(),
 *         delivery -> log.info("order {}", delivery.id()));
 * }
 * }</pre>
 *
 * @param <T> the payload type
 */
public final class KeelListenerEndpoint<T> {

    private final String id;
    private final SubscriptionConfig<T> config;
    private final MessageHandler<T> handler;

    private KeelListenerEndpoint(String id, SubscriptionConfig<T> config, MessageHandler<T> handler) {
        if (id == null || id.isBlank()) {
            throw new IllegalArgumentException("listener id must not be blank");
        }
        this.id = id;
        this.config = Objects.requireNonNull(config, "config");
        this.handler = Objects.requireNonNull(handler, "handler");
    }

    /**
     * A listener with {@code id} (the key of its {@code keel.listeners.<id>.*} properties).
     *
     * @throws IllegalArgumentException if {@code id} is blank
     */
    public static <T> KeelListenerEndpoint<T> of(String id, SubscriptionConfig<T> config, MessageHandler<T> handler) {
        return new KeelListenerEndpoint<>(id, config, handler);
    }

    /** The listener's id, unique in the application. */
    public String id() {
        return id;
    }

    public SubscriptionConfig<T> config() {
        return config;
    }

    public MessageHandler<T> handler() {
        return handler;
    }

    @Override
    public String toString() {
        return "KeelListenerEndpoint{id=" + id + ", topic=" + config.topic() + ", group=" + config.group() + "}";
    }
}
