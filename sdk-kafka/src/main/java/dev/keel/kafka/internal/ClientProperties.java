package dev.keel.kafka.internal;

import dev.keel.kafka.KafkaConfig;
import dev.keel.spi.ConsumerSettings;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.CooperativeStickyAssignor;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * The kafka-clients properties of each client Keel creates: the pass-through properties of the
 * {@link KafkaConfig}, then the settings Keel's guarantees rest on, which always win.
 */
public final class ClientProperties {

    private static final AtomicInteger CONSUMER_SEQUENCE = new AtomicInteger();

    private ClientProperties() {
    }

    public static Map<String, Object> producer(KafkaConfig config) {
        Map<String, Object> p = common(config, config.clientId() + "-producer");
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, (int) config.deliveryTimeout().toMillis());
        p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) config.requestTimeout().toMillis());
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, config.maxBlock().toMillis());
        p.put(ProducerConfig.LINGER_MS_CONFIG, (int) config.linger().toMillis());
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        return p;
    }

    /** The producer's {@code max.request.size}: the configured value, else kafka-clients' default. */
    static long maxRequestSize(KafkaConfig config) {
        String configured = config.properties().get(ProducerConfig.MAX_REQUEST_SIZE_CONFIG);
        if (configured != null) {
            try {
                return Long.parseLong(configured.trim());
            } catch (NumberFormatException e) {
                // kafka-clients refused it when the producer was created; not reached
            }
        }
        return ((Number) ProducerConfig.configDef().defaultValues().get(ProducerConfig.MAX_REQUEST_SIZE_CONFIG))
                .longValue();
    }

    /**
     * What Keel's consumers read unless the properties say otherwise: committed records only, so that an aborted
     * transaction's records (a transactional pipeline's outputs) are never handled, forwarded or replayed. A partition
     * with a transaction still open is read up to where it began until it ends (Kafka's last stable offset).
     */
    static final String READ_COMMITTED = "read_committed";

    /**
     * The isolation level Keel's consumers read with: the {@code isolation.level} property when set, else
     * {@link #READ_COMMITTED}. Offsets Keel lists for them (a replay's range) are listed at the same level, so that a
     * range never ends past what its readers can read (the last stable offset, under read_committed).
     */
    /**
     * The {@code isolation.level} the readers use; an unknown one refused as kafka-clients' consumer refuses it, with a
     * {@link ConfigException}.
     */
    static IsolationLevel isolationLevel(KafkaConfig config) {
        String level = config.properties().getOrDefault(ConsumerConfig.ISOLATION_LEVEL_CONFIG, READ_COMMITTED);
        for (IsolationLevel known : IsolationLevel.values()) {
            if (known.toString().equalsIgnoreCase(level.trim())) {
                return known;
            }
        }
        throw new ConfigException(ConsumerConfig.ISOLATION_LEVEL_CONFIG, level, "String must be one of: "
                + READ_COMMITTED + ", read_uncommitted");
    }

    /**
     * {@code max.partition.fetch.bytes} unless the caller sets it: 128 KiB, so that a subscription's window
     * ({@code maxInFlight}, 2,048 by default) holds records of every partition it owns, and so of many keys, rather
     * than one partition's (docs/performance.md, item 2). A larger record still comes, alone.
     */
    static final int PARTITION_FETCH_BYTES = 128 * 1024;

    public static Map<String, Object> consumer(KafkaConfig config, ConsumerSettings settings) {
        Map<String, Object> p = common(config, config.clientId() + "-" + settings.group() + "-"
                + CONSUMER_SEQUENCE.incrementAndGet());
        if (!"consumer".equalsIgnoreCase(String.valueOf(p.get(ConsumerConfig.GROUP_PROTOCOL_CONFIG)))) {
            // the classic protocol, with incremental (cooperative) rebalances unless the caller chose an assignor
            p.putIfAbsent(ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG,
                    CooperativeStickyAssignor.class.getName());
        }
        p.put(ConsumerConfig.GROUP_ID_CONFIG, settings.broadcastInstance().map(i -> settings.group() + "." + i)
                .orElse(settings.group()));
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        p.putIfAbsent(ConsumerConfig.ISOLATION_LEVEL_CONFIG, READ_COMMITTED);
        // a broadcast instance's group is new when the instance is: it reads what is published from now on
        // (from where each partition ended when it started: StartPositions)
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, startsAtLatest(config, settings) ? "latest" : "earliest");
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, Math.min(config.maxPollRecords(), settings.maxInFlight()));
        // a poll returns one partition's fetched records before the next one's: with kafka-clients' 1 MiB per
        // partition (about 4,000 records of 200 bytes) a subscription's window held one partition's keys at once
        p.putIfAbsent(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, PARTITION_FETCH_BYTES);
        p.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, config.topicAutoCreation());
        p.put(ConsumerConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) config.requestTimeout().toMillis());
        p.put(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) config.closeTimeout().toMillis());
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        return p;
    }

    /** Consumer properties kafka-clients' share consumer refuses (ShareConsumerConfig); left out of its properties. */
    private static final List<String> NOT_FOR_SHARE_CONSUMERS = List.of(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG,
            ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, ConsumerConfig.GROUP_INSTANCE_ID_CONFIG,
            ConsumerConfig.ISOLATION_LEVEL_CONFIG, ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG,
            ConsumerConfig.INTERCEPTOR_CLASSES_CONFIG, ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG,
            ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, ConsumerConfig.GROUP_PROTOCOL_CONFIG,
            ConsumerConfig.GROUP_REMOTE_ASSIGNOR_CONFIG);

    /**
     * One share consumer of a share-group subscription: explicit acknowledgement (each record acknowledged on its
     * own), {@code record_limit} acquisition (a poll acquires at most {@code maxPollRecords} records and nothing is
     * prefetched, so no lock runs down in a buffer), and the pass-through properties the share consumer accepts.
     */
    public static Map<String, Object> shareConsumer(KafkaConfig config, String shareGroupId, int maxPollRecords) {
        Map<String, Object> p = common(config, config.clientId() + "-" + shareGroupId + "-"
                + CONSUMER_SEQUENCE.incrementAndGet());
        NOT_FOR_SHARE_CONSUMERS.forEach(p::remove);
        p.put(ConsumerConfig.GROUP_ID_CONFIG, shareGroupId);
        p.put("share.acknowledgement.mode", "explicit");
        p.put("share.acquire.mode", "record_limit");
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, maxPollRecords);
        p.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, config.topicAutoCreation());
        p.put(ConsumerConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) config.requestTimeout().toMillis());
        p.put(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) config.closeTimeout().toMillis());
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        return p;
    }

    /** Whether a consumer with these settings starts at the end of partitions its group has no offset for. */
    static boolean startsAtLatest(KafkaConfig config, ConsumerSettings settings) {
        return settings.broadcast() || "latest".equals(config.autoOffsetReset());
    }

    /**
     * The delay forwarder's consumer: group {@code group}, from the earliest record, manual commits, at most
     * {@link KafkaConfig#DEFAULT_MAX_POLL_RECORDS} records a poll (what it commits about its buffer stays bounded:
     * {@link ForwardedOffsets}), and incremental rebalances (cooperative-sticky on the classic protocol, whatever
     * assignor the properties name for subscriptions; the {@code consumer} protocol is incremental itself), so a
     * forwarder joining or leaving moves only the partitions that change owner.
     */
    public static Map<String, Object> forwarder(KafkaConfig config, String group) {
        Map<String, Object> p = common(config, config.clientId() + "-" + group + "-" + CONSUMER_SEQUENCE.incrementAndGet());
        if ("consumer".equalsIgnoreCase(String.valueOf(p.get(ConsumerConfig.GROUP_PROTOCOL_CONFIG)))) {
            p.remove(ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG);
        } else {
            p.put(ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG, CooperativeStickyAssignor.class.getName());
        }
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, KafkaConfig.DEFAULT_MAX_POLL_RECORDS);
        p.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.putIfAbsent(ConsumerConfig.ISOLATION_LEVEL_CONFIG, READ_COMMITTED);
        p.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, false);
        p.put(ConsumerConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) config.requestTimeout().toMillis());
        p.put(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) config.closeTimeout().toMillis());
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        return p;
    }

    /** A consumer in no group, assigned partitions by hand: reads a replayed range. */
    public static Map<String, Object> reader(KafkaConfig config) {
        Map<String, Object> p = common(config, config.clientId() + "-replay-reader");
        p.remove(ConsumerConfig.GROUP_ID_CONFIG);
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        p.putIfAbsent(ConsumerConfig.ISOLATION_LEVEL_CONFIG, READ_COMMITTED);
        p.put(ConsumerConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) config.requestTimeout().toMillis());
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        return p;
    }

    public static Map<String, Object> admin(KafkaConfig config) {
        Map<String, Object> p = common(config, config.clientId() + "-admin");
        p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) config.requestTimeout().toMillis());
        p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) config.requestTimeout().toMillis());
        return p;
    }

    private static Map<String, Object> common(KafkaConfig config, String clientId) {
        Map<String, Object> p = new HashMap<>(config.properties());
        p.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers());
        p.put(CommonClientConfigs.CLIENT_ID_CONFIG, clientId);
        return p;
    }
}
