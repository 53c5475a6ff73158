package dev.keel.testbrokers;

import dev.keel.faults.FaultProxy;
import dev.keel.testbrokers.internal.HarnessRuntime;
import dev.keel.testbrokers.internal.local.LocalActiveMQ;

import java.net.URI;
import java.util.List;
import java.util.UUID;

/**
 * An ActiveMQ Classic broker with security on, for tests of refused access: a local JVM as {@link Brokers#activemq()}
 * is, started once per test JVM on first use and stopped when it exits. Logins are checked (JAAS) against users the
 * test adds ({@link #putUser}); the permissions come from three roles on every destination: {@link #ADMIN} may do
 * everything, {@link #NO_SEND} everything but write, {@link #NO_CONSUME} everything but read (the advisory topics and
 * temporary destinations are open to all three). A change of a user applies from the user's next login. Beside its
 * plain connector it has one that speaks TLS only ({@link #tlsUrl()}): it presents the run's server certificate
 * ({@link TestCertificates}) and asks every client for a certificate signed by the run's CA. A {@link FaultProxy} in
 * front of that connector ({@link #tlsProxy()}, {@link #proxiedTlsUrl()}) cuts a TLS client's connections.
 */
public final class SecuredActiveMQ {

    public static final String ADMIN = "admin";
    public static final String NO_SEND = "no-send";
    public static final String NO_CONSUME = "no-consume";

    private static SecuredActiveMQ instance;

    private final LocalActiveMQ broker;
    private final String adminPassword;
    private FaultProxy tlsProxy;

    private SecuredActiveMQ(LocalActiveMQ broker, String adminPassword) {
        this.broker = broker;
        this.adminPassword = adminPassword;
    }

    /** The secured broker of this test JVM, started. */
    public static synchronized SecuredActiveMQ local() {
        if (instance == null) {
            String password = "admin-" + UUID.randomUUID();
            instance = new SecuredActiveMQ(LocalActiveMQ.startSecured(HarnessRuntime.get(), password), password);
        }
        return instance;
    }

    /** Its URL, {@code tcp://127.0.0.1:<port>}. */
    public String url() {
        return broker.securedUrl();
    }

    /**
     * Its TLS connector, {@code ssl://127.0.0.1:<port>}. The ActiveMQ Classic client takes its trust and key stores
     * from the JVM ({@code javax.net.ssl.trustStore}, {@code javax.net.ssl.keyStore} and their passwords and types).
     */
    public String tlsUrl() {
        return broker.securedTlsUrl();
    }

    /**
     * {@code ssl://127.0.0.1:<port>} of {@link #tlsProxy()}: every connection of a client given it goes through the
     * proxy to the TLS connector (the client still verifies {@code 127.0.0.1}, which the server certificate names).
     */
    public String proxiedTlsUrl() {
        FaultProxy proxy = tlsProxy();
        return "ssl://" + proxy.host() + ":" + proxy.port();
    }

    /**
     * The fault proxy in front of the TLS connector, started on first use; it keeps its port across {@link #restart()}
     * and {@link #restartPresenting}. Shared by the tests of this JVM: {@link FaultProxy#heal()} it when done, never
     * close it.
     */
    public synchronized FaultProxy tlsProxy() {
        if (tlsProxy == null) {
            URI connector = URI.create(broker.securedTlsUrl());
            tlsProxy = FaultProxy.to(connector.getHost(), connector.getPort());
            HarnessRuntime.get().atShutdown(tlsProxy::close);
        }
        return tlsProxy;
    }

    /** The user {@code admin}, with every permission. */
    public String adminUser() {
        return "admin";
    }

    /** The admin's password, made at start; never log it. */
    public String adminPassword() {
        return adminPassword;
    }

    /** Adds a user, or replaces its password and roles. */
    public void putUser(String user, String password, String... roles) {
        broker.putUser(user, password, List.of(roles));
    }

    /** Kills the broker (-9) and starts it again on the same port and data: every client's connection is lost. */
    public void restart() {
        broker.restart();
    }

    /**
     * As {@link #restart()}, its TLS connector ({@link #tlsUrl()}) presenting {@code which} from then on (expired, for another host, of
     * a new CA, renewed: a certificate changed on the broker's own listener, then a restart). The broker is shared by
     * every test class of this JVM: give it {@link TestCertificates.ServerCertificate#CURRENT} back in a
     * {@code finally} block or an {@code @AfterEach}.
     */
    public void restartPresenting(TestCertificates.ServerCertificate which) {
        broker.restartPresenting(which);
    }

    /** Removes a user: its next login is refused. */
    public void removeUser(String user) {
        broker.removeUser(user);
    }
}
