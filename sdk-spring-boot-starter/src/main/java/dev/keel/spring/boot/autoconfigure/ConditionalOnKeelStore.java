package dev.keel.spring.boot.autoconfigure;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.springframework.context.annotation.Conditional;

/**
 * Matches when {@code keel.idempotency.store} selects the store {@link #value()}, read as {@link KeelProperties}
 * binds it (any spelling Spring binds to the enum: {@code in-memory}, {@code IN_MEMORY}, {@code in_memory}), or, with
 * {@link #matchIfMissing()}, when the property is not set.
 */
@Target({ElementType.TYPE, ElementType.METHOD})
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Conditional(OnKeelStoreCondition.class)
@interface ConditionalOnKeelStore {

    /** The store chosen. */
    KeelProperties.StoreType value();

    /** Whether an unset {@code keel.idempotency.store} matches. */
    boolean matchIfMissing() default false;
}
