package dev.keel.sample;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.testcontainers.service.connection.ServiceConnection;
import org.springframework.jdbc.core.JdbcTemplate;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;
import org.testcontainers.kafka.KafkaContainer;
import org.testcontainers.postgresql.PostgreSQLContainer;

/**
 * The Testcontainers example of docs/spring-boot.md, as a user writes it for the sample orders service: Kafka,
 * Redis and PostgreSQL in containers, every connection from {@code @ServiceConnection}, no address property
 * ({@code keel.broker=kafka} only chooses the adapter: the sample has all three on its class path; the topic is
 * declared at startup). Keep it and the docs the same. Tagged "docker": it runs in the containers suite, with an
 * engine.
 */
@Tag("docker")
@SpringBootTest(classes = SampleApplication.class, properties = {"keel.broker=kafka", "sample.orders-topic=orders",
        "keel.topics.orders.partitions=4"})
@Testcontainers
class OrdersTestcontainersExampleTest {

    @Container
    @ServiceConnection
    static KafkaContainer kafka = new KafkaContainer("apache/kafka:4.4.0");

    @Container
    @ServiceConnection
    static GenericContainer<?> redis = new GenericContainer<>("redis:7.0").withExposedPorts(6379);

    @Container
    @ServiceConnection
    static PostgreSQLContainer postgres = new PostgreSQLContainer("postgres:15");

    @Autowired
    OrderService orders;

    @Autowired
    JdbcTemplate jdbc;

    @Test
    void eachOrderPlacedShouldBeBilledOnce() {
        for (int i = 0; i < 10; i++) {
            orders.place(new OrderPlaced("order-" + i, "customer-" + i, 1_000L + i));
        }
        await().atMost(Duration.ofSeconds(60)).until(() -> count("SELECT count(*) FROM billing.invoices") >= 10);
        assertThat(count("SELECT count(DISTINCT order_id) FROM billing.invoices")).isEqualTo(10);
    }

    private long count(String sql) {
        return jdbc.queryForObject(sql, Long.class);
    }
}
