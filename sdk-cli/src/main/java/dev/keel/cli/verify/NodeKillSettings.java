package dev.keel.cli.verify;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * {@code --kill-node}, validated at once: which nodes to kill (round n kills the n-th, cycling), how
 * each is killed and started again ({@code --node-control}), when in the round, and for how long.
 *
 * @param controls       every {@code --node-control}, by name
 * @param kills          the nodes to kill, in round order
 * @param at             the fraction of a round's publishes sent before the kill; the rest go while the node is down
 * @param downFor        how long the node stays down before its start command runs
 * @param controlTimeout how long one kill or start command may take
 */
public record NodeKillSettings(Map<String, NodeControl> controls, List<String> kills, double at, Duration downFor,
                               Duration controlTimeout) {

    public static final double DEFAULT_AT = 0.3;
    public static final Duration DEFAULT_DOWN_FOR = Duration.ofSeconds(10);
    public static final Duration DEFAULT_CONTROL_TIMEOUT = Duration.ofSeconds(120);

    public NodeKillSettings {
        controls = Map.copyOf(controls);
        kills = List.copyOf(kills);
        if (kills.isEmpty()) {
            throw new IllegalArgumentException("--kill-node needs a node name");
        }
        for (String node : kills) {
            if (!controls.containsKey(node)) {
                throw new IllegalArgumentException("--kill-node " + node + ": no --node-control for it; add "
                        + "--node-control '" + node + "=<command with {action}>' (known: "
                        + (controls.isEmpty() ? "none" : String.join(", ", controls.keySet().stream().sorted()
                        .toList())) + ")");
            }
        }
        if (!(at > 0.0 && at < 1.0)) {
            throw new IllegalArgumentException("--kill-at must be a fraction of the round's publishes in (0, 1), was "
                    + at);
        }
        if (downFor == null || downFor.isNegative() || downFor.compareTo(Duration.ofMinutes(30)) > 0) {
            throw new IllegalArgumentException("--down-for must be between 0s and 30m, was " + downFor);
        }
        if (controlTimeout == null || controlTimeout.compareTo(Duration.ofSeconds(1)) < 0
                || controlTimeout.compareTo(Duration.ofMinutes(30)) > 0) {
            throw new IllegalArgumentException("--control-timeout must be between 1s and 30m, was " + controlTimeout);
        }
    }

    /**
     * The settings of {@code --kill-node}/{@code --node-control}; {@code null} when neither is given.
     *
     * @throws IllegalArgumentException saying which flag to fix
     */
    public static NodeKillSettings of(List<String> killNodes, List<String> nodeControls, double at, Duration downFor,
                                      Duration controlTimeout) {
        List<String> kills = killNodes == null ? List.of() : killNodes.stream()
                .flatMap(s -> List.of(s.split(",", -1)).stream()).map(String::strip).toList();
        List<String> specs = nodeControls == null ? List.of() : nodeControls;
        if (kills.isEmpty() && specs.isEmpty()) {
            return null;
        }
        Map<String, NodeControl> controls = new LinkedHashMap<>();
        for (String spec : specs) {
            NodeControl control = NodeControl.parse(spec);
            if (controls.putIfAbsent(control.name(), control) != null) {
                throw new IllegalArgumentException("--node-control " + control.name() + " is given twice");
            }
        }
        if (kills.isEmpty()) {
            throw new IllegalArgumentException("--node-control does nothing without --kill-node NAME: say which "
                    + "node to kill (one of " + String.join(", ", controls.keySet()) + ")");
        }
        if (kills.stream().anyMatch(String::isEmpty)) {
            throw new IllegalArgumentException("--kill-node must be node names separated by commas, was "
                    + String.join(",", kills));
        }
        return new NodeKillSettings(controls, kills, at, Objects.requireNonNull(downFor, "--down-for"),
                Objects.requireNonNull(controlTimeout, "--control-timeout"));
    }

    /** The node round {@code round} (from 1) kills. */
    public NodeControl nodeOfRound(int round) {
        return controls.get(kills.get((round - 1) % kills.size()));
    }
}
