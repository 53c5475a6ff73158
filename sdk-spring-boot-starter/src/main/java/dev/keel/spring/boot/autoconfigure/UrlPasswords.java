package dev.keel.spring.boot.autoconfigure;

import java.util.regex.Pattern;

/**
 * Masks the values of a broker URL's password parameters ({@code password=...}, {@code jms.password=...},
 * {@code trustStorePassword=...}), keeping the rest readable. Free of actuator types: properties' {@code toString}
 * uses it too.
 */
final class UrlPasswords {

    /** What stands for a masked value: the same as Spring Boot's actuator shows. */
    static final String MASK = "******";

    private static final Pattern PASSWORD_PARAMETER = Pattern.compile("(?i)([a-z.]*password=)[^&,)]*");

    private UrlPasswords() {
    }

    /** {@code url} with the values of its password parameters masked; null stays null. */
    static String mask(String url) {
        return url == null ? null : PASSWORD_PARAMETER.matcher(url).replaceAll("$1" + MASK);
    }
}
