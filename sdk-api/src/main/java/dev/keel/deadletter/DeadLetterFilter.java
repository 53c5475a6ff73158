package dev.keel.deadletter;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * Which dead letters an operation takes: all of them ({@link #all()}), or those with a cause class,
 * an id, or dead-lettered within a time range. Immutable; each {@code with} method returns a new filter
 * that must match that too.
 */
public final class DeadLetterFilter {

    private static final DeadLetterFilter ALL = new DeadLetterFilter(null, null, null, null);

    private final String causeClass;
    private final String id;
    private final Instant from;
    private final Instant until;

    private DeadLetterFilter(String causeClass, String id, Instant from, Instant until) {
        this.causeClass = causeClass;
        this.id = id;
        this.from = from;
        this.until = until;
    }

    /** Every dead letter. */
    public static DeadLetterFilter all() {
        return ALL;
    }

    /**
     * Only dead letters whose cause is exactly the class named {@code className} (fully qualified,
     * e.g. {@code java.lang.IllegalStateException}), or whose simple name is {@code className}.
     *
     * @throws IllegalArgumentException when {@code className} is blank
     */
    public DeadLetterFilter withCauseClass(String className) {
        if (className == null || className.isBlank()) {
            throw new IllegalArgumentException("causeClass must be a class name, was '" + className + "'");
        }
        return new DeadLetterFilter(className.strip(), id, from, until);
    }

    /** Only the dead letter(s) of message {@code messageId}. */
    public DeadLetterFilter withId(String messageId) {
        if (messageId == null || messageId.isEmpty()) {
            throw new IllegalArgumentException("id must be non-empty, was '" + messageId + "'");
        }
        return new DeadLetterFilter(causeClass, messageId, from, until);
    }

    /**
     * Only dead letters dead-lettered at or after {@code start} and before {@code end} (either may be
     * null: open). Dead letters without a dead-lettered time do not match a time range.
     *
     * @throws IllegalArgumentException when {@code end} is not after {@code start}
     */
    public DeadLetterFilter withTimeRange(Instant start, Instant end) {
        if (start != null && end != null && !end.isAfter(start)) {
            throw new IllegalArgumentException("the time range must end after it starts, was " + start + " to " + end);
        }
        return new DeadLetterFilter(causeClass, id, start, end);
    }

    public Optional<String> causeClass() {
        return Optional.ofNullable(causeClass);
    }

    public Optional<String> id() {
        return Optional.ofNullable(id);
    }

    public Optional<Instant> from() {
        return Optional.ofNullable(from);
    }

    public Optional<Instant> until() {
        return Optional.ofNullable(until);
    }

    /** Whether {@code letter} passes this filter. */
    public boolean matches(DeadLetter letter) {
        if (id != null && !id.equals(letter.id())) {
            return false;
        }
        if (causeClass != null) {
            String actual = letter.causeClass();
            if (actual == null || !(actual.equals(causeClass) || actual.endsWith("." + causeClass)
                    || actual.endsWith("$" + causeClass))) {
                return false;
            }
        }
        if (from != null || until != null) {
            Instant at = letter.deadLetteredAt();
            if (at == null || (from != null && at.isBefore(from)) || (until != null && !at.isBefore(until))) {
                return false;
            }
        }
        return true;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof DeadLetterFilter f && Objects.equals(causeClass, f.causeClass) && Objects.equals(id, f.id)
                && Objects.equals(from, f.from) && Objects.equals(until, f.until);
    }

    @Override
    public int hashCode() {
        return Objects.hash(causeClass, id, from, until);
    }

    @Override
    public String toString() {
        return "DeadLetterFilter{causeClass=" + causeClass + ", id=" + id + ", from=" + from + ", until=" + until + "}";
    }
}
