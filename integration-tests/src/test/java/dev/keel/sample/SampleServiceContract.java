package dev.keel.sample;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import brave.Span;
import brave.handler.MutableSpan;
import dev.keel.Subscription;
import dev.keel.core.Keel;
import dev.keel.sample.BillingTables.Database;
import dev.keel.testbrokers.Brokers;
import dev.keel.testbrokers.ForkedJvm;
import dev.keel.testbrokers.UniqueNames;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ApplicationContextInitializer;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.web.client.RestClient;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The sample orders service ({@link SampleApplication}) started as an application, on a real
 * broker (the subclass names it) with the harness's Redis and the machine's PostgreSQL, unless the
 * subclass gives others: billing is EFFECTIVELY_ONCE, a context closed mid-stream loses nothing and
 * repeats no effect in the next one, {@code /actuator/health} follows Redis, Keel's meters are in
 * {@code /actuator/metrics}, and a real test tracer ({@link TestTracer}) sees each order's consumer
 * span continue its producer span. Each test has its own topic, Redis key prefix and database schema.
 */
abstract class SampleServiceContract {

    private static final Duration PATIENCE = Duration.ofSeconds(120);
    private static final int ORDERS = 200;
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final String SHORT_LEASE = "--keel.listeners.billing.idempotency.lease=PT3S";

    private final String topic = UniqueNames.of("orders");
    private final String keyPrefix = UniqueNames.keyPrefix("sample");
    private final String schema = UniqueNames.of("sample").replace('-', '_').toLowerCase(Locale.ROOT);
    private final List<ConfigurableApplicationContext> contexts = new ArrayList<>();
    private final TestTracer tracer = new TestTracer();
    private BillingTables tables;

    /** The broker's properties: {@code keel.broker} and, unless the connection comes from elsewhere, its address. */
    abstract List<String> brokerProperties();

    /** The broker as OpenTelemetry's {@code messaging.system} attribute names it. */
    abstract String messagingSystem();

    /** The service's Redis, as properties: the harness's Redis. */
    List<String> redisProperties() {
        return List.of("--keel.redis.uri=" + Brokers.redis().uri());
    }

    /** Registers, in each context the test starts, the connections no property gives: none here. */
    ApplicationContextInitializer<ConfigurableApplicationContext> connections() {
        return context -> { };
    }

    /** The service's database as the test reaches it: the machine's PostgreSQL, as application.properties says. */
    Database database() {
        return Database.MACHINE;
    }

    /** The properties of a service in a JVM of its own, where the addresses can only come from properties. */
    List<String> forkedServiceProperties() {
        List<String> properties = new ArrayList<>(brokerProperties());
        properties.addAll(redisProperties());
        return properties;
    }

    /** Makes Redis unavailable to a service and available again: a fault proxy before the harness's Redis. */
    RedisOutage redisOutage() {
        return RedisOutage.throughProxy(Brokers.redis());
    }

    @BeforeEach
    void openTables() throws Exception {
        tables = new BillingTables(database(), schema);
    }

    @AfterEach
    void closeEverything() throws Exception {
        contexts.forEach(ConfigurableApplicationContext::close);
        tables.close();
        tracer.close();
    }

    @Test
    void everyOrderShouldGetExactlyOneInvoiceEvenWhenPlacementsAreRetried() {
        ConfigurableApplicationContext app = start();
        OrderService orders = app.getBean(OrderService.class);
        int retried = 20;
        placeOrders(orders, 0, ORDERS);
        placeOrders(orders, 0, retried); // a client retrying its first placements: the same order ids again

        MeterRegistry meters = app.getBean(MeterRegistry.class);
        // every delivery accounted for: run by the handler, or skipped as a duplicate
        await().atMost(PATIENCE).until(() -> tables.invoices() >= ORDERS
                && tables.executions() + duplicatesSkipped(meters) >= ORDERS + retried);
        assertThat(tables.invoices()).as("invoice rows").isEqualTo(ORDERS);
        assertThat(tables.invoicedOrders()).as("orders invoiced").isEqualTo(ORDERS);
        assertThat(tables.executions()).as("billing handler runs").isEqualTo(ORDERS);
        assertThat(duplicatesSkipped(meters)).isEqualTo(retried);
    }

