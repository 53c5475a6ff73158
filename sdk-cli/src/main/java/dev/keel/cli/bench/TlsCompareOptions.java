package dev.keel.cli.bench;

import dev.keel.cli.broker.BrokerOptions;
import dev.keel.cli.broker.Endpoints;
import dev.keel.cli.broker.TlsSettings;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine.Option;

/**
 * The flags of {@code bench --tls-compare}: the same broker reached through its plaintext endpoint (the usual
 * {@code --rabbit-uri} or {@code --bootstrap-servers}) and its TLS endpoint (the flags here), measured alternately in
 * one run. {@link #tlsSide} checks them together and makes the TLS side's broker options.
 */
public final class TlsCompareOptions {

    /** Rounds of a {@code --tls-compare} run without {@code --repeat}: a median and a range need several. */
    static final int DEFAULT_ROUNDS = 3;

    @Option(names = "--tls-compare",
            description = "Measure the cost of TLS in this run (--broker rabbit, kafka, artemis or activemq): publish "
                    + "and consume through the plaintext endpoint (--rabbit-uri, --bootstrap-servers, --artemis-url, "
                    + "--activemq-url) and the same broker's TLS endpoint (--rabbit-tls-uri; "
                    + "--kafka-tls-bootstrap-servers with --kafka-tls-config; --artemis-tls-url; --activemq-tls-url) "
                    + "alternately, the "
                    + "order swapped every round, for Keel and the raw client; reports TLS / plaintext. Runs "
                    + "--repeat rounds, " + DEFAULT_ROUNDS + " when not given; --only takes publish and consume.")
    private boolean enabled;

    @Option(names = "--rabbit-tls-uri", paramLabel = "URI",
            description = "With --tls-compare: the amqps:// URI of the same RabbitMQ's TLS listener, e.g. "
                    + "amqps://guest:guest@127.0.0.1:5671/%%2F, reached with --truststore/--keystore.")
    private String rabbitTlsUri;

    @Option(names = "--kafka-tls-bootstrap-servers", paramLabel = "HOST:PORT[,...]",
            description = "With --tls-compare: the same Kafka's TLS listener (security.protocol SSL or SASL_SSL, set "
                    + "by --kafka-tls-config), reached with --truststore/--keystore.")
    private String kafkaTlsBootstrapServers;

    @Option(names = "--kafka-tls-config", paramLabel = "FILE",
            description = "With --kafka-tls-bootstrap-servers: kafka-clients properties for the TLS listener, over "
                    + "those of --kafka-config and --kafka-property, e.g. security.protocol=SSL; values of secret "
                    + "properties are never printed.")
    private Path kafkaTlsConfig;

    @Option(names = "--artemis-tls-url", paramLabel = "URL",
            description = "With --tls-compare on Artemis: the URL of the same broker's TLS acceptor, with the client's "
                    + "TLS parameters (Artemis's client reads its stores from the URL), e.g. tcp://127.0.0.1:61617?"
                    + "sslEnabled=true&trustStorePath=/etc/keel/truststore.p12&trustStorePassword=...; its query "
                    + "values are never printed.")
    private String artemisTlsUrl;

    @Option(names = "--activemq-tls-url", paramLabel = "URL",
            description = "With --tls-compare on ActiveMQ Classic: the ssl:// URL of the same broker's TLS transport "
                    + "connector, reached with --truststore/--keystore; its query values are never printed.")
    private String activemqTlsUrl;

    /** Whether {@code --tls-compare} was given. */
    public boolean enabled() {
        return enabled;
    }

    /**
     * The TLS side's broker options: {@code plain} with the broker reached at the TLS endpoint of these flags.
     * Call only with {@link #enabled()}; {@link #checkUnused()} otherwise.
     *
     * @throws IllegalArgumentException saying which flag to add, remove or change
     */
    public BrokerOptions tlsSide(BrokerOptions plain) {
        return switch (plain.broker()) {
            case "rabbit" -> rabbitSide(plain);
            case "kafka" -> kafkaSide(plain);
            case "artemis" -> plain.atJmsEndpoint(jmsTlsUrl(plain, "Artemis", "--artemis-tls-url", artemisTlsUrl,
                    "--artemis-url", plain.artemisUrl(), "tcp://127.0.0.1:61617?sslEnabled=true&trustStorePath=..."),
                    plain.activemqUrl());
            case "activemq" -> plain.atJmsEndpoint(plain.artemisUrl(), jmsTlsUrl(plain, "ActiveMQ Classic",
                    "--activemq-tls-url", activemqTlsUrl, "--activemq-url", plain.activemqUrl(),
                    "ssl://127.0.0.1:61617"));
            default -> throw new IllegalArgumentException("--tls-compare runs on --broker rabbit, kafka, artemis or "
                    + "activemq, was --broker " + plain.broker());
        };
    }

