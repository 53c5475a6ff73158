package dev.keel.cli.verify;

/** What verify checks, one kind per guarantee. */
public enum ViolationKind {
    LOST("lost", "a confirmed message whose effect was never applied"),
    DUPLICATE_EFFECT("duplicate effect", "an id applied more than once, not in any crash's window"),
    CRASH_WINDOW_EXCEEDED("crash window exceeded", "more repeats than the crash window admits (README)"),
    OUT_OF_ORDER("out of order", "a key whose messages were applied out of publish order"),
    DEAD_LETTER_MISSING("dead letter missing", "a poison message not found in the dead letters"),
    DEAD_LETTER_WITHOUT_CAUSE("dead letter without cause", "a dead letter without its cause headers"),
    UNEXPECTED_DEAD_LETTER("unexpected dead letter", "a healthy message sent to the dead letters"),
    OVERSIZED("oversized mishandled", "an oversized message not refused with a typed error, or disturbing others");

    private final String label;
    private final String meaning;

    ViolationKind(String label, String meaning) {
        this.label = label;
        this.meaning = meaning;
    }

    public String label() {
        return label;
    }

    public String meaning() {
        return meaning;
    }
}
