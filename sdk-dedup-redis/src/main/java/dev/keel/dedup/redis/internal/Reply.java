package dev.keel.dedup.redis.internal;

import java.util.List;

/**
 * One script run of a pipelined batch: the script's answer (an integer, or a list of integers for a
 * script over several keys), or the failure that run met.
 */
public record Reply(Object value, RuntimeException error) {

    static Reply of(Object value) {
        return new Reply(value, null);
    }

    static Reply failed(RuntimeException error) {
        return new Reply(null, error);
    }

    public boolean failed() {
        return error != null;
    }

    /** The integer answers of a script over several keys, one per key. */
    public List<Long> longs() {
        if (value instanceof List<?> answers) {
            return answers.stream().map(Long.class::cast).toList();
        }
        throw new IllegalStateException("the script answered " + value + ", expected a list of integers");
    }
}
