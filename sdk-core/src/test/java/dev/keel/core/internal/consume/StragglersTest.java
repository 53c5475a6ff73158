package dev.keel.core.internal.consume;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keel.core.internal.RecordingLogger;
import dev.keel.core.internal.chain.Work;
import dev.keel.spi.InboundRecord;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.slf4j.event.Level;

class StragglersTest {

    private final RecordingLogger log = new RecordingLogger();
    private final Stragglers stragglers = new Stragglers(log, "orders", "billing");

    /**
     * A handler that returned but whose done mark failed (the store closed under the close) is not running: the
     * close's WARN named it "still running" 25 s after it returned (review core2 F2).
     */
    @Test
    void aMessageWhoseHandlerReturnedShouldNotBeNamedAsStillRunning() {
        Work running = work("slow");
        Work returned = work("returned");
        returned.handlerSucceeded();

        stragglers.warn(Stream.of(running, returned), 2, Duration.ofSeconds(30));

        assertThat(log.lines(Level.WARN)).hasSize(2);
        assertThat(log.lines(Level.WARN).get(0)).contains("1 of 2 handler(s) still running (message ids [slow])");
        assertThat(log.lines(Level.WARN).get(1))
                .contains("handler returned but whose id could not be marked done").contains("[returned]")
                .doesNotContain("still running");
    }

    @Test
    void finishedMessagesShouldNotBeNamed() {
        Work finished = work("done");
        finished.handlerSucceeded();
        finished.finish();

        stragglers.warn(Stream.of(finished), 1, Duration.ofSeconds(30));

        assertThat(log.lines()).isEmpty();
    }

    private static Work work(String id) {
        return new Work(new InboundRecord("orders", "0", 0, id, "k", Map.of(), new byte[0], Instant.EPOCH, 1, () -> { }));
    }
}
