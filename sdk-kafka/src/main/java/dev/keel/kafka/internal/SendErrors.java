package dev.keel.kafka.internal;

import dev.keel.AccessRefusedException;
import dev.keel.BrokerUnavailableException;
import dev.keel.ClosedException;
import dev.keel.KeelException;
import dev.keel.KeelTimeoutException;
import dev.keel.PublishException;
import dev.keel.spi.OutboundRecord;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import org.apache.kafka.common.InvalidRecordException;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.ApiException;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.InterruptException;
import org.apache.kafka.common.errors.InvalidTopicException;
import org.apache.kafka.common.errors.NetworkException;
import org.apache.kafka.common.errors.NotEnoughReplicasAfterAppendException;
import org.apache.kafka.common.errors.NotEnoughReplicasException;
import org.apache.kafka.common.errors.RecordBatchTooLargeException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import java.util.Optional;

/** Maps kafka-clients send failures to Keel's typed exceptions, with a truthful {@code isRetriable()}. */
final class SendErrors {

    private SendErrors() {
    }

    /** Whether {@code e} may mean the topic does not exist (worth checking with the Admin client). */
    static boolean mayBeMissingTopic(Throwable e) {
        return e instanceof UnknownTopicOrPartitionException
                || (e instanceof TimeoutException && e.getMessage() != null
                && e.getMessage().contains("not present in metadata"));
    }

    /** Whether {@code e} says the record exceeds a size limit of the producer or the topic. */
    static boolean isTooLarge(Throwable e) {
        return e instanceof RecordTooLargeException || e instanceof RecordBatchTooLargeException;
    }

    /**
     * Whether the broker refused this record itself, for good: too large for the topic, or invalid for it (a
     * compacted topic refuses a record without a key). Sending it again changes nothing; other records may pass.
     * Not a refusal of every record (authorization, a missing topic) nor one of its timestamp (a forward is
     * stamped anew each time it is sent).
     */
    static boolean refusesRecordForGood(Throwable e) {
        return isTooLarge(e) || e instanceof InvalidRecordException;
    }

    /**
     * The non-retriable failure of a record over a size limit, naming the message, its size and the
     * limits: the producer's {@code max.request.size} (also bounded by {@code buffer.memory}) and the
     * topic's {@code max.message.bytes} (the broker's {@code message.max.bytes} by default).
     */
    static PublishException tooLarge(OutboundRecord record, Throwable e, long maxRequestSize) {
        String id = record.id().length() > 100 ? record.id().substring(0, 100) + "..." : record.id();
        return new PublishException("message " + id + " to " + record.topic() + ": record too large for Kafka (about "
                + approximateSize(record) + " bytes of key, value and headers): a record must fit the producer's "
                + "max.request.size (" + maxRequestSize + " bytes here) and the topic's max.message.bytes (the "
                + "broker's message.max.bytes by default); raise both or send less. Kafka said: " + e.getMessage(),
                e, false);
    }

    /**
     * {@link #tooLarge} for a delayed message, which Kafka refused as too large for {@code delayTopic}: that topic
     * has its topic's {@code max.message.bytes}, and the message was published to the topic, so it is named as the
     * destination.
     */
    static PublishException tooLargeDelayed(OutboundRecord published, String delayTopic, Throwable e,
                                            long maxRequestSize) {
        PublishException plain = tooLarge(published, e, maxRequestSize);
        return new PublishException(plain.getMessage() + " (a delayed message is stored in " + delayTopic
                + " until it is due, which has the max.message.bytes of " + published.topic() + ", with its "
                + "keel-deliver-at and keel-ts headers, about 50 bytes more)", e, false);
    }

    private static long approximateSize(OutboundRecord record) {
        long size = record.payload().length;
        if (record.key() != null) {
            size += record.key().getBytes(StandardCharsets.UTF_8).length;
        }
        for (var header : record.headers().entrySet()) {
            size += header.getKey().getBytes(StandardCharsets.UTF_8).length
                    + header.getValue().getBytes(StandardCharsets.UTF_8).length;
        }
        return size;
    }

    static KeelException map(String topic, Throwable e, Duration deliveryTimeout) {
        return map(topic, e, deliveryTimeout, null);
    }

    /** @param servers the bootstrap servers, named in a TLS refusal; null when not known */
    static KeelException map(String topic, Throwable e, Duration deliveryTimeout, String servers) {
        String where = " (topic " + topic + ")";
        if (e instanceof KeelException k) {
            return k;
        }
        if (e instanceof IllegalStateException || isClosed(e)) {
            return new ClosedException("the Kafka producer is closed" + where);
        }
        if (e instanceof InterruptException) {
            return new PublishException("interrupted while publishing to Kafka" + where, e, true);
        }
        if (e instanceof TimeoutException) {
            if (mayBeMissingTopic(e)) {
                return new BrokerUnavailableException("no Kafka metadata for the topic in time" + where
                        + "; is the cluster reachable?", e);
            }
            return new KeelTimeoutException("Kafka did not acknowledge the record within deliveryTimeout "
                    + deliveryTimeout + where + ": " + e.getMessage(), e);
        }
        if (e instanceof NetworkException) {
            return new BrokerUnavailableException("Kafka connection failed" + where + ": " + e.getMessage(), e);
        }
        if (e instanceof NotEnoughReplicasException || e instanceof NotEnoughReplicasAfterAppendException) {
            return new PublishException("fewer in-sync replicas than min.insync.replicas" + where
                    + "; retry when the replicas are back", e, true);
        }
        if (e instanceof RetriableException) {
            return new PublishException("Kafka send failed (retriable)" + where + ": " + e.getMessage(), e, true);
        }
        if (e instanceof RecordTooLargeException || e instanceof RecordBatchTooLargeException) {
            return new PublishException("record too large for Kafka" + where
                    + ": raise max.request.size (client) and max.message.bytes (topic), or send less: "
                    + e.getMessage(), e, false);
        }
        if (e instanceof AuthenticationException) {
            Optional<AccessRefusedException> certificate = TlsRefusals.of("the publish" + where, servers, e);
            if (certificate.isPresent()) {
                return certificate.get();
            }
        }
        if (e instanceof AuthorizationException || e instanceof AuthenticationException) {
            return new AccessRefusedException("Kafka refused the publish" + where + " (" + e.getMessage()
                    + "): check the client's credentials and its ACLs: grant it WRITE on the topic (and, for"
                    + " transactions, on its transactional id); not retried", e);
        }
        if (e instanceof InvalidTopicException) {
            return new PublishException("invalid Kafka topic" + where + ": " + e.getMessage(), e, false);
        }
        if (e instanceof ApiException) {
            return new PublishException("Kafka rejected the record" + where + ": " + e.getMessage(), e, false);
        }
        return new PublishException("Kafka send failed" + where + ": " + e, e, false);
    }

    private static boolean isClosed(Throwable e) {
        return e instanceof KafkaException && !(e instanceof ApiException) && e.getMessage() != null
                && e.getMessage().toLowerCase(java.util.Locale.ROOT).contains("closed");
    }
}
