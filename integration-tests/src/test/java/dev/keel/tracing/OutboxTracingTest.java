package dev.keel.tracing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import brave.Span;
import brave.handler.MutableSpan;
import dev.keel.Codec;
import dev.keel.Delivery;
import dev.keel.Message;
import dev.keel.outbox.jdbc.JdbcSchema;
import dev.keel.sample.TestTracer;
import dev.keel.spring.KeelListener;
import dev.keel.spring.TransactionalOutbox;
import dev.keel.testbrokers.BrokerKind;
import dev.keel.testbrokers.Brokers;
import dev.keel.testbrokers.UniqueNames;
import dev.keel.testbrokers.UsesBrokers;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;
import io.micrometer.tracing.Tracer;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * A message written to the transactional outbox inside a traced request reaches its consumer in the request's
 * trace: the outbox row carries the W3C {@code traceparent} of the transaction that wrote it, and the relay's
 * publish keeps it. On real Kafka, Redis and PostgreSQL, with a real tracer (Brave, W3C propagation).
 */
@UsesBrokers({BrokerKind.KAFKA, BrokerKind.REDIS})
class OutboxTracingTest {

    private static final Duration PATIENCE = Duration.ofSeconds(60);
    private static final String URL = "jdbc:postgresql://127.0.0.1:5432/test";
    /** The trace id of each message's consumer span, by message id. */
    static final Map<String, String> CONSUMED_IN = new ConcurrentHashMap<>();

    private final String prefix = UniqueNames.of("otr").replace('-', '_') + "_";
    private final TestTracer tracer = new TestTracer();

    @AfterEach
    void dropTablesAndCloseTheTracer() throws Exception {
        tracer.close();
        try (Connection connection = DriverManager.getConnection(URL, "postgres", "");
             Statement statement = connection.createStatement()) {
            statement.execute("DROP TABLE IF EXISTS " + prefix + "outbox");
            statement.execute("DROP TABLE IF EXISTS " + prefix + "outbox_lane");
        }
    }

    @Test
    void aMessageWrittenToTheOutboxInATracedRequestShouldBeConsumedInThatRequestsTrace() throws Exception {
        try (Connection connection = DriverManager.getConnection(URL, "postgres", "")) {
            JdbcSchema.apply(connection, JdbcSchema.Part.OUTBOX, prefix);
        }
        String topic = UniqueNames.of("outbox-traced");
        try (ConfigurableApplicationContext context = new SpringApplicationBuilder(Application.class)
                .web(WebApplicationType.NONE)
                .initializers(tracer::attachTo)
                .properties("keel.broker=kafka", "keel.kafka.bootstrap-servers=" + Brokers.kafka().bootstrapServers(),
                        "keel.redis.uri=" + Brokers.redis().uri(),
                        "keel.redis.key-prefix=" + UniqueNames.keyPrefix("outbox-tracing"),
                        "keel.topics." + topic + ".partitions=1", "keel.outbox.table-prefix=" + prefix,
                        "test.topic=" + topic)
                .run()) {
            ObservationRegistry registry = context.getBean(ObservationRegistry.class);
            Tracer tracing = context.getBean(Tracer.class);
            TransactionTemplate transaction = context.getBean(TransactionTemplate.class);
            TransactionalOutbox outbox = context.getBean(TransactionalOutbox.class);

            // a traced request whose transaction writes the message into the outbox
            String requestTrace = Observation.createNotStarted("http.server.request", registry).observe(() -> {
                transaction.executeWithoutResult(status -> outbox.publish(topic,
                        Message.builder("order-1", Codec.utf8()).id("order-1").key("customer-1").build()));
                return tracing.currentSpan().context().traceId();
            });

            await().atMost(PATIENCE).until(() -> CONSUMED_IN.containsKey("order-1"));
            assertThat(CONSUMED_IN.get("order-1")).as("trace of the consumer span (request's: %s)", requestTrace)
                    .isEqualTo(requestTrace);
            await().atMost(PATIENCE).untilAsserted(() -> assertThat(consumerSpans(topic)).isNotEmpty());
            for (MutableSpan consumer : consumerSpans(topic)) {
                assertThat(consumer.traceId()).as("consumer span's trace").isEqualTo(requestTrace);
            }
        }
    }

    private List<MutableSpan> consumerSpans(String topic) {
        return tracer.finished(Span.Kind.CONSUMER).stream()
                .filter(s -> topic.equals(s.tag("messaging.destination.name"))).toList();
    }

    /** A service with an outbox (spring-boot-starter-jdbc's DataSource and transaction manager) and a listener. */
    @SpringBootConfiguration
    @EnableAutoConfiguration
    static class Application {
        @Bean
        Listener listener(Tracer tracer) {
            return new Listener(tracer);
        }
    }

    /** Records the trace each message is handled in. */
    public static class Listener {
        private final Tracer tracer;

        Listener(Tracer tracer) {
            this.tracer = tracer;
        }

        @KeelListener(topic = "${test.topic}", group = "billing")
        public void handle(Delivery<String> delivery) {
            CONSUMED_IN.put(delivery.id(), tracer.currentSpan().context().traceId());
        }
    }
}
