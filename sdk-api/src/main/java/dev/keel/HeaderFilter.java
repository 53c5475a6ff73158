package dev.keel;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * A subscription's header filter: which messages reach its handler, by their application headers.
 * A message matches when header {@code name} equals the value ({@link #equalTo}), is one of the
 * values ({@link #in}), and, for a conjunction ({@link #and}), when every part matches. A message
 * without the header does not match. Immutable, with value {@code equals}.
 *
 * <p>Where the broker filters (RocketMQ SQL92 property filters, {@code Capability.BROKER_FILTER})
 * the filter runs there as {@link #toSql92()}; elsewhere Keel filters in the client: a message that
 * does not match is acknowledged in its place in the partition, counted as {@code FILTERED}, and
 * never reaches the handler nor the idempotency store.
 *
 * <p>Header names are 1-128 characters of {@code [A-Za-z0-9_]}, starting with a letter or
 * {@code _}, and not an SQL92 keyword (what every broker's filter language accepts as a property
 * name); values are 1-1024 characters, matched exactly (case-sensitive); a set holds 1-100 values.
 */
public final class HeaderFilter {

    /** The most values of one {@link #in} filter. */
    public static final int MAX_VALUES = 100;
    /** The most characters of a value. */
    public static final int MAX_VALUE_LENGTH = 1024;
    private static final Pattern NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,127}");
    private static final Set<String> KEYWORDS = Set.of("AND", "OR", "NOT", "IN", "IS", "NULL", "TRUE", "FALSE",
            "BETWEEN", "LIKE", "ESCAPE", "CONTAINS", "STARTSWITH", "ENDSWITH");

    /** The conditions that must all hold: header name to the values it may have. */
    private final List<Condition> conditions;

    private HeaderFilter(List<Condition> conditions) {
        this.conditions = List.copyOf(conditions);
    }

    /** Header {@code name} equals {@code value}. */
    public static HeaderFilter equalTo(String name, String value) {
        return in(name, List.of(Objects.requireNonNull(value, "value")));
    }

    /** Header {@code name} is one of {@code values} (1 to {@value #MAX_VALUES}). */
    public static HeaderFilter in(String name, String... values) {
        return in(name, List.of(Objects.requireNonNull(values, "values")));
    }

    /** Header {@code name} is one of {@code values} (1 to {@value #MAX_VALUES}). */
    public static HeaderFilter in(String name, Collection<String> values) {
        checkName(name);
        Objects.requireNonNull(values, "values");
        if (values.isEmpty() || values.size() > MAX_VALUES) {
            throw new IllegalArgumentException("a header filter on '" + name + "' needs 1-" + MAX_VALUES
                    + " values, was " + values.size());
        }
        TreeSet<String> set = new TreeSet<>();
        for (String value : values) {
            checkValue(name, value);
            set.add(value);
        }
        return new HeaderFilter(List.of(new Condition(name, Set.copyOf(set))));
    }

    /** This filter and {@code other}: a message matches when it matches both. */
    public HeaderFilter and(HeaderFilter other) {
        Objects.requireNonNull(other, "other");
        List<Condition> all = new ArrayList<>(conditions);
        all.addAll(other.conditions);
        return new HeaderFilter(all);
    }

    /** Whether a message with these headers matches. */
    public boolean matches(Map<String, String> headers) {
        for (Condition condition : conditions) {
            String value = headers.get(condition.name());
            if (value == null || !condition.values().contains(value)) {
                return false;
            }
        }
        return true;
    }

    /**
     * This filter as an SQL92 expression over message properties, e.g.
     * {@code (region IS NOT NULL AND region IN ('eu', 'us')) AND (tier = 'gold')}.
     */
    public String toSql92() {
        List<String> parts = new ArrayList<>();
        for (Condition condition : conditions) {
            List<String> literals = new TreeSet<>(condition.values()).stream().map(HeaderFilter::literal).toList();
            String test = literals.size() == 1 ? condition.name() + " = " + literals.get(0)
                    : condition.name() + " IN (" + String.join(", ", literals) + ")";
            parts.add("(" + condition.name() + " IS NOT NULL AND " + test + ")");
        }
        return String.join(" AND ", parts);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof HeaderFilter f && Set.copyOf(f.conditions).equals(Set.copyOf(conditions));
    }

    @Override
    public int hashCode() {
        return Set.copyOf(conditions).hashCode();
    }

    /** The header names and values (headers chosen for routing, never payloads). */
    @Override
    public String toString() {
        return "HeaderFilter{" + toSql92() + "}";
    }

    private static String literal(String value) {
        return "'" + value.replace("'", "''") + "'";
    }

    private static void checkName(String name) {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("a filtered header name must be 1-128 characters of [A-Za-z0-9_], "
                    + "starting with a letter or '_' (what broker filters accept as a property name), was '" + name
                    + "'");
        }
        if (KEYWORDS.contains(name.toUpperCase(Locale.ROOT))) {
            throw new IllegalArgumentException("a filtered header name must not be an SQL92 keyword, was '" + name
                    + "': rename the header");
        }
    }

    private static void checkValue(String name, String value) {
        if (value == null || value.isEmpty() || value.length() > MAX_VALUE_LENGTH) {
            throw new IllegalArgumentException("a value of the header filter on '" + name + "' must be 1-"
                    + MAX_VALUE_LENGTH + " characters, was " + (value == null ? "null" : value.length() + " characters"));
        }
    }

    private record Condition(String name, Set<String> values) {
    }
}
