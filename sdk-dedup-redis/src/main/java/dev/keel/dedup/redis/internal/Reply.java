package dev.keel.dedup.redis.internal;

import java.util.List;
import java.util.function.UnaryOperator;

/**
 * One entry of a pipelined batch: the command's answer (an integer, a list of integers for a script over
 * several keys, or the old value of a SET ... GET), or the failure that entry met. {@code ran}: the command
 * ran and {@code value} is its answer; an entry can have both ran and failed when only its wait for
 * replicas failed (the master has the write, a failover could lose it).
 */
public record Reply(Object value, RuntimeException error, boolean ran) {

    static Reply of(Object value) {
        return new Reply(value, null, true);
    }

    static Reply failed(RuntimeException error) {
        return new Reply(null, error, false);
    }

    /** This reply, failed with {@code error} although its command ran (its wait for replicas failed). */
    Reply unconfirmed(RuntimeException error) {
        return new Reply(value, error, ran);
    }

    /** This reply with {@code answer} applied to the value of a command that ran; the failure, if any, stays. */
    Reply map(UnaryOperator<Object> answer) {
        return ran ? new Reply(answer.apply(value), error, true) : this;
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