    @Test
    void aContextClosedMidStreamShouldLoseNothingAndRepeatNoEffectInTheNextContext() throws Exception {
        // at most 16 messages held by the listener: the rest stays at the broker when the context closes
        String inFlight = "--keel.listeners.billing.max-in-flight=16";
        ConfigurableApplicationContext first = start(inFlight);
        Subscription billing = billingSubscription(first);
        tables.lockInvoices(); // the handlers that start now stay in flight, inside their insert
        placeOrders(first.getBean(OrderService.class), 0, ORDERS);
        await().atMost(PATIENCE).until(() -> tables.executions() > 0);

        CompletableFuture<Void> closing = CompletableFuture.runAsync(first::close);
        await().atMost(PATIENCE).until(() -> billing.state() == Subscription.State.CLOSING);
        tables.unlockInvoices(); // the messages in flight finish while the context closes
        closing.get(PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
        long billedByFirst = tables.invoices();
        assertThat(billedByFirst).as("orders billed before the close: some, not all").isBetween(1L, ORDERS - 1L);
        assertThat(tables.executions()).as("every handler run of the first context finished its invoice")
                .isEqualTo(billedByFirst);

        start(inFlight);
        await().atMost(PATIENCE).until(() -> tables.invoices() >= ORDERS);
        assertThat(tables.invoices()).as("invoice rows").isEqualTo(ORDERS);
        assertThat(tables.invoicedOrders()).as("orders invoiced").isEqualTo(ORDERS);
        assertThat(tables.executions()).as("billing handler runs over both contexts").isEqualTo(ORDERS);
        assertThat(tables.repeatedOrders()).as("orders billed twice").isZero();
    }

    /**
     * The service in a JVM of its own, with a backlog and a slow handler (its effect first, then half a
     * second more), stopped by SIGTERM as a service manager stops it: the close starts no buffered
     * message, the handlers running finish and are marked done, and the next instance bills the rest,
     * so no order is billed twice. Before the close started no buffered message, it kept starting them
     * until its timeout and left the handlers running then with their invoice written and not marked
     * done: billed again by the next instance.
     */
    @Test
    void aSigtermWithABacklogAndASlowHandlerShouldRepeatNoEffect() {
        List<String> firstServiceLines;
        List<String> args = new ArrayList<>(forkedServiceProperties());
        args.addAll(commonArguments());
        args.addAll(List.of("--sample.place-orders=" + ORDERS, "--sample.billing-pause=PT0.5S", SHORT_LEASE,
                "--keel.listeners.billing.close-timeout=PT3S"));
        try (ForkedJvm service = ForkedJvm.builder(SampleApplication.class).name("orders-service")
                .args(args.toArray(String[]::new)).start()) {
            service.awaitLineContaining("placed " + ORDERS + " orders", PATIENCE);
            await().atMost(PATIENCE).until(() -> tables.invoices() > 0);

            service.terminate(PATIENCE);
            firstServiceLines = service.lines();
        }
        long billedByFirst = tables.invoices();
        assertThat(billedByFirst).as("orders billed before the SIGTERM: some, not all").isBetween(1L, ORDERS - 1L);

        start(SHORT_LEASE);
        await().atMost(PATIENCE).until(() -> tables.invoices() >= ORDERS);
        // an effect left unmarked by the first JVM runs again once its lease (3 s) expires: give it twice that
        await().during(Duration.ofSeconds(6)).atMost(PATIENCE).untilAsserted(() -> assertThat(
                List.of(tables.repeatedOrders(), tables.executions()))
                .as("orders billed twice, and billing handler runs over both instances")
                .containsExactly(0L, (long) ORDERS));
        assertThat(tables.invoicedOrders()).as("orders invoiced").isEqualTo(ORDERS);
        assertThat(firstServiceLines).as("the first service's log of its close: what ran, what went back, how long")
                .anyMatch(line -> line.matches(".*closing the subscription to " + java.util.regex.Pattern.quote(topic) + " for group billing: \\d+ "
                        + "handler\\(s\\) running or kept \\(\\d+ message\\(s\\) at the broker's last delivery, run before the "
                        + "close\\), \\d+ buffered message\\(s\\) returned to the broker unstarted.*"))
                .anyMatch(line -> line.matches(".*closed the subscription to " + java.util.regex.Pattern.quote(topic)
                        + " for group billing in \\d+ ms.*"));
    }

    @Test
    void healthShouldBeDownWhileRedisIsUnreachableAndUpAfter() {
        try (RedisOutage outage = redisOutage()) {
            ConfigurableApplicationContext app = start(outage.serviceProperties(), connections());
            await().atMost(PATIENCE).until(() -> keelStatus(app).equals("UP"));

            outage.begin();
            await().atMost(PATIENCE).until(() -> keelStatus(app).equals("DOWN"));
            Http down = get(app, "/actuator/health");
            assertThat(down.status()).isEqualTo(503);
            assertThat(down.body().path("status").asString()).isEqualTo("DOWN");
            assertThat(down.body().path("components").path("keel").path("details").path("store").asString())
                    .startsWith("DOWN");
            placeOrders(app.getBean(OrderService.class), 0, 1); // published while the store is unreachable

            outage.end();
            await().atMost(PATIENCE).until(() -> keelStatus(app).equals("UP"));
            assertThat(get(app, "/actuator/health").status()).isEqualTo(200);
            await().atMost(PATIENCE).until(() -> tables.invoices() >= 1);
            assertThat(tables.executions()).as("the order placed during the outage, billed once").isEqualTo(1);
        }
    }

    @Test
    void keelMetersShouldBeVisibleThroughTheActuator() {
        ConfigurableApplicationContext app = start();
        int placed = 20;
        placeOrders(app.getBean(OrderService.class), 0, placed);
        await().atMost(PATIENCE).until(() -> tables.invoices() >= placed
                && measurement(app, "keel.handler", "COUNT") >= placed);

        List<String> names = new ArrayList<>();
        get(app, "/actuator/metrics").body().path("names").forEach(name -> names.add(name.asString()));
        assertThat(names).contains("keel.published", "keel.handler", "keel.in_flight");
        assertThat(measurement(app, "keel.handler", "COUNT")).isEqualTo(placed);
        assertThat(measurement(app, "keel.published", "COUNT")).isEqualTo(placed);
    }

    @Test
    void eachOrderShouldBeTracedFromItsPublishToItsDeliveryThroughTheTestTracer() {
        ConfigurableApplicationContext app = start(redisProperties(), context -> {
            connections().initialize(context);
            tracer.attachTo(context);
        });
        int placed = 5;
        placeOrders(app.getBean(OrderService.class), 0, placed);
        await().atMost(PATIENCE).until(() -> tables.invoices() >= placed);
        List<String> ids = IntStream.range(0, placed).mapToObj(i -> "order-" + i).toList();
        await().atMost(PATIENCE).untilAsserted(() -> {
            assertThat(ordersIn(tracer.finished(Span.Kind.PRODUCER))).as("orders with a producer span").containsAll(ids);
            assertThat(ordersIn(tracer.finished(Span.Kind.CONSUMER))).as("orders with a consumer span").containsAll(ids);
        });

        for (String id : ids) {
            MutableSpan producer = spansOf(Span.Kind.PRODUCER, id).get(0);
            assertThat(spansOf(Span.Kind.PRODUCER, id)).as("producer spans of %s", id).hasSize(1);
            assertThat(producer.name()).isEqualTo("send " + topic);
            assertMessagingAttributes(producer, id);
            // a redelivery (a rebalance, say) is one more consumer span: each continues the same producer span
            for (MutableSpan consumer : spansOf(Span.Kind.CONSUMER, id)) {
                assertThat(List.of(consumer.traceId(), String.valueOf(consumer.parentId())))
                        .as("trace id and parent span id of the consumer span of %s, from the traceparent header", id)
                        .containsExactly(producer.traceId(), producer.id());
                assertThat(consumer.name()).isEqualTo("process " + topic);
                assertMessagingAttributes(consumer, id);
                assertThat(consumer.tag("messaging.consumer.group.name")).isEqualTo("billing");
            }
        }
    }

    /** The order ids of the spans of this test's topic. */
    private List<String> ordersIn(List<MutableSpan> spans) {
        return spans.stream().filter(s -> topic.equals(s.tag("messaging.destination.name")))
                .map(s -> s.tag("messaging.message.id")).toList();
    }

    private List<MutableSpan> spansOf(Span.Kind kind, String orderId) {
        return tracer.finished(kind).stream().filter(s -> topic.equals(s.tag("messaging.destination.name"))
                && orderId.equals(s.tag("messaging.message.id"))).toList();
    }

    private void assertMessagingAttributes(MutableSpan span, String orderId) {
        assertThat(span.tag("messaging.system")).as("messaging.system of %s", span).isEqualTo(messagingSystem());
        assertThat(span.tag("messaging.destination.name")).as("messaging.destination.name of %s", span).isEqualTo(topic);
        assertThat(span.tag("messaging.message.id")).as("messaging.message.id of %s", span).isEqualTo(orderId);
    }

    /** Starts the service in this JVM, with the subclass's connections and Redis. */
    private ConfigurableApplicationContext start(String... more) {
        return start(redisProperties(), connections(), more);
    }

    private ConfigurableApplicationContext start(List<String> redis,
                                                 ApplicationContextInitializer<ConfigurableApplicationContext> initializer,
                                                 String... more) {
        List<String> args = new ArrayList<>(brokerProperties());
        args.addAll(redis);
        args.addAll(commonArguments());
        args.addAll(List.of(more));
        ConfigurableApplicationContext context = new SpringApplicationBuilder(SampleApplication.class)
                .initializers(initializer).run(args.toArray(String[]::new));
        contexts.add(context);
        return context;
    }

    /** The arguments every service of the test gets: this test's topic, key prefix and schema, any free HTTP port. */
    private List<String> commonArguments() {
        return List.of("--server.port=0", "--keel.redis.key-prefix=" + keyPrefix,
                "--sample.orders-topic=" + topic, "--sample.schema=" + schema,
                "--keel.topics." + topic + ".partitions=4");
    }

    private static void placeOrders(OrderService orders, int from, int to) {
        for (int i = from; i < to; i++) {
            orders.place(SampleOrders.order(i));
        }
    }

    private Subscription billingSubscription(ConfigurableApplicationContext app) {
        return app.getBean(Keel.class).subscriptions().stream().filter(s -> s.topic().equals(topic))
                .findFirst().orElseThrow();
    }

    private double duplicatesSkipped(MeterRegistry meters) {
        return meters.find("keel.duplicate_skipped").tag("topic", topic).counters().stream()
                .mapToDouble(Counter::count).sum();
    }

    private String keelStatus(ConfigurableApplicationContext app) {
        return get(app, "/actuator/health").body().path("components").path("keel").path("status").asString();
    }

    private double measurement(ConfigurableApplicationContext app, String meter, String statistic) {
        Http response = get(app, "/actuator/metrics/" + meter + "?tag=topic:" + topic);
        if (response.status() != 200) {
            return 0; // not registered yet
        }
        Stream<JsonNode> measurements = response.body().path("measurements").valueStream();
        return measurements.filter(m -> m.path("statistic").asString().equals(statistic))
                .mapToDouble(m -> m.path("value").asDouble()).sum();
    }

    private static Http get(ConfigurableApplicationContext app, String path) {
        int port = app.getEnvironment().getRequiredProperty("local.server.port", Integer.class);
        return RestClient.create("http://127.0.0.1:" + port).get().uri(path)
                .exchange((request, response) -> new Http(response.getStatusCode().value(),
                        JSON.readTree(response.getBody())));
    }

    private record Http(int status, JsonNode body) {
    }
}
