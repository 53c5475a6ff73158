package dev.keel.cli.verify.features;

/** What the feature workloads check, one kind per promise, each counted on its own. */
public enum FeatureViolation {
    DELAY_EARLY("delivered early", "a delayed message applied before its due time"),
    DELAY_LOST("delayed message lost", "a confirmed delayed message never applied"),
    DELAY_TWICE("delayed message applied twice", "a delayed message whose effect was applied more than once"),
    RETRY_LOST("retried message lost", "a confirmed message that failed transiently and was never applied"),
    RETRY_TWICE("retried message applied twice", "a retried message whose effect was applied more than once"),
    RETRY_DEAD_LETTERED("retried message dead-lettered",
            "a message that failed fewer times than its attempts dead-lettered all the same"),
    REDRIVE_LOST("re-driven message lost", "a dead-lettered message not applied after its re-drive"),
    REDRIVE_TWICE("re-driven message applied twice", "a message applied more than once by the group it was "
            + "re-driven for (a re-drive repeated by mistake runs nothing again)"),
    REDRIVE_OTHER_GROUP("re-drive reached another group", "a re-driven copy run by a group it was not re-driven for"),
    REDRIVE_LEFT_BEHIND("dead letter left behind", "a re-driven message still in its group's dead letters"),
    HEALTHY_LOST("healthy message lost", "a confirmed message that never failed and was never applied"),
    HEALTHY_TWICE("healthy message applied twice", "a message that never failed applied more than once");

    private final String label;
    private final String meaning;

    FeatureViolation(String label, String meaning) {
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
