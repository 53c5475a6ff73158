package dev.keel.cli.replay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.keel.Codec;
import dev.keel.DeliveryGuarantee;
import dev.keel.Subscription;
import dev.keel.SubscriptionConfig;
import dev.keel.TopicSpec;
import dev.keel.TypedPublisher;
import dev.keel.cli.CliRun;
import dev.keel.cli.ExitCodes;
import dev.keel.core.Keel;
import dev.keel.dedup.redis.RedisIdempotencyStore;
import dev.keel.dedup.redis.RedisStoreConfig;
import dev.keel.kafka.KafkaAdapter;
import dev.keel.kafka.KafkaConfig;
import dev.keel.rocket.RocketAdapter;
import dev.keel.rocket.RocketConfig;
import dev.keel.spi.BrokerAdapter;
import dev.keel.testbrokers.ActiveMQEndpoint;
import dev.keel.testbrokers.ArtemisEndpoint;
import dev.keel.testbrokers.KafkaEndpoint;
import dev.keel.testbrokers.RabbitEndpoint;
import dev.keel.testbrokers.RealBrokers;
import dev.keel.testbrokers.RedisEndpoint;
import dev.keel.testbrokers.RocketEndpoint;
import java.io.BufferedReader;
import java.io.PrintWriter;
import java.io.StringReader;
import java.io.StringWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import picocli.CommandLine;

/** {@code keel replay} on the harness's real Kafka, RocketMQ, Redis and RabbitMQ. */
@ExtendWith(RealBrokers.class)
class ReplayCommandTest {

    private static final int MESSAGES = 6;

    private final String topic = "keel-cli-replay-" + UUID.randomUUID().toString().substring(0, 8);
    private final String group = topic + "-g";
    private final Map<String, AtomicInteger> runs = new ConcurrentHashMap<>();

    @Test
    void replayShouldRewindTheGroupToTheTimeGiven(KafkaEndpoint kafka, RedisEndpoint redis) {
        Instant before = Instant.now().minusSeconds(1);
        consumeOnce(kafka, redis);
        String[] common = {"replay", "--broker", "kafka", "--bootstrap-servers", kafka.bootstrapServers(), "--topic",
            topic, "--group", group, "--from", before.toString()};

        CliRun replay = CliRun.of(common);

        assertThat(replay.exitCode()).as(replay.err()).isEqualTo(ExitCodes.OK);
        assertThat(replay.out()).contains("Rewound: " + MESSAGES + " messages to read again");
    }

    @Test
    void reprocessShouldChangeNothingUnlessConfirmedAndThenForgetTheDoneMarks(KafkaEndpoint kafka,
                                                                               RedisEndpoint redis) {
        consumeOnce(kafka, redis);
        StringWriter out = new StringWriter();
        CommandLine cli = new CommandLine(new ReplayCommand(() -> new BufferedReader(new StringReader("n\n"))));
        cli.setOut(new PrintWriter(out, true));

        int code = cli.execute("--broker", "kafka", "--bootstrap-servers", kafka.bootstrapServers(), "--topic", topic,
                "--group", group, "--from", "1h", "--reprocess", "--redis", redis.uri());

        assertThat(code).isEqualTo(ExitCodes.USAGE_OR_ENVIRONMENT);
        assertThat(out.toString()).contains("[y/N]").contains("Not confirmed: nothing changed.");

        CliRun confirmed = CliRun.of("replay", "--broker", "kafka", "--bootstrap-servers", kafka.bootstrapServers(),
                "--topic", topic, "--group", group, "--from", "1h", "--reprocess", "--yes", "--redis", redis.uri());

        assertThat(confirmed.exitCode()).as(confirmed.err()).isEqualTo(ExitCodes.OK);
        assertThat(confirmed.out()).as("the group was still at the end")
                .contains("Rewound: " + MESSAGES + " messages to read again, " + MESSAGES + " done marks forgotten");
    }

    @Test
    void reprocessShouldForgetTheDoneMarksUnderTheKeyPrefixGiven(KafkaEndpoint kafka, RedisEndpoint redis) {
        String keyPrefix = "billing-" + UUID.randomUUID().toString().substring(0, 8);
        consumeOnce(kafkaAdapter(kafka), redis, keyPrefix);

        CliRun run = CliRun.of("replay", "--broker", "kafka", "--bootstrap-servers", kafka.bootstrapServers(),
                "--topic", topic, "--group", group, "--from", "1h", "--reprocess", "--yes", "--redis", redis.uri(),
                "--key-prefix", keyPrefix);

        assertThat(run.exitCode()).as(run.err()).isEqualTo(ExitCodes.OK);
        assertThat(run.out()).as("the marks are under '" + keyPrefix + "', not the default 'keel'")
                .contains("Rewound: " + MESSAGES + " messages to read again, " + MESSAGES + " done marks forgotten");
    }

