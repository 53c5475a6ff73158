package dev.keel.testkit.contract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.keel.BrokerUnavailableException;
import dev.keel.ClosedException;
import dev.keel.Codec;
import dev.keel.DecodingException;
import dev.keel.core.Keel;
import dev.keel.KeelException;
import dev.keel.KeelHeaders;
import dev.keel.Message;
import dev.keel.PublishException;
import dev.keel.PublishReceipt;
import dev.keel.Publisher;
import dev.keel.PublisherConfig;
import dev.keel.Subscription;
import dev.keel.TypedPublisher;
import dev.keel.UnroutableException;
import dev.keel.metrics.MetricEvent;
import dev.keel.spi.Capability;
import dev.keel.spi.InboundRecord;
import dev.keel.testkit.Faults;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * The publishing and handling half of the contract: confirmations, typed publish failures,
 * duplicates, dead letters. Run through {@link BrokerContractTest}; {@link TopologyContract} and
 * {@link ReceiveOnSubscribeContract} come before it.
 */
public abstract class DeliveryContract extends ReceiveOnSubscribeContract {

    @Test
    void confirmedPublishesShouldAllBeConsumedOnce() {
        Keel keel = newKeel();
        declare(keel);
        Effects effects = new Effects();
        Subscription subscription = keel.subscribe(subscription().build(), effects::apply);
        List<Message> messages = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            messages.add(message("m-" + i, "key-" + (i % 20)));
        }

        List<PublishReceipt> receipts = publishConfirmed(keel, topic, messages);

