package dev.keel.testbrokers;

/**
 * {@link BrokerEndpoint#kill()} or {@link BrokerEndpoint#restart()} was called on an endpoint the
 * harness does not own (a configured endpoint, or a container). Fault tests should check
 * {@link BrokerEndpoint#supportsFaults()} first, or run with {@code KEEL_BROKERS=local}.
 */
public class FaultInjectionUnsupportedException extends UnsupportedOperationException {
    private static final long serialVersionUID = 1L;

    public FaultInjectionUnsupportedException(String message) {
        super(message);
    }
}
