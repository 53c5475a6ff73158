package dev.keel.testkit;

import dev.keel.spi.BrokerAdapter;
import dev.keel.testkit.contract.BadInputContract;
import dev.keel.testkit.contract.InputLimits;
import dev.keel.testkit.contract.InputLimits.Limit;

/**
 * The bad-input suite on the in-memory broker. It has no size limit of its own (no refusal is
 * probed) and no plain client (the raw-header tests are skipped, saying so).
 */
class InMemoryBrokerBadInputContractTest extends BadInputContract {

    private static final int PROBED_BYTES = 1024 * 1024;

    private final InMemoryBroker broker = InMemoryBroker.create();

    @Override
    protected BrokerAdapter createAdapter() {
        return broker.connect();
    }

    @Override
    protected InputLimits limits() {
        return new InputLimits(Limit.notProbedAbove(PROBED_BYTES), Limit.notProbedAbove(PROBED_BYTES),
                Limit.notProbedAbove(PROBED_BYTES));
    }
}