        for (int i = 0; i < receipts.size(); i++) {
            assertThat(receipts.get(i).topic()).isEqualTo(topic);
            assertThat(receipts.get(i).messageId()).isEqualTo(messages.get(i).id());
        }
        if (has(Capability.KEY_ORDERING)) {
            Map<String, Set<String>> partitionsByKey = new HashMap<>();
            for (int i = 0; i < receipts.size(); i++) {
                partitionsByKey.computeIfAbsent(messages.get(i).key(), k -> new HashSet<>())
                        .add(receipts.get(i).partition());
            }
            assertThat(partitionsByKey).as("partition of each key").allSatisfy((key, partitions) ->
                    assertThat(partitions).as("partitions of %s", key).hasSize(1));
        }
        awaitHandled(effects, idsOf(messages));
        subscription.close();
        assertThat(effects.ids()).containsExactlyInAnyOrderElementsOf(idsOf(messages));
        assertThat(effects.repeated()).as("ids handled more than once").isEmpty();
    }

    @Test
    void unroutablePublishShouldFailItsFutureAndThrowUnroutableExceptionFromTheBlockingPublish() {
        Keel keel = newKeel();
        assumeCapability(Capability.UNROUTABLE_DETECTION);
        String nowhere = topic + "-never-declared";

        Throwable failure = failureOf(() -> keel.publisher().publishAsync(nowhere, message("u-1", "key")));
        Throwable thrown = catchThrowable(() -> keel.publisher(nowhere, Codec.utf8()).message("u-2").id("u-2").key("key")
                .publish());

        assertThat(failure).isInstanceOf(UnroutableException.class);
        assertThat(((KeelException) failure).isRetriable()).as("unroutable is retriable").isFalse();
        assertThat(thrown).as("the blocking publish throws the typed error itself").isInstanceOf(UnroutableException.class);
    }

    @Test
    void failedPublishShouldFailItsFutureWithTheTypedErrorAndNothingBeDropped() {
        Keel keel = newKeel(PublisherConfig.custom().maxAttempts(3).retryBackoff(Duration.ofMillis(20)).build());
        Faults faults = faultsOf(keel);
        declare(keel);

        faults.failNextPublishes(1, new PublishException("nacked (injected)", null, false));
        Throwable nacked = failureOf(() -> keel.publisher().publishAsync(topic, message("f-nacked", "key-1")));
        faults.failNextPublishes(3, new BrokerUnavailableException("connection reset (injected)", null));
        Throwable exhausted = failureOf(() -> keel.publisher().publishAsync(topic, message("f-exhausted", "key-2")));
        faults.failNextPublishes(2, new BrokerUnavailableException("connection reset (injected)", null));
        List<Message> delivered = new ArrayList<>(List.of(message("f-retried", "key-3")));
        for (int i = 0; i < 10; i++) {
            delivered.add(message("f-ok-" + i, "key-" + i));
        }
        List<PublishReceipt> receipts = publishConfirmed(keel, topic, delivered);
        Effects effects = new Effects();
        Subscription subscription = keel.subscribe(subscription().build(), effects::apply);

        assertThat(nacked).isInstanceOf(PublishException.class).hasMessageContaining("nacked");
        assertThat(((KeelException) nacked).isRetriable()).isFalse();
        assertThat(exhausted).isInstanceOf(BrokerUnavailableException.class);
        assertThat(((KeelException) exhausted).isRetriable()).isTrue();
        assertThat(receipts.get(0).messageId()).isEqualTo("f-retried");
        awaitHandled(effects, idsOf(delivered));
        subscription.close();
        assertThat(effects.ids()).as("confirmed messages are consumed, failed ones are not")
                .containsExactlyInAnyOrderElementsOf(idsOf(delivered));
        assertThat(effects.repeated()).isEmpty();
    }

    @Test
    void publishAfterCloseShouldFailWithClosedException() {
        Keel keel = newKeel();
        declare(keel);
        Publisher publisher = keel.publisher();
        TypedPublisher<String> typed = keel.publisher(topic, Codec.utf8());
        publisher.close();

        Throwable failure = failureOf(() -> publisher.publishAsync(topic, message("late", "key")));
        Throwable thrown = catchThrowable(() -> typed.publish("key", "late-typed"));

        assertThat(failure).isInstanceOf(ClosedException.class);
        assertThat(thrown).as("a typed publisher publishes through the shared, now closed, publisher")
                .isInstanceOf(ClosedException.class);
    }

    @Test
    void sameIdPublishedTwiceShouldBeHandledOnceAndBothAcknowledged() {
        Keel keel = newKeel();
        declare(keel);
        Effects effects = new Effects();
        Subscription subscription = keel.subscribe(subscription().build(), effects::apply);
        List<Message> messages = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            messages.add(message("dup-" + i, "key-" + i));
        }

        publishConfirmed(keel, topic, messages);
        publishConfirmed(keel, topic, messages);

        awaitHandled(effects, idsOf(messages));
        awaitUntil("every second copy skipped as a duplicate",
                () -> metrics.count(MetricEvent.DUPLICATE_SKIPPED) >= messages.size());
        subscription.close();
        assertThat(effects.repeated()).as("ids handled more than once").isEmpty();
        assertThat(leftoversOf(keel)).as("copies left unacknowledged").isEmpty();
    }

    @Test
    void duplicatedDeliveriesShouldBeHandledOnce() {
        Keel keel = newKeel();
        Faults faults = faultsOf(keel);
        declare(keel);
        Effects effects = new Effects();
        Subscription subscription = keel.subscribe(subscription().build(), effects::apply);
        List<Message> messages = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            messages.add(message("bdup-" + i, "key-" + i));
        }

        faults.duplicateNextPublishes(messages.size());
        publishConfirmed(keel, topic, messages);

        awaitHandled(effects, idsOf(messages));
        awaitUntil("every broker duplicate skipped",
                () -> metrics.count(MetricEvent.DUPLICATE_SKIPPED) >= messages.size());
        subscription.close();
        assertThat(effects.repeated()).as("ids handled more than once").isEmpty();
        assertThat(leftoversOf(keel)).as("duplicates left unacknowledged").isEmpty();
    }

    @Test
    void poisonMessageShouldGoToDeadLettersAfterMaxAttemptsWhileTheRestFlows() {
        Keel keel = newKeel();
        declare(keel);
        Effects effects = new Effects();
        List<Integer> poisonAttempts = new CopyOnWriteArrayList<>();
        Subscription subscription = keel.subscribe(subscription().retryPolicy(quickRetries(3)).build(), d -> {
            if (d.id().equals("poison")) {
                poisonAttempts.add(d.attempt());
                throw new IllegalStateException("poison pill " + d.id());
            }
            effects.apply(d);
        });
        RawReader deadLetterReader = readDeadLetters();
        List<Message> messages = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            messages.add(i == 7 ? message("poison", "key-2") : message("p-" + i, "key-" + (i % 5)));
        }

        publishConfirmed(keel, topic, messages);

        List<String> healthy = idsOf(messages).stream().filter(id -> !id.equals("poison")).toList();
        awaitHandled(effects, healthy);
        awaitUntil("the poison message dead-lettered", () -> deadLetterReader.ids().contains("poison"));
        subscription.close();
        assertThat(poisonAttempts).containsExactly(1, 2, 3);
        InboundRecord letter = deadLetterReader.records().stream().filter(r -> r.id().equals("poison")).findFirst()
                .orElseThrow();
        assertThat(letter.payload()).isEqualTo(Codec.utf8().encode("poison"));
        assertDeadLetterHeaders(letter.headers(), "3", "handler", IllegalStateException.class);
        assertThat(letter.headers().get(KeelHeaders.DLT_CAUSE_MESSAGE)).contains("poison pill");
        assertThat(deadLetterReader.ids()).containsOnly("poison");
        assertThat(effects.repeated()).isEmpty();
        assertThat(leftoversOf(keel)).as("messages left unacknowledged").isEmpty();
    }

    @Test
    void undecodableMessageShouldGoToDeadLettersAtOnce() {
        Keel keel = newKeel();
        declare(keel);
        Effects effects = new Effects();
        Subscription subscription = keel.subscribe(subscription().build(), effects::apply);
        RawReader deadLetterReader = readDeadLetters();
        byte[] invalidUtf8 = {(byte) 0xC3, (byte) 0x28, (byte) 0xFF};
        List<Message> healthy = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            healthy.add(message("d-" + i, "key-" + (i % 5)));
        }

        publishConfirmed(keel, topic, healthy.subList(0, 5));
        publishConfirmed(keel, topic, List.of(Message.builder(invalidUtf8).id("undecodable").key("key-0").build()));
        publishConfirmed(keel, topic, healthy.subList(5, 10));

        awaitHandled(effects, idsOf(healthy));
        awaitUntil("the undecodable message dead-lettered", () -> deadLetterReader.ids().contains("undecodable"));
        subscription.close();
        assertThat(effects.ids()).doesNotContain("undecodable");
        InboundRecord letter = deadLetterReader.records().stream().filter(r -> r.id().equals("undecodable"))
                .findFirst().orElseThrow();
        assertThat(letter.payload()).isEqualTo(invalidUtf8);
        assertDeadLetterHeaders(letter.headers(), "1", "decode", DecodingException.class);
    }

    private void assertDeadLetterHeaders(Map<String, String> headers, String attempts, String reason,
                                         Class<? extends Throwable> cause) {
        assertThat(headers).containsEntry(KeelHeaders.DLT_ATTEMPTS, attempts)
                .containsEntry(KeelHeaders.DLT_REASON, reason)
                .containsEntry(KeelHeaders.DLT_CAUSE_CLASS, cause.getName())
                .containsEntry(KeelHeaders.DLT_ORIGIN_TOPIC, topic)
                .containsEntry(KeelHeaders.DLT_GROUP, group)
                .containsKeys(KeelHeaders.DLT_ORIGIN_PARTITION, KeelHeaders.DLT_CAUSE_MESSAGE, KeelHeaders.DLT_AT);
        assertThat(headers.get(KeelHeaders.DLT_ORIGIN_PARTITION)).isNotBlank();
        assertThat(Long.parseLong(headers.get(KeelHeaders.DLT_ORIGIN_POSITION))).isNotNegative();
        assertThat(Long.parseLong(headers.get(KeelHeaders.DLT_AT))).isPositive();
    }
}
