package dev.keel.spring;

import dev.keel.DeliveryGuarantee;
import dev.keel.ordering.Ordering;
import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Makes a bean method a Keel listener: the starter subscribes it to {@link #topic()} as a member of
 * {@link #group()} once the application context has started, and closes the subscription (letting
 * in-flight messages finish) before Keel closes. Returning is success (the message is acknowledged); throwing
 * retries it, then dead-letters it (see {@code dev.keel.retry.RetryPolicy}).
 *
 * <p>The method's parameters, in any order: the payload {@code T} (a parameter without annotation, or with
 * spring-messaging's {@code @Payload}), or a {@code dev.keel.Delivery<T>} (payload plus id, key, headers and
 * attempt), or both; any number of {@code @Header("name")} parameters (an application header, one of Keel's
 * {@code KeelHeaders}, or a received value of {@link KeelListenerHeaders}), converted to the parameter's type; a
 * {@code @Headers Map<String, String>}; and, for the JDBC inbox, a {@code java.sql.Connection}. A message without a
 * required header, or with one that does not convert, goes to the dead letters at once.
 *
 * <p>The payload codec: the {@code dev.keel.Codec} bean named {@link #codec()}; else the single
 * {@code Codec<T>} bean; else UTF-8 for {@code String}, raw bytes for {@code byte[]}, and JSON
 * (module sdk-jackson) for other types.
 *
 * <p>Settings are layered: {@code keel.listeners.<id>.*} properties override this annotation,
 * which overrides {@code keel.listener.defaults.*}, which override Keel's defaults. The String
 * attributes may be {@code ${...}} placeholders. Every attribute is checked when the application starts: a value
 * out of range fails the startup with a {@link ListenerDefinitionException} naming the listener and the values
 * allowed.
 *
 * <pre>{@code
 * @KeelListener(topic = "orders", group = "billing", guarantee = DeliveryGuarantee.EFFECTIVELY_ONCE)
 * void bill(@Payload Order order, @Header(KeelListenerHeaders.ID) String id) { billing.charge(id, order); }
 * }</pre>
 */
@Target(ElementType.METHOD)
@Retention(RetentionPolicy.RUNTIME)
@Documented
public @interface KeelListener {

    /** The topic to consume. */
    String topic();

    /**
     * The consumer group; each group gets every message, members of one group share them. Two
     * listeners of one application on the same topic and group fail the startup
     * ({@link ListenerConflictException}).
     */
    String group();

    /**
     * The listener's id, the key of its {@code keel.listeners.<id>.*} properties; unique in the
     * application. Default: {@code <group>-<topic>}.
     */
    String id() default "";

    /**
     * The delivery guarantee: one of {@code DeliveryGuarantee}'s values; none (the default) leaves
     * {@code keel.listener.defaults.guarantee}, else {@code EFFECTIVELY_ONCE}. An array only so that it can be left
     * unset, as Spring's {@code @RequestMapping(method = ...)}: more than one value fails the startup.
     */
    DeliveryGuarantee[] guarantee() default {};

    /**
     * {@code PER_KEY} or {@code UNORDERED}; none (the default) leaves {@code keel.listener.defaults.ordering}, else
     * {@code PER_KEY}. More than one value fails the startup.
     */
    Ordering[] ordering() default {};

    /** Handler threads; 0 (the default): the defaults'; below 0 fails the startup. */
    int lanes() default 0;

    /** Unfinished messages at most before fetching pauses; 0 (the default): the defaults'; below 0 fails the startup. */
    int maxInFlight() default 0;

    /**
     * Payload bytes of the unfinished messages at most before fetching pauses, as a size ({@code "8MB"}, {@code "512KB"},
     * {@code "1048576"} bytes) or a placeholder resolving to one; empty or blank (the default): the defaults'
     * ({@code keel.listener.defaults.max-in-flight-bytes}, else 64 MiB). A value that is not a size, or below 1 byte,
     * fails the startup. {@code keel.listeners.<id>.max-in-flight-bytes} overrides it.
     */
    String maxInFlightBytes() default "";

    /**
     * Whether the listener subscribes when the application starts: {@code "true"}, {@code "false"} or a
     * placeholder resolving to one; empty (the default) leaves {@code keel.listener.defaults.auto-startup}, else
     * true. {@code keel.listeners.<id>.auto-startup} overrides it. A stopped listener is started through
     * {@code KeelListenerRegistry.start(id)}.
     */
    String autoStartup() default "";

    /** The name of the {@code dev.keel.Codec} bean that decodes the payload; empty: see the class description. */
    String codec() default "";
}
