package dev.keel.cli.dlq;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.keel.Codec;
import dev.keel.DeliveryGuarantee;
import dev.keel.Subscription;
import dev.keel.SubscriptionConfig;
import dev.keel.TopicSpec;
import dev.keel.TypedPublisher;
import dev.keel.cli.CliRun;
import dev.keel.cli.CountingMetrics;
import dev.keel.cli.ExitCodes;
import dev.keel.core.Keel;
import dev.keel.dedup.redis.RedisIdempotencyStore;
import dev.keel.dedup.redis.RedisStoreConfig;
import dev.keel.metrics.MetricEvent;
import dev.keel.rabbit.RabbitAdapter;
import dev.keel.rabbit.RabbitConfig;
import dev.keel.retry.RetryPolicy;
import dev.keel.spi.BrokerAdapter;
import dev.keel.testbrokers.RabbitEndpoint;
import dev.keel.testbrokers.RealBrokers;
import dev.keel.testbrokers.RedisEndpoint;
import java.io.BufferedReader;
import java.io.PrintWriter;
import java.io.StringReader;
import java.io.StringWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import picocli.CommandLine;

/**
 * {@code keel dlq list|show|redrive} end to end on the harness's real RabbitMQ, with a
 * Redis store: an {@code EFFECTIVELY_ONCE} subscription (3 attempts) whose handler throws for three of
 * five orders while a flag is broken dead-letters them; the CLI lists and shows them; the flag is
 * fixed; a refused confirmation re-drives nothing; {@code redrive --yes --progress} re-drives the
 * three, each applied once; a second re-drive finds nothing and applies nothing twice. The scenario
 * prints each command and its output (the transcript in docs/cli.md comes from it).
 */
@ExtendWith(RealBrokers.class)
class DlqCommandTest {

    private static final List<String> ORDERS = List.of("order-1", "order-2", "order-3", "order-4", "order-5");
    private static final List<String> POISON = List.of("order-1", "order-3", "order-5");
    private static final String FULL_BAR = "[" + "#".repeat(30) + "] 3/3  re-driven 3, kept 0, failed 0";

    private final String topic = "keel-cli-dlq-" + UUID.randomUUID().toString().substring(0, 8);
    private final String group = "billing";
    private final AtomicBoolean broken = new AtomicBoolean(true);
    private final Map<String, AtomicInteger> applied = new ConcurrentHashMap<>();
    private final CountingMetrics metrics = new CountingMetrics();

    @Test
    void poisonOrdersShouldBeListedShownAndRedrivenOnceEachOnRabbit(RabbitEndpoint rabbit, RedisEndpoint redis) {
        try (RabbitAdapter adapter = new RabbitAdapter(RabbitConfig.custom().uri(rabbit.uri()).build())) {
            scenario(adapter, redis, "--broker", "rabbit", "--rabbit-uri", rabbit.uri());
        }
    }

