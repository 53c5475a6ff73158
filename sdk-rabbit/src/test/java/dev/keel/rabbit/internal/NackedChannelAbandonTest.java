package dev.keel.rabbit.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.keel.BrokerUnavailableException;
import dev.keel.PublishException;
import dev.keel.testbrokers.BrokerKind;
import dev.keel.testbrokers.UsesBrokers;
import java.time.Duration;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;

/**
 * docs/rabbitmq.md: after a nack, what RabbitMQ still has not answered {@code closeTimeout} later fails as retriable
 * and the channel is closed. Also when no later publish came to replace the nacked channel in the pool (the sweep
 * looked only at channels already replaced, so such a publish waited until the producer closed).
 */
@UsesBrokers(BrokerKind.RABBIT)
class NackedChannelAbandonTest {

    @Test
    void aPublishLeftUnansweredAfterANackShouldFailAsRetriableEvenWhenNoLaterPublishReplacedTheChannel()
            throws Exception {
        try (ProducerOnFakeChannel p = new ProducerOnFakeChannel()) {
            FakeChannel fake = new FakeChannel();
            ConfirmChannel confirms = p.install(fake);
            PendingPublish unanswered = ProducerOnFakeChannel.publish(confirms, "m-1");
            PendingPublish nacked = ProducerOnFakeChannel.publish(confirms, "m-2");

            fake.nacks.get().handle(2, false); // the broker refuses the second; the first is never answered

            await().atMost(Duration.ofSeconds(30)).until(() -> unanswered.future().isDone());
            assertThat(nacked.future()).failsWithin(Duration.ofSeconds(5)).withThrowableThat()
                    .havingCause().isInstanceOf(PublishException.class);
            assertThat(unanswered.future().handle((v, e) -> e instanceof CompletionException c ? c.getCause() : e)
                    .join()).isInstanceOf(BrokerUnavailableException.class)
                    .hasMessageContaining("after it refused another one on the same channel");
        }
    }
}
