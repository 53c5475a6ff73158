package dev.keel.rabbit.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keel.ClosedException;
import dev.keel.TopicSpec;
import dev.keel.spi.OutboundRecord;
import dev.keel.testbrokers.BrokerKind;
import dev.keel.testbrokers.UniqueNames;
import dev.keel.testbrokers.UsesBrokers;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;

/**
 * docs/rabbitmq.md: {@code producer.close()} waits up to {@code closeTimeout} for outstanding confirms, then fails the
 * rest with {@link ClosedException}; when it returns every future is complete.
 */
@UsesBrokers(BrokerKind.RABBIT)
class ProducerCloseTest {

    @Test
    void aPublishStillUnconfirmedAtTheCloseTimeoutShouldFailWithClosedEvenIfItsChannelIsThenHeardAsLost()
            throws Exception {
        try (ProducerOnFakeChannel p = new ProducerOnFakeChannel()) {
            FakeChannel fake = new FakeChannel();
            // the connection's thread hears the channel go down before the close's answer (its socket closed)
            fake.onClose = fake::lost;
            PendingPublish unconfirmed = ProducerOnFakeChannel.publish(p.install(fake), "m-1");

            p.producer.close();

            assertThat(unconfirmed.future()).isDone();
            assertThat(causeOf(unconfirmed.future())).isInstanceOf(ClosedException.class);
        }
    }

    @Test
    void aCloseShouldWaitForThePublishesOfAChannelLostJustBeforeAPublishReplacedIt() throws Exception {
        try (ProducerOnFakeChannel p = new ProducerOnFakeChannel()) {
            String topic = UniqueNames.of("close-lost-channel");
            p.admin.ensure(TopicSpec.builder(topic).partitions(1).group("g").build());
            try {
                FakeChannel fake = new FakeChannel();
                PendingPublish pending = ProducerOnFakeChannel.publish(p.install(fake), "m-1");
                // the channel is closed, but the connection's thread has not yet told it (its publishes not failed)
                fake.open = false;
                // the next publish replaces it in the pool with a channel of the real connection
                OutboundRecord next = new OutboundRecord(topic, "m-2", null, Map.of(), new byte[] {1}, Instant.now());
                assertThat(p.producer.send(next).toCompletableFuture().join()).isNotNull();

                p.producer.close();

                assertThat(pending.future()).as("every future is complete when the close returns").isDone();
            } finally {
                p.admin.delete(topic);
            }
        }
    }

    private static Throwable causeOf(CompletableFuture<?> future) {
        return future.handle((v, e) -> e instanceof CompletionException c ? c.getCause() : e).join();
    }
}