    @Test
    void replayShouldRewindTheGroupOnRocket(RocketEndpoint rocket, RedisEndpoint redis) {
        Instant before = Instant.now().minusSeconds(1);
        consumeOnce(new RocketAdapter(RocketConfig.custom().nameServer(rocket.nameServerAddress())
                .rebalanceInterval(Duration.ofMillis(500)).commitInterval(Duration.ofMillis(200)).build()),
                redis, RedisStoreConfig.DEFAULT_KEY_PREFIX);

        CliRun replay = CliRun.of("replay", "--broker", "rocket", "--namesrv", rocket.nameServerAddress(), "--topic",
                topic, "--group", group, "--from", before.toString());

        assertThat(replay.exitCode()).as(replay.err()).isEqualTo(ExitCodes.OK);
        assertThat(replay.out()).contains("Group '" + group + "' of topic '" + topic + "' on name server "
                + rocket.nameServerAddress()).contains("Rewound: " + MESSAGES + " messages to read again");
    }

    @Test
    void replayOnRabbitShouldSayItIsNotOffered(RabbitEndpoint rabbit) {
        CliRun run = CliRun.of("replay", "--broker", "rabbit", "--rabbit-uri", rabbit.uri(), "--topic", topic,
                "--group", group, "--from", "15m");

        assertThat(run.exitCode()).isEqualTo(ExitCodes.USAGE_OR_ENVIRONMENT);
        assertThat(run.err()).contains("offers no replay");
    }

    @Test
    void replayOnArtemisShouldSayItIsNotOffered(ArtemisEndpoint artemis) {
        CliRun run = CliRun.of("replay", "--broker", "artemis", "--artemis-url", artemis.url(), "--topic", topic,
                "--group", group, "--from", "15m");

        assertThat(run.exitCode()).isEqualTo(ExitCodes.USAGE_OR_ENVIRONMENT);
        assertThat(run.err()).contains("--broker artemis offers no replay");
    }

    @Test
    void replayOnActiveMQClassicShouldSayItIsNotOffered(ActiveMQEndpoint activemq) {
        CliRun run = CliRun.of("replay", "--broker", "activemq", "--activemq-url", activemq.url(), "--topic", topic,
                "--group", group, "--from", "15m");

        assertThat(run.exitCode()).isEqualTo(ExitCodes.USAGE_OR_ENVIRONMENT);
        assertThat(run.err()).contains("--broker activemq offers no replay");
    }

    private void consumeOnce(KafkaEndpoint kafka, RedisEndpoint redis) {
        consumeOnce(kafkaAdapter(kafka), redis, RedisStoreConfig.DEFAULT_KEY_PREFIX);
    }

    private static KafkaAdapter kafkaAdapter(KafkaEndpoint kafka) {
        return new KafkaAdapter(KafkaConfig.custom().bootstrapServers(kafka.bootstrapServers()).build());
    }

    /**
     * Declares the topic, consumes {@value #MESSAGES} messages under EFFECTIVELY_ONCE in the group
     * (Redis store under {@code keyPrefix}), and stops; closes {@code adapter}.
     */
    private void consumeOnce(BrokerAdapter adapter, RedisEndpoint redis, String keyPrefix) {
        try (adapter;
             RedisIdempotencyStore store = RedisIdempotencyStore.create(RedisStoreConfig.custom().uri(redis.uri())
                     .keyPrefix(keyPrefix).build());
             Keel keel = Keel.builder(adapter).idempotencyStore(store).build()) {
            keel.ensureTopology(TopicSpec.builder(topic).partitions(2).group(group).build());
            Subscription subscription = keel.subscribe(SubscriptionConfig.builder(topic, group, Codec.utf8())
                    .guarantee(DeliveryGuarantee.EFFECTIVELY_ONCE).build(),
                    d -> runs.computeIfAbsent(d.id(), id -> new AtomicInteger()).incrementAndGet());
            TypedPublisher<String> publisher = keel.publisher(topic, Codec.utf8());
            for (int i = 0; i < MESSAGES; i++) {
                publisher.publish("key-" + i, "m-" + i);
            }
            await().atMost(Duration.ofSeconds(60)).until(() -> runs.size() == MESSAGES);
            subscription.close();
        }
    }

}
