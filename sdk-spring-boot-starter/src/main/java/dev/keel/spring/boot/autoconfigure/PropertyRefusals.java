package dev.keel.spring.boot.autoconfigure;

import java.util.function.Supplier;

/** A config's refusal of a value, named with the properties it comes from ({@code keel.kafka.*: ...}). */
final class PropertyRefusals {

    private PropertyRefusals() {
    }

    /** {@code config}'s value; its refusal ({@link IllegalArgumentException}) prefixed with {@code prefix}. */
    static <T> T named(String prefix, Supplier<T> config) {
        try {
            return config.get();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(prefix + ".*: " + e.getMessage(), e);
        }
    }
}
