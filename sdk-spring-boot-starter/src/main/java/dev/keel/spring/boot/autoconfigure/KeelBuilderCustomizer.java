package dev.keel.spring.boot.autoconfigure;

import dev.keel.core.Keel;

/**
 * Changes the {@link Keel.Builder} before the starter builds Keel: the place where an optional
 * module (for example tracing) adds what it needs. Beans of this type are applied in their
 * {@code @Order}, after the starter set the adapter, store, metrics and publisher settings.
 */
@FunctionalInterface
public interface KeelBuilderCustomizer {

    void customize(Keel.Builder builder);
}
