package dev.keel.spring.boot.autoconfigure;

import java.util.regex.Pattern;

/**
 * How a listener's {@code keel.listeners.<id>.*} properties are written for a given id. Spring Boot binds a map key
 * written without brackets only if it is lower-case letters, digits and dashes: a dot splits the key, and other
 * characters are dropped. So an id such as {@code repair-orders.DLT} (the default id of a reader of
 * {@code orders.DLT}) must be written {@code keel.listeners[repair-orders.DLT]}: every message that names a
 * listener's property uses this form.
 */
final class ListenerPropertyNames {

    private static final Pattern PLAIN_KEY = Pattern.compile("[a-z0-9-]+");

    private ListenerPropertyNames() {
    }

    /** {@code keel.listeners.<id>}, or {@code keel.listeners[<id>]} where the plain form would not bind. */
    static String prefix(String id) {
        return PLAIN_KEY.matcher(id).matches() ? "keel.listeners." + id : "keel.listeners[" + id + "]";
    }
}
