package dev.keel.testbrokers.internal;

import dev.keel.testbrokers.BrokerEndpoint;

/** A broker endpoint and the control that stops it at the end of the run. */
public record Provided(BrokerEndpoint endpoint, BrokerControl control) {
}
