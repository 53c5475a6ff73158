package dev.keel.cli.broker;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import dev.keel.TopicSpec;
import dev.keel.cli.EnvironmentException;
import dev.keel.rabbit.RabbitAdapter;
import dev.keel.rabbit.RabbitConfig;
import dev.keel.rabbit.internal.Names;
import dev.keel.spi.BrokerAdapter;
import java.net.URI;
import java.util.List;

/** RabbitMQ through {@code --rabbit-uri}. */
final class RabbitMode implements BrokerMode {

    static final String NAME = "rabbit";
    static final int DEFAULT_PORT = 5672;

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String endpoint(BrokerOptions options) {
        return Endpoints.redact(options.rabbitUri());
    }

    @Override
    public void preflight(BrokerOptions options) {
        RabbitConfig config = config(options);
        Endpoints.requireReachable("RabbitMQ", config.host(), config.port(),
                "Start RabbitMQ there (e.g. 'systemctl start rabbitmq-server', docs/cli.md) or point --rabbit-uri "
                        + "at one; --broker memory needs nothing installed.");
    }

    @Override
    public BrokerAdapter createAdapter(BrokerOptions options) {
        return new RabbitAdapter(config(options));
    }

    @Override
    public List<RawPublishBaseline> rawPublishBaselines(BrokerOptions options) {
        URI uri = URI.create(options.rabbitUri());
        return List.of(new RawRabbitPublisher(uri, options.partitions(), RabbitConfig.DEFAULT_CONFIRM_WINDOW),
                new RawRabbitPublisher(uri, options.partitions(), 1));
    }

    /**
     * Deletes the exchange, lane queues, dead-letter pairs, member queues and lane marker of each topic. The names
     * come from sdk-rabbit's {@link Names}, the one place that knows them (an internal class: a
     * topology-deletion SPI method would be the clean way, see docs/cli.md).
     */
    @Override
    public void deleteTopics(BrokerOptions options, List<TopicSpec> topics) throws Exception {
        ConnectionFactory factory = new ConnectionFactory();
        factory.setUri(options.rabbitUri());
        factory.setAutomaticRecoveryEnabled(false);
        try (Connection connection = factory.newConnection("keel-cli-cleanup");
             Channel channel = connection.createChannel()) {
            for (TopicSpec topic : topics) {
                for (String group : topic.groups()) {
                    for (int lane = 0; lane < topic.partitions(); lane++) {
                        channel.queueDelete(Names.laneQueue(topic.name(), group, lane));
                    }
                    channel.queueDelete(Names.deadLetterQueue(topic.name(), group));
                    channel.queueDelete(Names.membersQueue(topic.name(), group));
                    channel.exchangeDelete(Names.deadLetterExchange(topic.name(), group));
                }
                channel.queueDelete(Names.lanesMarker(topic.name()));
                channel.exchangeDelete(Names.exchange(topic.name()));
            }
        }
    }

    static RabbitConfig config(BrokerOptions options) {
        try {
            return RabbitConfig.builder().uri(options.rabbitUri()).connectionName("keel-cli").build();
        } catch (IllegalArgumentException e) {
            throw new EnvironmentException("--rabbit-uri: " + e.getMessage() + ", e.g. "
                    + "amqp://guest:guest@127.0.0.1:5672/%2F", e);
        }
    }
}
