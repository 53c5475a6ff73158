package dev.keel.dedup.redis.internal;

/** One entry of a pipelined batch: the script's integer answer, or the failure that entry met. */
public record Reply(long value, RuntimeException error) {

    static Reply of(long value) {
        return new Reply(value, null);
    }

    static Reply failed(RuntimeException error) {
        return new Reply(0, error);
    }

    public boolean failed() {
        return error != null;
    }
}
