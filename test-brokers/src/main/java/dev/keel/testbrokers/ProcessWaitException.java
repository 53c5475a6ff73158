package dev.keel.testbrokers;

/**
 * A wait on a child process failed: the awaited line or exit did not come in time, or the process
 * ended first. The message ends with the tail of the process's output.
 */
public class ProcessWaitException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public ProcessWaitException(String message) {
        super(message);
    }

    public ProcessWaitException(String message, Throwable cause) {
        super(message, cause);
    }
}
