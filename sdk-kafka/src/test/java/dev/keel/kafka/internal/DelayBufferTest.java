package dev.keel.kafka.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.errors.NetworkException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.junit.jupiter.api.Test;

/** The buffer's rules with sends the test completes by hand; on a real Kafka: the KafkaDelay*Test classes. */
class DelayBufferTest {

    private static final long NOW = 1_000_000;
    private static final long LATER = NOW + 3_600_000;

    private final Sends sends = new Sends();
    private final List<String> log = new ArrayList<>();
    private final DelayBuffer.Outcomes outcomes = new DelayBuffer.Outcomes() {
        @Override
        public void retrying(ConsumerRecord<byte[], byte[]> record, Throwable failure, long backoffMillis) {
            log.add("retry " + record.offset() + " in " + backoffMillis);
        }

        @Override
        public void refused(ConsumerRecord<byte[], byte[]> record, Throwable cause) {
            log.add("refused " + record.offset());
        }

        @Override
        public void deadLettered(ConsumerRecord<byte[], byte[]> record, boolean truncated) {
            log.add("dead-lettered " + record.offset() + (truncated ? " truncated" : ""));
        }

        @Override
        public void deadLetterRefused(ConsumerRecord<byte[], byte[]> record, Throwable refusal, Throwable failure) {
            log.add("dead letter refused " + record.offset());
        }
    };

    @Test
    void aFailedForwardBehindARecordNotDueShouldBeRetriedOnItsOwnAfterItsBackoff() {
        DelayBuffer buffer = new DelayBuffer(new OffsetAndMetadata(0));
        buffer.add(record(0), LATER);
        buffer.add(record(1), NOW);

        buffer.forwardDue(NOW, sends);
        sends.fail(0, new NetworkException("down"));
        buffer.settle(NOW, outcomes);
        buffer.forwardDue(NOW + DelayBuffer.FIRST_RETRY_MILLIS - 1, sends);
        assertThat(sends.sent).as("not before its backoff").containsExactly("forward 1");
        buffer.forwardDue(NOW + DelayBuffer.FIRST_RETRY_MILLIS, sends);

        assertThat(sends.sent).containsExactly("forward 1", "forward 1");
        assertThat(log).containsExactly("retry 1 in 100");
        assertThat(buffer.nextDue()).as("only the record not due waits").isEqualTo(LATER);
    }

    @Test
    void theBackoffShouldDoubleUpToItsCap() {
        assertThat(List.of(1, 2, 3, 6, 7, 100).stream().map(DelayBuffer::backoff).toList())
                .containsExactly(100L, 200L, 400L, 3_200L, 5_000L, 5_000L);
    }

    @Test
    void aForwardRefusedForGoodShouldBeDeadLetteredAndNoLongerHoldTheCommit() {
        DelayBuffer buffer = new DelayBuffer(new OffsetAndMetadata(0));
        buffer.add(record(0), NOW);
        buffer.add(record(1), NOW);

        buffer.forwardDue(NOW, sends);
        sends.fail(0, new RecordTooLargeException("too large"));
        sends.succeed(1);
        buffer.settle(NOW, outcomes);
        assertThat(buffer.commit(ForwardedOffsets.MAX_CHARS).offset()).isZero();
        buffer.forwardDue(NOW, sends);
        sends.fail(2, new RecordTooLargeException("too large for the dead letters too"));
        buffer.settle(NOW, outcomes);
        buffer.forwardDue(NOW, sends);
        sends.succeed(3);
        buffer.settle(NOW, outcomes);

        assertThat(sends.sent).containsExactly("forward 0", "forward 1", "dead letter 0 attempts 1",
                "truncated dead letter 0 attempts 1");
        assertThat(log).containsExactly("refused 0", "dead-lettered 0 truncated");
        assertThat(buffer.commit(ForwardedOffsets.MAX_CHARS)).isEqualTo(new OffsetAndMetadata(2, ""));
    }

