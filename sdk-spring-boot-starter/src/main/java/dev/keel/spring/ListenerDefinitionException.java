package dev.keel.spring;

import dev.keel.KeelException;
import java.util.Objects;

/**
 * A listener the application declares cannot be subscribed as declared: a {@link KeelListener} method whose
 * parameters Keel cannot fill, an attribute or {@code keel.listeners.<id>.*} / {@code keel.listener.defaults.*}
 * value out of its range. Thrown while the application starts, before any listener subscribes; Spring Boot reports
 * it as "APPLICATION FAILED TO START" with {@link #problem()} as the description and {@link #action()} as the
 * action. Not retriable.
 */
public class ListenerDefinitionException extends KeelException {

    private static final long serialVersionUID = 1L;

    private final String listener;
    private final String problem;
    private final String action;

    /**
     * @param listener the listener: its id when known, and where it is declared ({@code @KeelListener method
     *                 billing.bill})
     * @param problem  what is wrong, with the value found and the values allowed
     * @param action   what to change
     */
    public ListenerDefinitionException(String listener, String problem, String action) {
        this(listener, problem, action, null);
    }

    /** The same, with the failure behind it. */
    public ListenerDefinitionException(String listener, String problem, String action, Throwable cause) {
        super("Keel listener " + listener + ": " + problem + ". " + action, cause, false);
        this.listener = Objects.requireNonNull(listener, "listener");
        this.problem = Objects.requireNonNull(problem, "problem");
        this.action = Objects.requireNonNull(action, "action");
    }

    /** The listener, its id and where it is declared. */
    public String listener() {
        return listener;
    }

    /** What is wrong. */
    public String problem() {
        return problem;
    }

    /** What to change. */
    public String action() {
        return action;
    }
}
