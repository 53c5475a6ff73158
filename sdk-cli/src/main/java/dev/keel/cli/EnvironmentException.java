package dev.keel.cli;

/**
 * Something outside keel stops the run: a broker or Redis that cannot be reached, a broker mode
 * whose adapter has not landed. The message says what is wrong and what to do; it is printed
 * without a stack trace and the process exits with {@link ExitCodes#USAGE_OR_ENVIRONMENT}.
 */
public final class EnvironmentException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public EnvironmentException(String message) {
        super(message);
    }

    public EnvironmentException(String message, Throwable cause) {
        super(message, cause);
    }
}
