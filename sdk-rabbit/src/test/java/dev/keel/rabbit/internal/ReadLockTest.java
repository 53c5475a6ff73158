package dev.keel.rabbit.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import dev.keel.BrokerUnavailableException;
import dev.keel.rabbit.RabbitConfig;
import dev.keel.testbrokers.BrokerKind;
import dev.keel.testbrokers.Brokers;
import dev.keel.testbrokers.UniqueNames;
import dev.keel.testbrokers.UsesBrokers;
import java.io.IOException;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** A topic's read lock ({@code T.keel-reading}) held by another connection, on a real broker. */
@UsesBrokers(BrokerKind.RABBIT)
class ReadLockTest {

    private Connector connector;
    private ManagedConnection reading;

    @BeforeEach
    void open() {
        connector = new Connector(RabbitConfig.custom().uri(Brokers.rabbit().uri()).connectionName("keel-test").build());
        reading = new ManagedConnection(connector, "metadata", Duration.ofSeconds(1), System::nanoTime);
    }

    @AfterEach
    void close() {
        reading.close();
    }

    @Test
    void aReadWhileAnotherConnectionHoldsTheLockShouldWaitForItThenFailRetriablyNamingItAndRunOnceItIsLetGo()
            throws Exception {
        String topic = UniqueNames.of("locked");
        ReadLock lock = new ReadLock(new BrokerCalls(reading), Duration.ofSeconds(1));
        Connection other = connector.open("other-reader", false);
        try {
            Channel holder = other.createChannel();
            holder.queueDeclare(ReadLock.queue(topic), false, true, false, null);

            Throwable refused = catchThrowable(() -> lock.read(topic, topic + ".keel-record", "read the record of topic '" + topic + "'",
                    channel -> "read"));
            assertThat(refused).isInstanceOf(BrokerUnavailableException.class)
                    .hasMessageContaining(ReadLock.queue(topic)).hasMessageContaining("try again");
            assertThat(((BrokerUnavailableException) refused).isRetriable()).isTrue();

            holder.queueDelete(ReadLock.queue(topic));
            String read = lock.read(topic, topic + ".keel-record", "read the record of topic '" + topic + "'", channel -> "read");
            assertThat(read).isEqualTo("read");
            // let go after the read: the other connection can take it again
            holder.queueDeclare(ReadLock.queue(topic), false, true, false, null);
            holder.queueDelete(ReadLock.queue(topic));
        } finally {
            other.close();
        }
    }

    /** A read that fails (a refused get: a user without the read permission) lets go of the lock all the same. */
    @Test
    void aReadThatFailsShouldLetGoOfTheLock() throws Exception {
        String topic = UniqueNames.of("failed-read");
        ReadLock lock = new ReadLock(new BrokerCalls(reading), Duration.ofSeconds(1));

        Throwable failed = catchThrowable(() -> lock.read(topic, topic + ".keel-record", "read the record of topic '" + topic + "'",
                channel -> {
                    throw new IOException("refused");
                }));

        assertThat(failed).isInstanceOf(BrokerUnavailableException.class);
        Connection other = connector.open("other-reader", false);
        try {
            Channel channel = other.createChannel();
            channel.queueDeclare(ReadLock.queue(topic), false, true, false, null); // refused while still held
            channel.queueDelete(ReadLock.queue(topic));
        } finally {
            other.close();
        }
    }
}
