package dev.keel.cli.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keel.cli.bench.Progress;
import dev.keel.cli.bench.Throughput;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

class BatchesInFlightTest {

    private final Throughput throughput = new Throughput();
    private final List<String> committed = new ArrayList<>();
    private final BatchesInFlight<String> inFlight = new BatchesInFlight<>(throughput, Progress.none(), committed::add);

    @Test
    void aBatchDoneBeforeAnOlderOneShouldBeCountedAndCommittedOnlyAfterIt() {
        CompletableFuture<Void> first = new CompletableFuture<>();
        CompletableFuture<Void> second = CompletableFuture.completedFuture(null);

        inFlight.add(batch -> first, received("a", "b"), "positions 1");
        inFlight.add(batch -> second, received("c"), "positions 2");

        assertThat(committed).as("the older batch is not done").isEmpty();
        assertThat(inFlight.counted()).isZero();
        first.complete(null);
        inFlight.countDone(BatchWork.MAX_BATCHES_IN_FLIGHT);
        assertThat(committed).containsExactly("positions 1", "positions 2");
        assertThat(inFlight.counted()).isEqualTo(3);
        assertThat(throughput.count()).isEqualTo(3);
    }

    @Test
    void aLoopShouldWaitForTheOldestBatchOnceTooManyAreInWork() {
        List<CompletableFuture<Void>> works = new ArrayList<>();
        for (int i = 0; i < BatchWork.MAX_BATCHES_IN_FLIGHT; i++) {
            CompletableFuture<Void> work = new CompletableFuture<>();
            works.add(work);
            inFlight.add(batch -> work, received("m" + i), "positions " + i);
        }
        CompletableFuture.runAsync(() -> works.get(0).complete(null));

        inFlight.add(batch -> new CompletableFuture<>(), received("last"), "positions last");

        assertThat(committed).as("waited for the oldest, then counted it").containsExactly("positions 0");
    }

    @Test
    void aFailedBatchShouldFailTheLoopWithItsCauseAndCountNothingOfIt() {
        assertThatThrownBy(() -> inFlight.add(batch -> CompletableFuture.failedFuture(new IllegalStateException(
                "not claimed")), received("a"), "p")).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("not claimed").hasMessageContaining("work on a batch failed");
        assertThat(committed).isEmpty();
        assertThat(throughput.count()).isZero();
    }

    private static List<BatchWork.Received> received(String... ids) {
        return java.util.Arrays.stream(ids).map(id -> new BatchWork.Received(id, "")).toList();
    }
}