    /**
     * Without {@code --tls-compare}: refuses its endpoint flags, which would otherwise be ignored.
     *
     * @throws IllegalArgumentException naming the flags given
     */
    public void checkUnused() {
        List<String> given = new ArrayList<>();
        if (rabbitTlsUri != null) {
            given.add("--rabbit-tls-uri");
        }
        if (kafkaTlsBootstrapServers != null) {
            given.add("--kafka-tls-bootstrap-servers");
        }
        if (kafkaTlsConfig != null) {
            given.add("--kafka-tls-config");
        }
        if (artemisTlsUrl != null) {
            given.add("--artemis-tls-url");
        }
        if (activemqTlsUrl != null) {
            given.add("--activemq-tls-url");
        }
        if (!given.isEmpty()) {
            throw new IllegalArgumentException(String.join(" and ", given) + " name" + (given.size() == 1 ? "s" : "")
                    + " the TLS endpoint of --tls-compare: add --tls-compare, or remove "
                    + (given.size() == 1 ? "it" : "them") + " (--rabbit-uri, --bootstrap-servers, --artemis-url and "
                    + "--activemq-url take a TLS endpoint for a run over TLS alone)");
        }
    }

    /**
     * Refuses the TLS endpoint flags of the other brokers than {@code broker}, which the run would otherwise ignore.
     *
     * @param own the flag(s) of {@code broker}'s TLS endpoint, for the message
     */
    private void refuseOtherBrokersFlags(String broker, String own) {
        List<String> others = new ArrayList<>();
        if (!broker.equals("rabbit") && rabbitTlsUri != null) {
            others.add("--rabbit-tls-uri (--broker rabbit)");
        }
        if (!broker.equals("kafka") && (kafkaTlsBootstrapServers != null || kafkaTlsConfig != null)) {
            others.add("--kafka-tls-bootstrap-servers and --kafka-tls-config (--broker kafka)");
        }
        if (!broker.equals("artemis") && artemisTlsUrl != null) {
            others.add("--artemis-tls-url (--broker artemis)");
        }
        if (!broker.equals("activemq") && activemqTlsUrl != null) {
            others.add("--activemq-tls-url (--broker activemq)");
        }
        if (!others.isEmpty()) {
            throw new IllegalArgumentException(String.join(", ", others) + (others.size() == 1 && !others.get(0)
                    .contains(" and ") ? " names" : " name") + " another broker's TLS endpoint; with "
                    + "--broker " + broker + " give " + own);
        }
    }

    /**
     * The TLS URL of a JMS broker's {@code --tls-compare}, checked against the plaintext one.
     *
     * @param example a TLS URL of this broker, for the message when it is missing
     */
    private String jmsTlsUrl(BrokerOptions plain, String brokerName, String tlsFlag, String tlsUrl, String plainFlag,
                             String plainUrl, String example) {
        refuseOtherBrokersFlags(plain.broker(), tlsFlag);
        if (tlsUrl == null) {
            throw new IllegalArgumentException("--tls-compare on " + brokerName + " needs " + tlsFlag + ", the URL of the "
                    + "same broker's TLS acceptor, e.g. " + example);
        }
        if (!Endpoints.jmsUrlSpeaksTls(tlsUrl)) {
            throw new IllegalArgumentException(tlsFlag + " must reach the TLS acceptor (" + example + "), was "
                    + Endpoints.redactJmsUrl(tlsUrl));
        }
        if (Endpoints.jmsUrlSpeaksTls(plainUrl)) {
            throw new IllegalArgumentException("--tls-compare compares with the plaintext acceptor: " + plainFlag
                    + " must not speak TLS, was " + Endpoints.redactJmsUrl(plainUrl));
        }
        if (hostAndPort(tlsUrl, 61616) != null && hostAndPort(tlsUrl, 61616).equals(hostAndPort(plainUrl, 61616))) {
            throw new IllegalArgumentException(tlsFlag + " reaches " + hostAndPort(tlsUrl, 61616) + ", as " + plainFlag
                    + " does: give the TLS acceptor's port, which differs from the plaintext one");
        }
        return tlsUrl.strip();
    }

