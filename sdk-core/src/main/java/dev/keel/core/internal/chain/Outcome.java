package dev.keel.core.internal.chain;

/** How a message left the handling chain. All but DROPPED and RELEASED are acknowledged. */
public enum Outcome {
    /** The handler returned. */
    HANDLED,
    /** The id was already done: acknowledged without running the handler. */
    DUPLICATE,
    /** Dead-lettered with confirmation after its last attempt or a decoding failure. */
    DEAD_LETTERED,
    /** Given up on without acknowledging (revoked, closing or crashed): the broker redelivers it. */
    DROPPED,
    /**
     * Failed, and a retry copy was confirmed on the retry topic (non-blocking retry): acknowledged,
     * with its claim released rather than marked done.
     */
    RETRY_SCHEDULED,
    /** Skipped by the subscription's header filter: acknowledged without running the handler. */
    FILTERED,
    /**
     * Failed, and handed back to the broker after its backoff for another delivery (shared consumption,
     * {@link SharedRetryStep}): released rather than acknowledged, with its claim released rather than
     * marked done.
     */
    RELEASED
}
