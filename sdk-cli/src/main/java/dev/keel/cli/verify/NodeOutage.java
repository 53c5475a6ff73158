package dev.keel.cli.verify;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * What happened to the node a round killed ({@code --kill-node}).
 *
 * @param node        its name
 * @param killedAfter when its kill command returned, from the round's start; {@code null}: never ran
 * @param kill        how the kill command ended; {@code null}: never ran
 * @param downFor     from the kill command's return to the start command's launch; {@code null}: not started
 * @param start       how the start command ended; {@code null}: never ran
 */
public record NodeOutage(String node, Duration killedAfter, NodeCommand.Result kill, Duration downFor,
                         NodeCommand.Result start) {

    /** Whether the kill command succeeded. */
    public boolean killed() {
        return kill != null && kill.succeeded();
    }

    /** Whether a control command failed (the run proved nothing about this outage). */
    public boolean controlFailed() {
        return kill == null || !kill.succeeded() || start == null || !start.succeeded();
    }

    /** What went wrong with the control commands, one line each; empty when nothing did. */
    public List<String> problems() {
        List<String> problems = new ArrayList<>();
        if (kill == null) {
            problems.add("node " + node + " was not killed: the round ended before --kill-at was reached");
        } else if (!kill.succeeded()) {
            problems.add(kill.describe());
        }
        if (start != null && !start.succeeded()) {
            problems.add(start.describe() + ": node " + node + " may still be down, start it by hand");
        }
        return problems;
    }
}