    private BrokerOptions rabbitSide(BrokerOptions plain) {
        refuseOtherBrokersFlags("rabbit", "--rabbit-tls-uri");
        if (rabbitTlsUri == null) {
            throw new IllegalArgumentException("--tls-compare on RabbitMQ needs --rabbit-tls-uri, the amqps:// URI of "
                    + "the same broker's TLS listener, e.g. amqps://guest:guest@127.0.0.1:5671/%2F");
        }
        if (!scheme(rabbitTlsUri).equals("amqps")) {
            throw new IllegalArgumentException("--rabbit-tls-uri must be an amqps:// URI (the TLS listener), was "
                    + Endpoints.redact(rabbitTlsUri));
        }
        if (!scheme(plain.rabbitUri()).equals("amqp")) {
            throw new IllegalArgumentException("--tls-compare compares with the plaintext listener: --rabbit-uri must "
                    + "be an amqp:// URI, was " + Endpoints.redact(plain.rabbitUri()));
        }
        if (plain.rabbitAddresses() != null) {
            throw new IllegalArgumentException("--tls-compare reaches one node through both URIs: remove "
                    + "--rabbit-addresses");
        }
        String tlsAddress = hostAndPort(rabbitTlsUri, 5671);
        if (tlsAddress != null && tlsAddress.equals(hostAndPort(plain.rabbitUri(), 5672))) {
            throw new IllegalArgumentException("--rabbit-tls-uri reaches " + tlsAddress + ", as --rabbit-uri does: "
                    + "give the TLS listener's port (5671 by default), which differs from the plaintext one");
        }
        return plain.atEndpoint(rabbitTlsUri, plain.bootstrapServers(), plain.tls());
    }

    private BrokerOptions kafkaSide(BrokerOptions plain) {
        refuseOtherBrokersFlags("kafka", "--kafka-tls-bootstrap-servers and --kafka-tls-config");
        if (kafkaTlsBootstrapServers == null) {
            throw new IllegalArgumentException("--tls-compare on Kafka needs --kafka-tls-bootstrap-servers, the same "
                    + "broker's TLS listener, with --kafka-tls-config FILE setting security.protocol=SSL or SASL_SSL");
        }
        if (kafkaTlsBootstrapServers.strip().equals(plain.bootstrapServers().strip())) {
            throw new IllegalArgumentException("--kafka-tls-bootstrap-servers is --bootstrap-servers: give the TLS "
                    + "listener's address, which differs from the plaintext one");
        }
        if (plain.tls().kafkaTls()) {
            throw new IllegalArgumentException("--tls-compare compares with a plaintext listener, and --bootstrap-servers "
                    + "is reached over " + protocol(plain.tls()) + " (--kafka-config/--kafka-property): give the "
                    + "plaintext listener there (PLAINTEXT or SASL_PLAINTEXT), and the TLS settings in "
                    + "--kafka-tls-config");
        }
        TlsSettings tls = plain.tls().withKafkaConfig(kafkaTlsConfig, "--kafka-tls-config");
        if (!tls.kafkaTls()) {
            throw new IllegalArgumentException("--kafka-tls-bootstrap-servers would be reached over " + protocol(tls)
                    + ": set security.protocol=SSL or SASL_SSL in --kafka-tls-config FILE");
        }
        return plain.atEndpoint(plain.rabbitUri(), kafkaTlsBootstrapServers.strip(), tls);
    }

    private static String protocol(TlsSettings tls) {
        return tls.kafkaProperties().getOrDefault("security.protocol", "PLAINTEXT").strip().toUpperCase(Locale.ROOT);
    }

    /** The URI's host (lower case) and port, {@code defaultPort} when it has none; null when it cannot be read. */
    private static String hostAndPort(String uri, int defaultPort) {
        try {
            URI parsed = new URI(uri);
            if (parsed.getHost() == null) {
                return null;
            }
            return parsed.getHost().toLowerCase(Locale.ROOT) + ":" + (parsed.getPort() < 0 ? defaultPort
                    : parsed.getPort());
        } catch (URISyntaxException e) {
            return null; // the connection names what is wrong with it
        }
    }

    private static String scheme(String uri) {
        int colon = uri.indexOf(':');
        return colon < 0 ? "" : uri.substring(0, colon).strip().toLowerCase(Locale.ROOT);
    }
}
