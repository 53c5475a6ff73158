package dev.keel.testkit.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.keel.Codec;
import dev.keel.KeelHeaders;
import dev.keel.Message;
import dev.keel.SubscriptionConfig;
import dev.keel.TopicSpec;
import dev.keel.core.Keel;
import dev.keel.retry.RetryPolicy;
import dev.keel.testkit.InMemoryBroker;
import java.io.PrintStream;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Isolated;
import org.slf4j.MDC;
import org.slf4j.TestMdcAdapter;

/**
 * While Keel handles a message, the SLF4J MDC of the thread holds its trace id (from its {@code traceparent}
 * header), id, topic and group: in the application's handler, so its own log lines carry them, and in Keel's log
 * lines about the message, the dead-letter warning among them, on whatever thread logs it. A message without trace
 * context does not inherit the one before it on the same thread.
 */
@Isolated // it reads System.err, where the logs of any class running beside it would go too
class MessageLogContextTest {

    private static final Duration PATIENCE = Duration.ofSeconds(30);
    private static final String TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
    private static final String TRACEPARENT = "00-" + TRACE_ID + "-00f067aa0ba902b7-01";

    private final InMemoryBroker broker = InMemoryBroker.create();

    @BeforeAll
    static void workingMdc() {
        TestMdcAdapter.install();
    }

    @AfterEach
    void close() {
        broker.close();
    }

    @Test
    void theHandlersOwnLogLinesShouldCarryTheMessagesTraceIdIdTopicAndGroup() {
        Map<String, Map<String, String>> seen = new ConcurrentHashMap<>();
        try (Keel keel = Keel.builder(broker).build()) {
            keel.ensureTopology(TopicSpec.builder("orders").partitions(1).group("billing").build());
            keel.subscribe(SubscriptionConfig.builder("orders", "billing", Codec.utf8()).lanes(1).build(),
                    d -> seen.put(d.id(), Optional.ofNullable(MDC.getCopyOfContextMap()).orElse(Map.of())));
            keel.publisher().publish("orders", Message.builder(Codec.utf8().encode("traced")).id("m1").key("k")
                    .header(KeelHeaders.TRACEPARENT, TRACEPARENT).build());
            keel.publisher().publish("orders", Message.builder(Codec.utf8().encode("untraced")).id("m2").key("k")
                    .build());

            await().atMost(PATIENCE).until(() -> seen.size() == 2);
        }
        assertThat(seen.get("m1")).containsEntry("traceId", TRACE_ID).containsEntry("keel.messageId", "m1")
                .containsEntry("keel.topic", "orders").containsEntry("keel.group", "billing");
        assertThat(seen.get("m2")).as("the next message of the same lane, without trace context")
                .doesNotContainKey("traceId").containsEntry("keel.messageId", "m2");
    }

    @Test
    void theDeadLetterWarningShouldCarryTheMessagesTraceIdAndId() {
        PrintStream original = System.err;
        MdcCapturingErr err = new MdcCapturingErr(original);
        System.setErr(err);
        try (Keel keel = Keel.builder(broker).build()) {
            keel.ensureTopology(TopicSpec.builder("payments").partitions(1).group("billing").build());
            keel.subscribe(SubscriptionConfig.builder("payments", "billing", Codec.utf8())
                    .retryPolicy(RetryPolicy.custom().maxAttempts(2).initialBackoff(Duration.ofMillis(10)).build())
                    .build(), d -> {
                        throw new IllegalStateException("the ledger refuses it");
                    });
            keel.publisher().publish("payments", Message.builder(Codec.utf8().encode("p")).id("p1").key("k")
                    .header(KeelHeaders.TRACEPARENT, TRACEPARENT).build());

            await().atMost(PATIENCE).until(() -> err.line("dead-lettering to payments.DLT").isPresent());
            MdcCapturingErr.Line warning = err.line("dead-lettering to payments.DLT").orElseThrow();
            assertThat(warning.mdc()).as("MDC of the thread that logged: " + warning.text())
                    .containsEntry("traceId", TRACE_ID).containsEntry("keel.messageId", "p1")
                    .containsEntry("keel.group", "billing");
        } finally {
            System.setErr(original);
        }
    }

    /** System.err as slf4j-simple writes each line to it, with the MDC of the writing thread at that moment. */
    private static final class MdcCapturingErr extends PrintStream {
        record Line(String text, Map<String, String> mdc) {
        }

        private final List<Line> lines = new CopyOnWriteArrayList<>();

        MdcCapturingErr(PrintStream original) {
            super(original, true);
        }

        @Override
        public void println(String text) {
            lines.add(new Line(text, Optional.ofNullable(MDC.getCopyOfContextMap()).orElse(Map.of())));
            super.println(text);
        }

        Optional<Line> line(String fragment) {
            return lines.stream().filter(l -> l.text().contains(fragment)).findFirst();
        }
    }
}
