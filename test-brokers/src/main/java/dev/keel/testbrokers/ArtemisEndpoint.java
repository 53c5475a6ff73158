package dev.keel.testbrokers;

import dev.keel.faults.FaultProxy;
import dev.keel.testbrokers.internal.BrokerControl;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * An ActiveMQ Artemis broker, reached with the CORE protocol (the Artemis JMS client's
 * {@code ActiveMQConnectionFactory(url)}). The harness's local broker is persistent, so a durable
 * message sent before {@link #kill()} is there again after {@link #restart()}; it also has a
 * {@link FaultProxy} in front of its acceptor, for network fault tests: see {@link #proxiedUrl()}. A broker in a
 * container (persistent too) and a configured one have no proxy, and {@link #kill()} and {@link #restart()} throw
 * {@link FaultInjectionUnsupportedException} for them.
 */
public final class ArtemisEndpoint extends BrokerEndpoint {
    /** {@code password=...}, {@code trustStorePassword=...} and the like in a URL's parameters. */
    private static final Pattern PASSWORD_PARAMETER = Pattern.compile("(?i)([a-z]*password=)[^&,)]*");

    private final String url;
    private final FaultProxy proxy;

    public ArtemisEndpoint(Origin origin, String url, BrokerControl control) {
        this(origin, url, control, null);
    }

    /**
     * @param proxy a proxy forwarding to the broker's acceptor, or {@code null} when there is none
     */
    public ArtemisEndpoint(Origin origin, String url, BrokerControl control, FaultProxy proxy) {
        super(BrokerKind.ARTEMIS, origin, control);
        this.url = Objects.requireNonNull(url, "url");
        this.proxy = proxy;
    }

    /**
     * The broker URL for the Artemis clients, e.g. {@code tcp://127.0.0.1:29616}; a configured one is
     * returned as given, and may hold credentials in its parameters: never log it (log {@link #address()}).
     */
    public String url() {
        return url;
    }

    /**
     * Whether {@link #proxiedUrl()} and {@link #proxy()} are available: only for the local broker the
     * harness starts, not for a configured endpoint or a container.
     */
    public boolean hasProxiedUrl() {
        return proxy != null;
    }

    /**
     * A broker URL whose connections all go through {@link #proxy()}, e.g. {@code tcp://127.0.0.1:29617}:
     * a client connected there loses its connection on {@link FaultProxy#cut()}. The proxy keeps its
     * port across {@link #kill()} and {@link #restart()}.
     *
     * @throws FaultInjectionUnsupportedException when this broker has no proxy in front of it
     */
    public String proxiedUrl() {
        return "tcp://" + proxy().host() + ":" + proxy().port();
    }

    /**
     * The fault proxy in front of the broker's acceptor. It is shared by every test of the JVM:
     * {@link FaultProxy#heal()} it when done, and never close it.
     *
     * @throws FaultInjectionUnsupportedException when this broker has no proxy in front of it
     */
    public FaultProxy proxy() {
        if (proxy == null) {
            throw new FaultInjectionUnsupportedException("this ActiveMQ Artemis (" + origin() + ") has no fault proxy:"
                    + " only the harness's local broker has one; run with KEEL_BROKERS=local and without KEEL_ARTEMIS_URL");
        }
        return proxy;
    }

    /** The URL with the values of its password parameters masked. */
    @Override
    public String address() {
        return PASSWORD_PARAMETER.matcher(url).replaceAll("$1***");
    }
}
