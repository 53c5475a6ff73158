package dev.keel.rabbit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.keel.AccessRefusedException;
import dev.keel.Codec;
import dev.keel.DeliveryGuarantee;
import dev.keel.KeelException;
import dev.keel.Subscription;
import dev.keel.SubscriptionConfig;
import dev.keel.TopicSpec;
import dev.keel.core.Keel;
import dev.keel.deadletter.DeadLetterFilter;
import dev.keel.retry.RetryPolicy;
import dev.keel.rabbit.internal.Names;
import dev.keel.testbrokers.BrokerKind;
import dev.keel.testbrokers.RabbitEndpoint;
import dev.keel.testbrokers.UsesBrokers;
import java.time.Duration;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * What RabbitMQ refuses beyond the refused-access contract ({@link RabbitRefusedAccessContractTest}): a refused login
 * and a virtual host name the user; a delayed publish and a declaration need write on the default exchange; a burst
 * of refused publishes does not pause publishing to the topics the user may write; and the least permissions
 * docs/security.md gives an application suffice on its own topics and are refused elsewhere.
 */
@Tag("secured")
@UsesBrokers(BrokerKind.RABBIT)
class AccessRefusedTest {

    private static final String GROUP = "g";

    private final RabbitEndpoint rabbit = RabbitTestSupport.rabbit();
    private final String topic = RabbitTestSupport.unique("refused-access");
    private final String user = "keel-user-" + UUID.randomUUID().toString().substring(0, 8);
    private final String password = "pw-" + UUID.randomUUID();
    private RabbitAdapter admin;
    private Keel adminKeel;

    @BeforeEach
    void open() {
        assumeTrue(rabbit.supportsNodeCommands(), "adds users with rabbitmqctl on the harness's node");
        admin = new RabbitAdapter(RabbitTestSupport.config().build());
        adminKeel = Keel.builder(admin).withoutIdempotencyStore().build();
        admin.ensureTopology(TopicSpec.builder(topic).partitions(2).group(GROUP).build());
        rabbit.rabbitmqctl("add_user", user, password);
    }

    @AfterEach
    void close() {
        if (adminKeel != null) {
            adminKeel.close();
            admin.close();
            rabbit.rabbitmqctl("delete_user", user);
        }
    }

    @Test
    void aRefusedLoginShouldNameTheUserAndTheCredentialsToCheckAgainWithinTheReconnectInterval() {
        grant(".*", ".*", ".*");
        try (RabbitAdapter adapter = limited("wrong-" + UUID.randomUUID());
             Keel keel = Keel.builder(adapter).withoutIdempotencyStore().build()) {
            for (int attempt = 0; attempt < 2; attempt++) { // the second within the reconnect interval
                assertRefused(catchThrowable(() -> keel.publisher(topic, Codec.utf8()).message("m").key("k")
                        .publish()), user, "password");
            }
        }
    }

    @Test
    void aUserWithoutAccessToTheVirtualHostShouldBeRefusedNamingIt() {
        String vhost = RabbitTestSupport.config().build().virtualHost();
        try (RabbitAdapter adapter = limited(password); Keel keel = Keel.builder(adapter).withoutIdempotencyStore()
                .build()) {
            Throwable publish = catchThrowable(() -> keel.publisher(topic, Codec.utf8()).message("m").key("k")
                    .publish());

            assertRefused(publish, user, "virtual host '" + vhost + "'");
            assertThat(publish).hasMessageContaining("set_permissions");
        }
    }

