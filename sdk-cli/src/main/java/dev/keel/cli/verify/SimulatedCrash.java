package dev.keel.cli.verify;

/**
 * Thrown by verify's handler in a consumer that has "crashed": the engine discards the outcome of
 * a crashed subscription, so this only stops the handler from applying its effect, as a dead
 * process would not.
 */
final class SimulatedCrash extends RuntimeException {
    private static final long serialVersionUID = 1L;
    SimulatedCrash(int generation) {
        super("simulated crash of consumer generation " + generation + " (injected by keel verify)", null, false,
                false);
    }
}