    @Test
    void theNextOwnerShouldSkipWhatWasForwardedBehindARecordNotDue() {
        DelayBuffer first = new DelayBuffer(new OffsetAndMetadata(0));
        for (int i = 0; i < 5; i++) {
            first.add(record(i), i == 1 ? LATER : NOW);
        }
        first.forwardDue(NOW, sends);
        sends.succeedAll();
        first.settle(NOW, outcomes);
        OffsetAndMetadata commit = first.commit(ForwardedOffsets.MAX_CHARS);
        assertThat(commit.offset()).isEqualTo(1);
        assertThat(first.commit(ForwardedOffsets.MAX_CHARS)).as("unchanged: not requested again").isNull();

        Sends again = new Sends();
        DelayBuffer next = new DelayBuffer(commit);
        for (int i = 1; i < 7; i++) {
            next.add(record(i), i == 1 ? LATER : NOW);
        }
        next.forwardDue(NOW, again);

        assertThat(again.sent).containsExactly("forward 5", "forward 6");
        assertThat(next.nextDue()).isEqualTo(LATER);
    }

    @Test
    void whatAPreviousOwnerRecordedBeyondThePolledRecordsShouldBeKeptInTheNextCommit() {
        OffsetAndMetadata previous = new OffsetAndMetadata(0, ForwardedOffsets.of(0, 10, new long[] {0, 1, 7, 8})
                .toMetadata(ForwardedOffsets.MAX_CHARS));
        DelayBuffer buffer = new DelayBuffer(previous);
        buffer.add(record(0), NOW);
        buffer.add(record(1), NOW); // done by the previous owner: skipped
        buffer.forwardDue(NOW, sends);
        sends.succeedAll();
        buffer.settle(NOW, outcomes);

        OffsetAndMetadata commit = buffer.commit(ForwardedOffsets.MAX_CHARS);

        assertThat(sends.sent).containsExactly("forward 0");
        assertThat(commit.offset()).isEqualTo(2);
        ForwardedOffsets recorded = ForwardedOffsets.parse(2, commit.metadata());
        assertThat(recorded.end()).isEqualTo(10);
        assertThat(recorded.done(6)).isTrue();
        assertThat(recorded.done(7)).as("still waiting").isFalse();
    }

    @Test
    void aBufferShouldBeFullAtMaxBufferedOffsetsFromItsFirstRecordNotDone() {
        DelayBuffer buffer = new DelayBuffer(null);
        for (int i = 0; i < DelayBuffer.MAX_BUFFERED - 1; i++) {
            buffer.add(record(100 + i), LATER);
        }
        assertThat(buffer.isFull()).isFalse();
        buffer.add(record(100 + DelayBuffer.MAX_BUFFERED - 1), LATER);
        assertThat(buffer.isFull()).isTrue();
    }

    private static ConsumerRecord<byte[], byte[]> record(long offset) {
        return new ConsumerRecord<>("t.keel-delay", 0, offset, new byte[] {1}, new byte[] {2});
    }

    /** Sends the test completes by hand, in the order they were made. */
    private static final class Sends implements DelayBuffer.Sender {
        final List<String> sent = new ArrayList<>();
        final List<CompletableFuture<Void>> futures = new ArrayList<>();

        @Override
        public CompletableFuture<Void> forward(ConsumerRecord<byte[], byte[]> record) {
            return add("forward " + record.offset());
        }

        @Override
        public CompletableFuture<Void> deadLetter(ConsumerRecord<byte[], byte[]> record, Throwable cause, int attempts,
                                                  boolean truncated) {
            return add((truncated ? "truncated " : "") + "dead letter " + record.offset() + " attempts " + attempts);
        }

        private CompletableFuture<Void> add(String what) {
            CompletableFuture<Void> future = new CompletableFuture<>();
            sent.add(what);
            futures.add(future);
            return future;
        }

        void fail(int send, Throwable error) {
            futures.get(send).completeExceptionally(error);
        }

        void succeed(int send) {
            futures.get(send).complete(null);
        }

        void succeedAll() {
            futures.forEach(f -> f.complete(null));
        }
    }
}
