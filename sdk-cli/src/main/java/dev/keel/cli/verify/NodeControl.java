package dev.keel.cli.verify;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * One {@code --node-control NAME=COMMAND}: how to kill and start one broker node. The command is run
 * by {@code /bin/sh -c} with {@code {action}} replaced by {@code kill} or {@code start} and
 * {@code {node}} by the name; it must return once the action is done (exit 0), or fail (any other
 * exit status).
 *
 * @param name     the node's name, as {@code --kill-node} gives it
 * @param template the command, with {@code {action}} and optionally {@code {node}}
 */
public record NodeControl(String name, String template) {

    public static final String ACTION = "{action}";
    public static final String NODE = "{node}";
    public static final String KILL = "kill";
    public static final String START = "start";
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._:-]{0,62}");

    public NodeControl {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(template, "template");
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("--node-control: the node name '" + name + "' must be 1-63 letters, "
                    + "digits, '.', '_', ':' or '-', starting with a letter or digit");
        }
        if (template.isBlank()) {
            throw new IllegalArgumentException("--node-control " + name + "=: the command is empty; give e.g. "
                    + "--node-control '" + name + "=./nodes.sh {action} " + name + "'");
        }
        if (!template.contains(ACTION)) {
            throw new IllegalArgumentException("--node-control " + name + ": the command must contain " + ACTION
                    + " (replaced by kill or start), e.g. --node-control '" + name + "=./nodes.sh {action} "
                    + name + "'");
        }
    }

    /** Parses {@code NAME=COMMAND}. */
    public static NodeControl parse(String spec) {
        int eq = spec == null ? -1 : spec.indexOf('=');
        if (eq <= 0) {
            throw new IllegalArgumentException("--node-control must be NAME=COMMAND, e.g. --node-control "
                    + "'kafka-2=ssh kafka-2 sudo /opt/keel/node.sh {action}', was '" + spec + "'");
        }
        return new NodeControl(spec.substring(0, eq).strip(), spec.substring(eq + 1).strip());
    }

    /** The shell command for {@code action} ({@link #KILL} or {@link #START}). */
    public String command(String action) {
        if (!KILL.equals(action) && !START.equals(action)) {
            throw new IllegalArgumentException("action must be kill or start, was " + action);
        }
        return template.replace(ACTION, action).replace(NODE, name);
    }
}
