package dev.keel.rabbit.internal;

import dev.keel.rabbit.QueueType;
import dev.keel.rabbit.RabbitConfig;
import dev.keel.testbrokers.Brokers;
import java.io.IOException;
import java.lang.reflect.Field;
import java.time.Duration;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * A {@link RabbitProducer} on a real broker's connection, with one channel in its pool ({@code channelPoolSize} 1) and
 * a short {@code closeTimeout} (the sweep every 200 ms); {@link #install} puts a {@link FakeChannel}'s
 * confirm channel in that pool slot, so that a test holds the broker's answers for the publishes on it.
 */
final class ProducerOnFakeChannel implements AutoCloseable {

    static final Duration CLOSE_TIMEOUT = Duration.ofMillis(300);

    final RabbitConfig config = RabbitConfig.custom().uri(Brokers.rabbit().uri()).connectionName("keel-test")
            .channelPoolSize(1).maxBlock(Duration.ofSeconds(2)).closeTimeout(CLOSE_TIMEOUT).build();
    final ManagedConnection connection = new ManagedConnection(new Connector(config), "publish",
            Duration.ofSeconds(1), System::nanoTime);
    final Topology topology = new Topology(connection, QueueType.QUORUM, 8);
    /** Declares and deletes the tests' topics on a connection of its own, which the producer's close does not end. */
    final ManagedConnection adminConnection = new ManagedConnection(new Connector(config), "admin",
            Duration.ofSeconds(1), System::nanoTime);
    final Topology admin = new Topology(adminConnection, QueueType.QUORUM, 8);
    final ExecutorService completions = Executors.newSingleThreadExecutor();
    final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
    final RabbitProducer producer = new RabbitProducer(connection, topology, config, completions, scheduler);

    /** A confirm channel on {@code fake}, put in the pool's only slot. */
    ConfirmChannel install(FakeChannel fake) throws IOException, ReflectiveOperationException {
        return install(fake, completions);
    }

    /** The same, its publishes' outcomes handed to the producer's completions through {@code handOver}. */
    ConfirmChannel install(FakeChannel fake, Executor handOver) throws IOException, ReflectiveOperationException {
        ConfirmChannel confirms = ConfirmChannel.open(fake.channel, config.confirmWindow(), handOver, cause -> { },
                () -> { });
        Field channels = RabbitProducer.class.getDeclaredField("channels");
        channels.setAccessible(true);
        @SuppressWarnings("unchecked")
        AtomicReferenceArray<ConfirmChannel> pool = (AtomicReferenceArray<ConfirmChannel>) channels.get(producer);
        pool.set(0, confirms);
        return confirms;
    }

    /** A publish on {@code confirms}, as the producer sends one; pending until the fake channel's listeners say. */
    static PendingPublish publish(ConfirmChannel confirms, String id) {
        PendingPublish publish = new PendingPublish("t", "x", id, 0, 1);
        confirms.publish("x", "k", new com.rabbitmq.client.AMQP.BasicProperties(), new byte[] {1}, publish,
                Duration.ofSeconds(5));
        return publish;
    }

    /** Sets a field of the producer, as its own code would at that moment. */
    void setInProducer(String field, Object value) throws ReflectiveOperationException {
        Field f = RabbitProducer.class.getDeclaredField(field);
        f.setAccessible(true);
        f.set(producer, value);
    }

    @Override
    public void close() {
        try {
            producer.close();
            connection.close();
            adminConnection.close();
        } finally {
            completions.shutdownNow();
            scheduler.shutdownNow();
        }
    }
}