    /**
     * A refused publish makes RabbitMQ close the shared publishing channel, failing what was pending on it, to any
     * topic, as retriable: a burst of refused publishes must not turn that into an open circuit breaker on a topic the
     * user may write (review R1: 3,384 of 4,260 publishes to the allowed topic failed "circuit breaker is open").
     */
    @Test
    void aBurstOfRefusedPublishesShouldNotOpenTheBreakerOfATopicTheUserMayWrite() throws Exception {
        String other = RabbitTestSupport.unique("writable");
        admin.ensureTopology(TopicSpec.builder(other).partitions(2).group(GROUP).build());
        grant(".*", "^(?!" + quote(Names.exchange(topic)) + "$).*", ".*");
        try (RabbitAdapter adapter = limited(password); Keel keel = Keel.builder(adapter).withoutIdempotencyStore()
                .build()) {
            keel.publisher(other, Codec.utf8()).message("warm-up").key("k").publish();
            java.util.List<java.util.concurrent.CompletableFuture<?>> load = new java.util.ArrayList<>();
            java.util.concurrent.atomic.AtomicBoolean refusing = new java.util.concurrent.atomic.AtomicBoolean(true);
            Thread loader = new Thread(() -> {
                int i = 0;
                while (refusing.get() || i < 500) {
                    load.add(keel.publisher(other, Codec.utf8()).publishAsync(keel.publisher(other, Codec.utf8())
                            .message("load-" + i).key("k" + (i % 16))).toCompletableFuture());
                    i++;
                    if (i % 20 == 0) {
                        Thread.onSpinWait();
                    }
                }
            });
            loader.start();
            for (int i = 0; i < 30; i++) {
                assertRefused(catchThrowable(() -> keel.publisher(topic, Codec.utf8()).message("refused").key("k")
                        .publish()), user, "write permission on exchange '" + Names.exchange(topic) + "'");
            }
            refusing.set(false);
            loader.join();
            java.util.List<String> breakerOpen = new java.util.ArrayList<>();
            java.util.Map<String, Integer> otherFailures = new java.util.TreeMap<>();
            for (java.util.concurrent.CompletableFuture<?> f : load) {
                try {
                    f.get(60, TimeUnit.SECONDS);
                } catch (java.util.concurrent.ExecutionException e) {
                    if (String.valueOf(e.getCause().getMessage()).contains("circuit breaker")) {
                        breakerOpen.add(e.getCause().getMessage());
                    } else {
                        otherFailures.merge(e.getCause().getClass().getSimpleName() + ": " + String.valueOf(e
                                .getCause().getMessage()).replaceAll("'[^']*'", "'…'"), 1, Integer::sum);
                    }
                }
            }
            // the other failures are what the breaker counted: named so that a failure says what opened it
            assertThat(breakerOpen).as("publishes to the allowed topic failed by its open breaker (of %s; other"
                    + " failures: %s)", load.size(), otherFailures).isEmpty();
            assertThat(keel.publisherState()).isEqualTo(dev.keel.PublisherState.ACCEPTING);
        }
    }

    /** A delayed publish goes through a delay queue, declared and written through the default exchange (review R2). */
    @Test
    void aDelayedPublishWithoutWriteOnTheDefaultExchangeShouldBeRefusedNotRetried() {
        grant(".*", "^(?!amq\\.default$).*", ".*");
        try (RabbitAdapter adapter = limited(password); Keel keel = Keel.builder(adapter).withoutIdempotencyStore()
                .build()) {
            Throwable refused = catchThrowable(() -> keel.publisher(topic, Codec.utf8()).message("later").key("k")
                    .delay(Duration.ofSeconds(30)).publish());

            assertRefused(refused, user, "amq.default");
        }
    }

    /** Declaring a topic writes its record through the default exchange (review R3: "the connection was lost"). */
    @Test
    void anEnsureTopologyWithoutWriteOnTheDefaultExchangeShouldBeRefused() {
        grant(".*", "^(?!amq\\.default$).*", ".*");
        try (RabbitAdapter adapter = limited(password); Keel keel = Keel.builder(adapter).withoutIdempotencyStore()
                .build()) {
            Throwable refused = catchThrowable(() -> keel.ensureTopology(TopicSpec.builder(RabbitTestSupport
                    .unique("undeclared")).partitions(2).group(GROUP).build()));

            assertRefused(refused, user, "amq.default");
        }
    }

