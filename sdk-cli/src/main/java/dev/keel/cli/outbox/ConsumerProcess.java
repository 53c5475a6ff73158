package dev.keel.cli.outbox;

import dev.keel.MessageHandler;
import dev.keel.Subscription;
import dev.keel.SubscriptionConfig;
import dev.keel.cli.broker.BrokerMode;
import dev.keel.cli.broker.BrokerModes;
import dev.keel.cli.broker.BrokerOptions;
import dev.keel.core.Keel;
import dev.keel.dedup.jdbc.JdbcIdempotencyStore;
import dev.keel.dedup.jdbc.JdbcStoreConfig;
import dev.keel.kafka.KafkaAdapter;
import dev.keel.kafka.KafkaConfig;
import dev.keel.spi.BrokerAdapter;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicLong;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * The inbox consumer of {@code verify --outbox --kill-9}, run as a child JVM by {@link KilledConsumers}:
 * it subscribes with the JDBC transactional inbox and writes the same effect rows as the in-process
 * consumer, prints {@code applied N} every {@code --report-every}
 * committed effects, and closes its subscription when its standard input ends (the parent's normal
 * end). The parent kills it with SIGKILL at random times; nothing here knows when.
 *
 * <p>Not a user command: the broker's credentials and the database password come through the
 * environment ({@link #RABBIT_URI_ENV}, {@link #ARTEMIS_URL_ENV}, {@link #ACTIVEMQ_URL_ENV}, {@link #DB_URL_ENV},
 * {@link #DB_PASSWORD_ENV}; the ActiveMQ passwords in the variables {@code --artemis-password-env} and
 * {@code --activemq-password-env} name, which the child inherits), never the command line.
 */
@Command(name = "keel-verify-outbox-consumer")
public final class ConsumerProcess implements Callable<Integer> {

    static final String RABBIT_URI_ENV = "KEEL_VERIFY_CHILD_RABBIT_URI";
    static final String ARTEMIS_URL_ENV = "KEEL_VERIFY_CHILD_ARTEMIS_URL";
    static final String ACTIVEMQ_URL_ENV = "KEEL_VERIFY_CHILD_ACTIVEMQ_URL";
    static final String DB_URL_ENV = "KEEL_VERIFY_CHILD_DB_URL";
    static final String DB_PASSWORD_ENV = "KEEL_VERIFY_CHILD_DB_PASSWORD";
    static final String APPLIED = "applied ";

    @Mixin
    private BrokerOptions broker = new BrokerOptions();

    @Option(names = "--db-user")
    private String dbUser;

    @Option(names = "--prefix", required = true)
    private String prefix;

    @Option(names = "--topic", required = true)
    private String topic;

    @Option(names = "--group", required = true)
    private String group;

    @Option(names = "--lanes", required = true)
    private int lanes;

    @Option(names = "--lease-ms", required = true)
    private long leaseMillis;

    @Option(names = "--report-every", required = true)
    private int reportEvery;

    private ConsumerProcess() {
    }

    public static void main(String[] args) {
        System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
        List<String> all = new ArrayList<>(Arrays.asList(args));
        addFromEnvironment(all, "--rabbit-uri", RABBIT_URI_ENV);
        addFromEnvironment(all, "--artemis-url", ARTEMIS_URL_ENV);
        addFromEnvironment(all, "--activemq-url", ACTIVEMQ_URL_ENV);
        System.exit(new CommandLine(new ConsumerProcess()).execute(all.toArray(new String[0])));
    }

    /** {@code flag value} when the environment variable {@code variable} holds a value. */
    private static void addFromEnvironment(List<String> args, String flag, String variable) {
        String value = System.getenv(variable);
        if (value != null && !value.isEmpty()) {
            args.add(flag);
            args.add(value);
        }
    }

    @Override
    public Integer call() throws Exception {
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        String password = System.getenv(DB_PASSWORD_ENV);
        OutboxDatabase db = new OutboxDatabase(System.getenv(DB_URL_ENV), dbUser, password == null ? "" : password, prefix);
        BrokerMode mode = BrokerModes.lookup(broker.broker());
        JdbcIdempotencyStore store = JdbcIdempotencyStore.create(db, JdbcStoreConfig.custom().tablePrefix(prefix).build());
        SubscriptionConfig<String> config = OutboxVerify.subscription(topic, group, lanes, Duration.ofMillis(leaseMillis));
        AtomicLong applied = new AtomicLong();
        ThreadLocal<Boolean> ran = ThreadLocal.withInitial(() -> false);
        MessageHandler<String> inbox = store.transactional(config, (delivery, connection) -> {
            ran.set(true);
            InboxConsumers.applyEffect(connection, delivery, prefix + "effects");
        });
        try (BrokerAdapter adapter = adapter(mode);
             Keel keel = Keel.builder(adapter).idempotencyStore(store).build()) {
            Subscription subscription = keel.subscribe(config, delivery -> {
                ran.set(false);
                inbox.handle(delivery);
                if (ran.get()) {   // this delivery's effect and done mark were committed
                    long n = applied.incrementAndGet();
                    if (n % reportEvery == 0) {
                        synchronized (out) {
                            out.println(APPLIED + n);
                        }
                    }
                }
            });
            awaitEndOfInput(System.in);
            subscription.close(Duration.ofSeconds(10));
        }
        return 0;
    }

    /**
     * Kafka's default session timeout (45 s) would keep a killed member's partitions that long; a short
     * one lets the next process take over within seconds, as a restarted consumer would want.
     */
    private BrokerAdapter adapter(BrokerMode mode) {
        if ("kafka".equals(mode.name())) {
            KafkaConfig.Builder b = KafkaConfig.custom().bootstrapServers(broker.bootstrapServers())
                    .clientId("keel-cli-inbox");
            broker.tls().kafkaProperties().forEach(b::property);
            return new KafkaAdapter(b.property("session.timeout.ms", "6000").property("heartbeat.interval.ms", "1000")
                    .build());
        }
        return mode.createAdapter(broker);
    }

    private static void awaitEndOfInput(InputStream in) throws IOException {
        byte[] buffer = new byte[256];
        while (in.read(buffer) >= 0) {
            // the parent writes nothing: end of input is its only signal
        }
    }
}
