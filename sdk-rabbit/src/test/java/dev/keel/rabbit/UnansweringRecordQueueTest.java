package dev.keel.rabbit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.keel.BrokerUnavailableException;
import dev.keel.Message;
import dev.keel.Publisher;
import dev.keel.TopicSpec;
import dev.keel.core.Keel;
import dev.keel.testbrokers.BrokerKind;
import dev.keel.testbrokers.RabbitEndpoint;
import dev.keel.testbrokers.UsesBrokers;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A topic's record queue (the groups Keel declared for it) whose quorum leader does not answer: RabbitMQ then reports
 * it empty. Taken for an answer, {@code deleteTopology} would delete the topic but leave its groups' queues and their
 * messages, which a topic declared again under the name would deliver. RabbitMQ ends a get from such a queue after 65 s
 * by closing the connection it came on (541): the publishing connection must not be that one.
 */
@UsesBrokers(BrokerKind.RABBIT)
class UnansweringRecordQueueTest {

    @Test
    void deleteTopologyShouldFailRetriablyAndDeleteNothingWhileTheRecordQueueDoesNotAnswer() {
        RabbitEndpoint rabbit = RabbitTestSupport.rabbit();
        String topic = RabbitTestSupport.unique("rec-mute");
        String name = RabbitTestSupport.unique("rec-mute-conn");
        try (RabbitAdapter adapter = new RabbitAdapter(RabbitTestSupport.config().connectionName(name).build());
             Keel keel = Keel.builder(adapter).withoutIdempotencyStore().build()) {
            keel.ensureTopology(TopicSpec.builder(topic).partitions(2).group("g").build());
            Publisher publisher = keel.publisher();
            for (int i = 0; i < 4; i++) {
                publisher.publish(topic, Message.builder(("old-" + i).getBytes(StandardCharsets.UTF_8))
                        .id("old-" + i).key("k" + i).build());
            }
            List<String> publishing = RabbitNodeConnections.pidsOf(rabbit, name + "-publish");
            assertThat(publishing).as("the publishing connection").hasSize(1);

            Throwable thrown;
            // RabbitMQ gives a quorum leader net_ticktime + 5 s (65 s) to answer a get: 10 s here, for a quick test
            try (GetTimeout ignored = GetTimeout.shortened(rabbit);
                 SuspendedQuorumQueue muted = SuspendedQuorumQueue.suspend(rabbit, topic + ".keel-record")) {
                thrown = catchThrowable(() -> adapter.deleteTopology(topic));
            }

            assertThat(thrown).as("deleteTopology while the record does not answer").isInstanceOf(
                    BrokerUnavailableException.class);
            assertThat(((BrokerUnavailableException) thrown).isRetriable()).isTrue();
            assertThat(thrown).hasMessageContaining(topic + ".keel-record").hasMessageContaining("try again");
            // RabbitMQ ends a get the leader does not answer by closing the get's connection: not the publishers' one
            assertThat(RabbitNodeConnections.pidsOf(rabbit, name + "-publish")).as("the publishing connection after")
                    .isEqualTo(publishing);
            assertThat(DeleteDelayedTopicTest.queuesOf(rabbit, topic)).as("queues after the refused delete")
                    .contains(topic + ".g.0", topic + ".g.1", topic + ".keel-record");
            assertThat(DeleteDelayedTopicTest.exchangesOf(rabbit, topic)).as("exchanges after the refused delete")
                    .contains(topic);

            adapter.deleteTopology(topic);
            assertThat(DeleteDelayedTopicTest.queuesOf(rabbit, topic)).as("queues left after the retried delete")
                    .isEmpty();
            assertThat(DeleteDelayedTopicTest.exchangesOf(rabbit, topic)).as("exchanges left").isEmpty();
        }
    }

    /**
     * The time RabbitMQ 3.10 gives a quorum queue's leader to answer a command, which it reads from the kernel's
     * {@code net_ticktime} setting (plus 5 s) each time a channel first uses the queue, shortened to 10 s until
     * {@link #close()}. Only the setting is changed: the node's distribution keeps the tick time it started with.
     */
    private static final class GetTimeout implements AutoCloseable {
        private final RabbitEndpoint rabbit;
        private final String previous;

        private GetTimeout(RabbitEndpoint rabbit, String previous) {
            this.rabbit = rabbit;
            this.previous = previous;
        }

        static GetTimeout shortened(RabbitEndpoint rabbit) {
            return new GetTimeout(rabbit, rabbit.rabbitmqctl("eval", "Previous = application:get_env(kernel, "
                    + "net_ticktime), application:set_env(kernel, net_ticktime, 5), Previous.").trim());
        }

        @Override
        public void close() {
            rabbit.rabbitmqctl("eval", previous.startsWith("{ok,")
                    ? "application:set_env(kernel, net_ticktime, " + previous.substring(4, previous.length() - 1) + ")."
                    : "application:unset_env(kernel, net_ticktime).");
        }
    }
}
