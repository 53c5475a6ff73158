package dev.keel.cli.broker;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/**
 * Where the CLI's own kafka-clients clients (the raw baselines, the session drop) connect, and the client properties
 * of {@code --kafka-config} and {@code --kafka-property} (security protocol, SASL, TLS stores) they connect with.
 * Holds secrets: never print it.
 *
 * @param bootstrapServers the {@code --bootstrap-servers} list
 * @param properties       the extra client properties; may be empty
 * @param linger           the raw producers' linger ({@code --kafka-linger}, Keel's own by default)
 */
record KafkaClients(String bootstrapServers, Map<String, String> properties, Duration linger) {

    KafkaClients {
        properties = Map.copyOf(properties);
    }

    static KafkaClients of(BrokerOptions options) {
        return new KafkaClients(options.bootstrapServers(), options.tls().kafkaProperties(), options.kafkaLinger());
    }

    /** A client's configuration: the extra properties, then {@code own} (which wins), then the bootstrap servers. */
    Map<String, Object> config(Map<String, Object> own) {
        Map<String, Object> config = new HashMap<>(properties);
        config.putAll(own);
        config.put("bootstrap.servers", bootstrapServers);
        return config;
    }

    /** A raw producer's {@code linger.ms}: the same as Keel's producer of the run. */
    int lingerMillis() {
        return (int) linger.toMillis();
    }

    @Override
    public String toString() {
        return "KafkaClients[" + bootstrapServers + ", " + properties.size() + " properties]";
    }
}
