package dev.keel;

/**
 * A reprocess ({@code Keel.reprocess}) that did not complete. Its message says in which state it
 * left the group and the idempotency store, and what to do; {@link #forgotten()},
 * {@link #restored()} and {@link #rewound()} say the same to code. The cause is what failed: a
 * {@link GroupActiveException} (a member joined before the rewind) or the store's failure (a
 * {@link StoreUnavailableException}). The group is never left rewound with done marks of the range
 * still in place: the marks are forgotten first, and when the rewind is refused (a member joined)
 * they are put back. Retriable: once the cause is gone (the group's members stopped,
 * the store back), the same reprocess run again completes it; a refused access
 * ({@link AccessRefusedException}) is not retriable, as retrying does not help until it is granted.
 */
public class ReprocessException extends KeelException {
    private static final long serialVersionUID = 1L;

    /** Done marks forgotten before the failure. */
    private final int forgotten;
    /** Of those, marks put back after the failure. */
    private final int restored;
    /** Whether the group may have been rewound, in part. */
    private final boolean rewound;

    /**
     * @param message   what happened, the state left and what to do
     * @param cause     what failed
     * @param forgotten done marks forgotten before the failure
     * @param restored  of those, the marks put back after it
     * @param rewound   whether the group may have been rewound (in part: a rewind that failed part way)
     */
    public ReprocessException(String message, Throwable cause, int forgotten, int restored, boolean rewound) {
        super(message, cause, !(cause instanceof AccessRefusedException));
        this.forgotten = forgotten;
        this.restored = restored;
        this.rewound = rewound;
    }

    /** How many done marks were forgotten before the failure. */
    public int forgotten() {
        return forgotten;
    }

    /** How many of the forgotten marks were put back after the failure (done or dead, as they were). */
    public int restored() {
        return restored;
    }

    /**
     * Whether the group may have been rewound, in part: only when the rewind itself failed part way
     * (not when it was refused). Its forgotten marks then stay forgotten, so that running the reprocess
     * again completes it.
     */
    public boolean rewound() {
        return rewound;
    }
}
