package dev.keel.testbrokers;

import dev.keel.testbrokers.internal.BrokerControl;

import java.util.Objects;

/**
 * A RocketMQ name server with one broker registered. {@link #kill()}, {@link #restart()}, {@link #pause()} and
 * {@link #resume()} act on the broker; the name server keeps running.
 */
public final class RocketEndpoint extends BrokerEndpoint {
    private final String nameServerAddress;

    public RocketEndpoint(Origin origin, String nameServerAddress, BrokerControl control) {
        super(BrokerKind.ROCKET, origin, control);
        this.nameServerAddress = Objects.requireNonNull(nameServerAddress, "nameServerAddress");
    }

    /** Value for the clients' {@code namesrvAddr}, e.g. {@code 127.0.0.1:29876}. */
    public String nameServerAddress() {
        return nameServerAddress;
    }

    /**
     * Freezes the broker process (SIGSTOP, Linux and macOS): it keeps its connections and its registration with the name
     * server, and answers nothing, like a broker stuck in a long pause or behind a network that drops everything. Call
     * {@link #resume()} in a {@code finally}: a broker left paused fails every later test of the JVM.
     *
     * @throws FaultInjectionUnsupportedException when the harness does not own the broker
     */
    public void pause() {
        control().pause();
    }

    /**
     * Lets a {@link #pause() paused} broker run again (SIGCONT); it answers what it was sent meanwhile. Nothing happens
     * when it runs.
     *
     * @throws FaultInjectionUnsupportedException when the harness does not own the broker
     */
    public void resume() {
        control().resume();
    }

    @Override
    public String address() {
        return nameServerAddress;
    }
}
