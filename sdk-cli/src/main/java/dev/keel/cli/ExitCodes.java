package dev.keel.cli;

/** The process exit codes of {@code keel}, documented in docs/cli.md. */
public final class ExitCodes {

    /** Everything checked held (verify) or the run completed (bench). */
    public static final int OK = 0;
    /** verify found at least one violation of a guarantee. */
    public static final int VIOLATIONS = 1;
    /** A bad flag or value, an unreachable broker or Redis, a broker that is not available yet. */
    public static final int USAGE_OR_ENVIRONMENT = 2;
    /** A bug in keel itself: the message says what failed; rerun with --stacktrace and report it. */
    public static final int INTERNAL_ERROR = 3;

    private ExitCodes() {
    }
}