    /**
     * The least privilege docs/security.md gives an application: configure, write and read on the names of its own
     * topics (a topic's exchange is the topic's name; everything else Keel declares for it starts with the topic's
     * name and a dot: partition queues, records, members, delays, dead letters), and write on the default exchange,
     * through which Keel stores a topic's record in its marker queue.
     */
    @Test
    void aUserLimitedToItsTopicsNamesShouldDeclarePublishConsumeAndDeadLetterAndBeRefusedElsewhere() {
        String own = RabbitTestSupport.unique("own");
        String names = "^" + quote(own) + "(\\..*)?$";
        grant(names, "^(" + quote(own) + "(\\..*)?|amq\\.default)$", names);
        Set<String> handled = ConcurrentHashMap.newKeySet();
        try (RabbitAdapter adapter = limited(password); Keel keel = Keel.builder(adapter).withoutIdempotencyStore()
                .build()) {
            keel.ensureTopology(TopicSpec.builder(own).partitions(2).group(GROUP).build());
            keel.subscribe(SubscriptionConfig.builder(own, GROUP, Codec.utf8())
                    .guarantee(DeliveryGuarantee.AT_LEAST_ONCE)
                    .retryPolicy(RetryPolicy.custom().maxAttempts(1).build()).build(), d -> {
                        if (d.payload().startsWith("poison")) {
                            throw new IllegalStateException("refused for the test");
                        }
                        handled.add(d.payload());
                    });
            for (int i = 0; i < 5; i++) {
                keel.publisher(own, Codec.utf8()).message("m" + i).key("k" + i).publish();
            }
            keel.publisher(own, Codec.utf8()).message("poison").key("k").publish();
            await().atMost(60, TimeUnit.SECONDS).until(() -> handled.size() == 5);
            await().atMost(60, TimeUnit.SECONDS).until(() -> keel.deadLetters(own, GROUP)
                    .withQuietPeriod(Duration.ofMillis(500)).list(DeadLetterFilter.all()).size() == 1);

            assertRefused(catchThrowable(() -> keel.publisher(topic, Codec.utf8()).message("m").key("k").publish()),
                    user, "write permission");
            assertRefused(catchThrowable(() -> keel.ensureTopology(TopicSpec.builder(RabbitTestSupport
                    .unique("other")).partitions(2).group(GROUP).build())), user, "ACCESS_REFUSED");
            assertRefused(catchThrowable(() -> keel.subscribe(subscription(), d -> { })), user, "ACCESS_REFUSED");
        }
    }

    private void publish(String prefix, int count) {
        for (int i = 0; i < count; i++) {
            adminKeel.publisher(topic, Codec.utf8()).message(prefix + "-" + i).key("k" + i).publish();
        }
    }

    private static void assertRefused(Throwable refused, String user, String saying) {
        assertThat(refused).isInstanceOf(AccessRefusedException.class).hasMessageContaining(user)
                .hasMessageContaining(saying);
        assertThat(((KeelException) refused).isRetriable()).as("retriable").isFalse();
    }

    private void grant(String configure, String write, String read) {
        rabbit.rabbitmqctl("set_permissions", "-p", RabbitTestSupport.config().build().virtualHost(), user, configure,
                write, read);
    }

    private RabbitAdapter limited(String password) {
        return new RabbitAdapter(RabbitTestSupport.config().username(user).password(password).build());
    }

    private SubscriptionConfig<String> subscription() {
        return SubscriptionConfig.builder(topic, GROUP, Codec.utf8()).guarantee(DeliveryGuarantee.AT_LEAST_ONCE)
                .closeTimeout(Duration.ofSeconds(10)).build();
    }

    private static String quote(String name) {
        return name.replace(".", "\\.").replace("-", "\\-");
    }
}
