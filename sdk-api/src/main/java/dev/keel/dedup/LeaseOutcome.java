package dev.keel.dedup;

/** What became of a complete or release: applied, or the caller no longer owned the id (lease lost). */
public enum LeaseOutcome {
    /** The caller's token still owned the id; the change was made. */
    APPLIED,
    /** The lease had expired or another owner had taken the id: nothing was changed. */
    LOST
}
