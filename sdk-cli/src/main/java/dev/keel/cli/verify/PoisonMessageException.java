package dev.keel.cli.verify;

/** What verify's handler throws for a poison message, every time: it must end in the dead letters. */
public final class PoisonMessageException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** The cause message starts with this, so the dead letter's cause can be recognised. */
    public static final String MESSAGE_PREFIX = "poison message";

    PoisonMessageException(String id) {
        super(MESSAGE_PREFIX + " " + id + " (injected by keel verify: its handler always fails)", null, false, false);
    }
}
