package dev.keel.core.internal.consume;

import dev.keel.spi.BrokerConsumer;
import dev.keel.spi.DeliverySink;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;

/** A broker consumer that only records the pause and resume calls the flow control makes. */
final class RecordingConsumer implements BrokerConsumer {

    final List<String> calls = new CopyOnWriteArrayList<>();

    @Override
    public void start(DeliverySink sink) {
    }

    @Override
    public void pause() {
        calls.add("pause");
    }

    @Override
    public void resume() {
        calls.add("resume");
    }

    @Override
    public CompletionStage<Void> close() {
        return CompletableFuture.completedFuture(null);
    }
}
