package dev.keel.testbrokers;

import dev.keel.testbrokers.internal.BrokerControl;
import dev.keel.testbrokers.internal.RabbitNodeControl;

import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * A RabbitMQ broker and the virtual host this test run owns. With the local service the harness
 * creates a fresh virtual host per run and deletes it at the end.
 */
public final class RabbitEndpoint extends BrokerEndpoint {
    private final String host;
    private final int port;
    private final String username;
    private final String password;
    private final String virtualHost;
    private final BrokerControl control;

    public RabbitEndpoint(Origin origin, String host, int port, String username, String password,
                          String virtualHost, BrokerControl control) {
        super(BrokerKind.RABBIT, origin, control);
        this.host = Objects.requireNonNull(host, "host");
        this.port = port;
        this.username = Objects.requireNonNull(username, "username");
        this.password = Objects.requireNonNull(password, "password");
        this.virtualHost = Objects.requireNonNull(virtualHost, "virtualHost");
        this.control = control;
    }

    public String host() {
        return host;
    }

    public int port() {
        return port;
    }

    public String username() {
        return username;
    }

    /** Never log it. */
    public String password() {
        return password;
    }

    public String virtualHost() {
        return virtualHost;
    }

    /** {@code amqp://user:password@host:port/vhost}, for {@code ConnectionFactory.setUri}; holds the password, so never log it. */
    public String uri() {
        return "amqp://" + encode(username) + ":" + encode(password) + "@" + host + ":" + port + "/" + encode(virtualHost);
    }

    /**
     * Whether {@link #rabbitmqctl} works: the broker is a private node the harness started for this
     * JVM (the default without Docker), not the machine's shared service, a container or a
     * configured broker.
     */
    public boolean supportsNodeCommands() {
        return control instanceof RabbitNodeControl;
    }

    /**
     * Runs {@code rabbitmqctl -n <node> <args>} on the harness's private node and returns its output,
     * for faults no client can cause: {@code set_vm_memory_high_watermark 0.0000001} (a memory alarm
     * that blocks publishers), {@code eval 'application:set_env(rabbit, consumer_timeout, 1000).'}.
     * Settings are node-wide and every test class of this JVM shares the node: restore them in a
     * {@code finally} block.
     *
     * @throws FaultInjectionUnsupportedException unless {@link #supportsNodeCommands()}
     * @throws IllegalStateException when the command fails (the message holds its output)
     */
    public String rabbitmqctl(String... args) {
        if (!(control instanceof RabbitNodeControl node)) {
            throw new FaultInjectionUnsupportedException("rabbitmqctl is only run on the harness's private RabbitMQ "
                    + "node, not on " + origin() + " " + address() + "; run with KEEL_BROKERS=local and without "
                    + "KEEL_RABBIT_LOCAL=service");
        }
        try {
            return node.rabbitmqctl(java.util.List.of(args));
        } catch (IOException e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
    }

    /**
     * The port of the private node's TLS listener (the run's server certificate, {@link TestCertificates}; a client
     * certificate signed by the run's CA required), on {@link #host()}. Besides PLAIN it offers SASL EXTERNAL: a client
     * logs in as the user named by its certificate's common name ({@code ssl_cert_login_from = common_name}; the run's
     * client certificate is {@code CN=keel-test-client}), which a test creates. It has one when the test JVM runs with
     * {@code keel.brokers.tls=true} (the {@code -Psecured} profile sets it).
     *
     * @throws FaultInjectionUnsupportedException when the broker has no such listener: not the harness's private
     *         node, or the setting is off
     */
    public int tlsPort() {
        if (control instanceof RabbitNodeControl node && node.tlsPort().isPresent()) {
            return node.tlsPort().getAsInt();
        }
        throw new FaultInjectionUnsupportedException("RabbitMQ at " + address() + " has no TLS listener of the "
                + "harness: only its private node has one, with -Dkeel.brokers.tls=true (or KEEL_BROKERS_TLS=true; the "
                + "-Psecured profile sets it)");
    }

    /**
     * Restarts the harness's private node with its TLS listener presenting {@code which} (expired, for another host,
     * of a new CA: a certificate changed on the broker's own listener, then a restart). Every connection drops, as with
     * {@link #kill()} and {@link #restart()}; durable state is kept. The node is shared by every test class of this
     * JVM: give it {@link TestCertificates.ServerCertificate#CURRENT} back in a {@code finally} block.
     *
     * @throws FaultInjectionUnsupportedException unless this node has a TLS listener ({@link #tlsPort()})
     */
    public void restartPresenting(TestCertificates.ServerCertificate which) {
        tlsPort();
        try {
            ((RabbitNodeControl) control).restartPresenting(which);
        } catch (IOException e) {
            throw new IllegalStateException("RabbitMQ: restarting with another certificate failed: " + e.getMessage(),
                    e);
        }
    }

    @Override
    public String address() {
        return host + ":" + port + " vhost " + virtualHost;
    }

    private static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }
}
