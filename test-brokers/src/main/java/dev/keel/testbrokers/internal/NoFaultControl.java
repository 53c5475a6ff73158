package dev.keel.testbrokers.internal;

import dev.keel.testbrokers.FaultInjectionUnsupportedException;

/** Control of an endpoint the harness may not kill: configured endpoints and containers. */
public final class NoFaultControl implements BrokerControl {
    private final String reason;
    private final AutoCloseable onStop;

    public NoFaultControl(String reason, AutoCloseable onStop) {
        this.reason = reason;
        this.onStop = onStop;
    }

    /** For endpoints named by configuration: nothing to stop. */
    public static NoFaultControl configured(String setting) {
        return new NoFaultControl("the endpoint comes from " + setting
                + " and is not owned by the harness; unset it or run with KEEL_BROKERS=local for fault tests", () -> { });
    }

    @Override
    public boolean supportsFaults() {
        return false;
    }

    @Override
    public void kill() {
        throw new FaultInjectionUnsupportedException("kill() is unsupported: " + reason);
    }

    @Override
    public void restart() {
        throw new FaultInjectionUnsupportedException("restart() is unsupported: " + reason);
    }

    @Override
    public void pause() {
        throw new FaultInjectionUnsupportedException("pause() is unsupported: " + reason);
    }

    @Override
    public void resume() {
        throw new FaultInjectionUnsupportedException("resume() is unsupported: " + reason);
    }

    @Override
    public void stop() {
        try {
            onStop.close();
        } catch (Exception e) {
            // stopping is best effort at the end of a run
        }
    }
}