    private void scenario(BrokerAdapter adapter, RedisEndpoint redis, String... brokerFlags) {
        List<String> flags = new ArrayList<>(List.of(brokerFlags));
        flags.addAll(List.of("--topic", topic, "--group", group));
        try (RedisIdempotencyStore store = RedisIdempotencyStore.create(RedisStoreConfig.custom().uri(redis.uri())
                     .build());
             Keel keel = Keel.builder(adapter).idempotencyStore(store).metrics(metrics).build()) {
            keel.ensureTopology(TopicSpec.builder(topic).partitions(2).group(group).build());
            Subscription subscription = keel.subscribe(SubscriptionConfig.builder(topic, group, Codec.utf8())
                    .guarantee(DeliveryGuarantee.EFFECTIVELY_ONCE)
                    .retryPolicy(RetryPolicy.custom().maxAttempts(3).initialBackoff(Duration.ofMillis(20))
                            .maxBackoff(Duration.ofMillis(200)).jitter(0.0).build())
                    .build(), d -> {
                        if (POISON.contains(d.id()) && broken.get()) {
                            throw new IllegalStateException("unknown currency code in " + d.id());
                        }
                        applied.computeIfAbsent(d.id(), id -> new AtomicInteger()).incrementAndGet();
                    });
            TypedPublisher<String> publisher = keel.publisher(topic, Codec.utf8());
            for (String id : ORDERS) {
                publisher.message(payload(id)).id(id)
                        .key(id.replace("order", "customer")).publish();
            }
            await().atMost(Duration.ofSeconds(90)).until(() -> metrics.count(MetricEvent.DEAD_LETTERED, topic) >= 3
                    && applied.keySet().containsAll(List.of("order-2", "order-4")));

            CliRun list = run(flags, "dlq", "list");
            assertThat(list.exitCode()).as(list.err()).isEqualTo(ExitCodes.OK);
            for (String id : POISON) {
                assertThat(list.out()).as("row of " + id).containsPattern(Pattern.compile("(?m)^" + id + "\\s+"
                        + id.replace("order", "customer") + "\\s+IllegalStateException\\s+3\\s+"
                        + Pattern.quote(topic) + "/\\S+\\s+\\d{4}-\\d\\d-\\d\\dT"));
            }
            assertThat(list.out()).contains(topic + ".DLT, group " + group).contains("3 dead letter(s)")
                    .doesNotContain("order-2").doesNotContain("order-4");

            CliRun show = run(flags, "dlq", "show", "order-3");
            assertThat(show.exitCode()).as(show.err()).isEqualTo(ExitCodes.OK);
            assertThat(show.out()).contains("id:               order-3", "key:              customer-3",
                    "group:            billing", "cause class:      java.lang.IllegalStateException",
                    "cause message:    unknown currency code in order-3", "reason:           handler",
                    "attempts:         3", "origin:           " + topic + "/", "payload:          " + payload("order-3").length() + " bytes")
                    .doesNotContain("XXX");

            broken.set(false);
            StringWriter refusedOut = new StringWriter();
            CommandLine refusing = new CommandLine(new DlqRedriveCommand(
                    () -> new BufferedReader(new StringReader("n\n"))));
            refusing.setOut(new PrintWriter(refusedOut, true));
            int refusedCode = refusing.execute(flags.toArray(String[]::new));
            assertThat(refusedCode).as("a refused re-drive exits as a refused replay --reprocess").isEqualTo(ExitCodes.USAGE_OR_ENVIRONMENT);
            assertThat(refusedOut.toString()).contains("[y/N]").contains("nothing re-driven");
            System.out.println("$ ./keel dlq redrive " + String.join(" ", flags) + "\n"
                    + refusedOut.toString().replace("[y/N] ", "[y/N] n" + System.lineSeparator()));

            CliRun redrive = run(flags, "dlq", "redrive", "--yes", "--progress");
            assertThat(redrive.exitCode()).as(redrive.err()).isEqualTo(ExitCodes.OK);
            assertThat(redrive.out()).as("the refusal left every dead letter")
                    .contains("examined 3, re-driven 3, kept 0, failed 0");
            assertThat(redrive.err()).contains("\r" + FULL_BAR).endsWith(FULL_BAR + System.lineSeparator());
            await().atMost(Duration.ofSeconds(60)).until(() -> applied.keySet().containsAll(POISON));

            CliRun again = run(flags, "dlq", "redrive", "--yes", "--progress");
            assertThat(again.exitCode()).as(again.err()).isEqualTo(ExitCodes.OK);
            assertThat(again.out()).contains("examined 0, re-driven 0, kept 0, failed 0")
                    .as("says which letters a read cannot see").contains("consumed in group " + group,
                            "a group of their own");
            publisher.message("sentinel").id("order-6").key("customer-1").publish();
            await().atMost(Duration.ofSeconds(60)).until(() -> applied.containsKey("order-6"));
            for (String id : ORDERS) {
                assertThat(applied.get(id).get()).as("times %s was applied", id).isEqualTo(1);
            }
            subscription.close();
        }
    }

    private static String payload(String id) {
        return "{\"order\":\"" + id + "\",\"currency\":\"XXX\"}";
    }

    /** Runs {@code keel args flags} and prints the command and what it wrote, as a terminal shows it. */
    private static CliRun run(List<String> flags, String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(flags);
        if (args[1].equals("show")) {
            all.add(all.remove(2));
        }
        CliRun run = CliRun.of(all.toArray(String[]::new));
        // a terminal shows the progress bar's last state, under the first line of the output
        String bar = run.err().substring(run.err().lastIndexOf('\r') + 1);
        int firstLine = run.out().indexOf('\n') + 1;
        System.out.println("$ ./keel " + String.join(" ", all) + "\n" + run.out().substring(0, firstLine) + bar
                + run.out().substring(firstLine));
        return run;
    }
}
