package dev.keel.spring;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Makes a bean method a Keel listener: the starter subscribes it to {@link #topic()} as a member of
 * {@link #group()} once the application context has started, and closes the subscription (letting
 * in-flight messages finish) before Keel closes. The method takes one parameter: a
 * {@code dev.keel.Delivery<T>} (payload plus id, key, headers and attempt) or the payload {@code T}
 * itself. Returning is success (the message is acknowledged); throwing retries it, then
 * dead-letters it (see {@code dev.keel.retry.RetryPolicy}).
 *
 * <p>The payload codec: the {@code dev.keel.Codec} bean named {@link #codec()}; else the single
 * {@code Codec<T>} bean; else UTF-8 for {@code String}, raw bytes for {@code byte[]}, and JSON
 * (module sdk-jackson) for other types.
 *
 * <p>Settings are layered: {@code keel.listeners.<id>.*} properties override this annotation,
 * which overrides {@code keel.listener.defaults.*}, which override Keel's defaults. Every String
 * attribute may be a {@code ${...}} placeholder.
 *
 * <pre>{@code
 * @KeelListener(topic = "orders", group = "billing")
 * void bill(Delivery<Order> order) { billing.charge(order.id(), order.payload()); }
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

    /** AT_MOST_ONCE, AT_LEAST_ONCE or EFFECTIVELY_ONCE; empty: the defaults'. */
    String guarantee() default "";

    /** PER_KEY or UNORDERED; empty: the defaults'. */
    String ordering() default "";

    /** Handler threads; 0: the defaults'. */
    int lanes() default 0;

    /** Unfinished messages at most before fetching pauses; 0: the defaults'. */
    int maxInFlight() default 0;

    /** The name of the {@code dev.keel.Codec} bean that decodes the payload; empty: see the class description. */
    String codec() default "";
}
