package dev.keel.cli.broker;

import dev.keel.cli.EnvironmentException;
import dev.keel.rabbit.RabbitAdapter;
import dev.keel.rabbit.RabbitConfig;
import dev.keel.spi.BrokerAdapter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Optional;
import javax.net.ssl.SSLContext;

/** RabbitMQ through {@code --rabbit-uri}. */
final class RabbitMode implements BrokerMode {

    static final String NAME = "rabbit";
    static final int DEFAULT_PORT = 5672;

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String endpoint(BrokerOptions options) {
        String tls = tlsContext(options) == null ? "" : " with " + options.tls().describe();
        return Endpoints.redact(options.rabbitUri()) + tls + (options.rabbitAddresses() == null ? ""
                : " on nodes " + String.join(",", config(options).addresses()));
    }

    @Override
    public void preflight(BrokerOptions options) {
        RabbitConfig config = config(options);
        String nodes = config.addresses().isEmpty() ? config.host() + ":" + config.port()
                : String.join(",", config.addresses());
        Endpoints.requireAnyReachable("RabbitMQ", nodes, DEFAULT_PORT, "--rabbit-addresses",
                "Start RabbitMQ there (e.g. 'systemctl start rabbitmq-server', docs/cli.md) or point --rabbit-uri "
                        + "at one; --broker memory needs nothing installed.");
    }

    @Override
    public BrokerAdapter createAdapter(BrokerOptions options) {
        return new RabbitAdapter(config(options));
    }

    /** Present for a plain {@code amqp://} URI on a loopback address and no {@code --rabbit-addresses}. */
    @Override
    public Optional<InetSocketAddress> loopbackAddress(BrokerOptions options) {
        if (options.rabbitAddresses() != null) {
            return Optional.empty();
        }
        RabbitConfig config = config(options);
        if (config.tls()) {
            return Optional.empty();
        }
        try {
            InetAddress host = InetAddress.getByName(config.host());
            return host.isLoopbackAddress() ? Optional.of(new InetSocketAddress(host, config.port())) : Optional.empty();
        } catch (UnknownHostException e) {
            return Optional.empty();
        }
    }

    @Override
    public BrokerAdapter createAdapterThrough(BrokerOptions options, String host, int port, String connectionName) {
        if (loopbackAddress(options).isEmpty()) {
            throw new UnsupportedOperationException("--broker rabbit is reached through a proxy only on this machine");
        }
        return new RabbitAdapter(RabbitConfig.from(config(options)).host(host).port(port)
                .connectionName(connectionName).build());
    }

    @Override
    public List<RawPublishBaseline> rawPublishBaselines(BrokerOptions options) {
        URI uri = URI.create(options.rabbitUri());
        SSLContext context = tlsContext(options);
        return List.of(new RawRabbitPublisher(uri, context, options.partitions(), RabbitConfig.DEFAULT_CONFIRM_WINDOW),
                new RawRabbitPublisher(uri, context, options.partitions(), 1));
    }

    @Override
    public Optional<RawLatencyBaseline> rawLatencyBaseline(BrokerOptions options) {
        return Optional.of(new RawRabbitLatency(URI.create(options.rabbitUri()), tlsContext(options), options.partitions(),
                RabbitConfig.DEFAULT_CONFIRM_WINDOW));
    }

    /** The context of --truststore/--keystore for an amqps:// URI; null for a plain URI or no such flag. */
    private static SSLContext tlsContext(BrokerOptions options) {
        if (!options.rabbitUri().regionMatches(true, 0, "amqps:", 0, 6)) {
            return null;
        }
        return options.tls().sslContext().orElse(null);
    }

    static RabbitConfig config(BrokerOptions options) {
        try {
            RabbitConfig.Builder b = RabbitConfig.custom().uri(options.rabbitUri()).connectionName("keel-cli");
            if (options.rabbitAddresses() != null) {
                try {
                    b.addresses(options.rabbitAddresses());
                } catch (IllegalArgumentException e) {
                    throw new EnvironmentException("--rabbit-addresses: " + e.getMessage(), e);
                }
            }
            RabbitConfig uriOnly = b.build();
            SSLContext context = uriOnly.tls() ? tlsContext(options) : null;
            return context == null ? uriOnly : RabbitConfig.from(uriOnly).sslContext(context).build();
        } catch (IllegalArgumentException e) {
            throw new EnvironmentException("--rabbit-uri: " + e.getMessage() + ", e.g. "
                    + "amqp://guest:guest@127.0.0.1:5672/%2F", e);
        }
    }
}
