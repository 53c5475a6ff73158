package dev.keel.testbrokers.internal;

import dev.keel.testbrokers.BrokerEndpoint;

import java.util.Objects;

/**
 * A broker endpoint, the control that stops it at the end of the run, and what runs it for the report
 * (the image of a container; empty otherwise).
 */
public record Provided(BrokerEndpoint endpoint, BrokerControl control, String runs) {
    public Provided {
        Objects.requireNonNull(endpoint, "endpoint");
        Objects.requireNonNull(control, "control");
        Objects.requireNonNull(runs, "runs");
    }

    public Provided(BrokerEndpoint endpoint, BrokerControl control) {
        this(endpoint, control, "");
    }
}
