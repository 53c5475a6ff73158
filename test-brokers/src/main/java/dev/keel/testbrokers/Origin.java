package dev.keel.testbrokers;

/** Where a broker endpoint came from; decides whether the harness may kill and restart it. */
public enum Origin {
    /** Named by an environment variable or system property; the harness does not own it. */
    CONFIGURED,
    /** A Testcontainers container started by the harness. */
    CONTAINER,
    /** A local process or system service started or administered by the harness. */
    LOCAL
}
