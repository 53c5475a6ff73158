package dev.keel.outbox.jdbc.internal;

import java.util.regex.Pattern;

/** Table name prefixes: validated once, so that names can be put into SQL text safely. */
public final class Names {

    /** The prefix of every table (and index) in the shipped scripts. */
    public static final String DEFAULT_TABLE_PREFIX = "keel_";
    private static final Pattern PREFIX = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,39}");

    private Names() {
    }

    /**
     * @throws IllegalArgumentException unless {@code prefix} is a letter or underscore followed by up to 39
     *                                  letters, digits or underscores
     */
    public static String checkPrefix(String prefix) {
        if (prefix == null || !PREFIX.matcher(prefix).matches()) {
            throw new IllegalArgumentException("tablePrefix must be a letter or '_' followed by up to 39 letters, digits"
                    + " or '_' (it is put into SQL as part of table names), was '" + prefix + "'");
        }
        return prefix;
    }
}
