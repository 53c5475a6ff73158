package dev.keel.testbrokers;

import dev.keel.faults.FaultProxy;
import dev.keel.testbrokers.internal.HarnessRuntime;
import dev.keel.testbrokers.internal.local.LocalArtemis;
import java.net.URI;
import java.util.List;
import java.util.UUID;

/**
 * An ActiveMQ Artemis broker with security on, for tests of refused access: a local JVM as {@link Brokers#artemis()}
 * is, started once per test JVM on first use and stopped when it exits. Logins are checked against users the test
 * adds ({@link #putUser}); the permissions come from roles on every address: {@link #ADMIN} may do everything,
 * {@link #NO_SEND} everything but send, {@link #NO_CONSUME} everything but consume, {@link #APP} only what an
 * application needs, and {@link #only} one permission each, so that a user can be given any set of permissions.
 * A change of a user (a new
 * password, other roles) applies from the user's next login. Beside its plain acceptor it has one that speaks TLS only
 * ({@link #tlsUrl}): it presents the run's server certificate ({@link TestCertificates}) and asks every client for a
 * certificate signed by the run's CA; logins and roles as on the plain one. A {@link FaultProxy} in front of the TLS
 * acceptor ({@link #tlsProxy()}, {@link #proxiedTlsUrl}) cuts a TLS client's connections.
 */
public final class SecuredArtemis {

    public static final String ADMIN = "admin";
    public static final String NO_SEND = "no-send";
    public static final String NO_CONSUME = "no-consume";
    /**
     * Only what docs/security.md says an application needs, on every address: {@code createAddress},
     * {@code createDurableQueue}, {@code send} and {@code consume} (no delete, browse, manage or non-durable queues).
     */
    public static final String APP = "app";

    /** The permission types of the broker's {@code security-settings}, each granted alone by {@link #only}. */
    public static final java.util.Set<String> PERMISSIONS = java.util.Set.of("createAddress", "deleteAddress",
            "createDurableQueue", "deleteDurableQueue", "createNonDurableQueue", "deleteNonDurableQueue", "send",
            "consume", "browse", "manage");

    private static SecuredArtemis instance;

    private final LocalArtemis broker;
    private final String adminPassword;
    private FaultProxy tlsProxy;

    private SecuredArtemis(LocalArtemis broker, String adminPassword) {
        this.broker = broker;
        this.adminPassword = adminPassword;
    }

    /** The secured broker of this test JVM, started. */
    public static synchronized SecuredArtemis local() {
        if (instance == null) {
            String password = "admin-" + UUID.randomUUID();
            instance = new SecuredArtemis(LocalArtemis.startSecured(HarnessRuntime.get(), password), password);
        }
        return instance;
    }

    /** Its URL, {@code tcp://127.0.0.1:<port>}. */
    public String url() {
        return broker.securedUrl();
    }

    /**
     * The URL of its TLS acceptor with the client's parameters: {@code sslEnabled=true}, {@code verifyHost=true} (the
     * Artemis client verifies no host name unless told to), the PKCS12 trust store {@code trustStore} and, unless
     * null, the key store {@code keyStore} with the client certificate, both with the password of
     * {@link TestCertificates}. Holds that password: never log it.
     */
    public String tlsUrl(java.nio.file.Path trustStore, java.nio.file.Path keyStore) {
        return tlsUrl(broker.securedTlsUrl(), trustStore, keyStore);
    }

    /**
     * As {@link #tlsUrl}, at the port of {@link #tlsProxy()}: every connection of a client given it goes through the
     * proxy to the TLS acceptor (the client still verifies {@code 127.0.0.1}, which the server certificate names).
     * Holds the stores' password: never log it.
     */
    public String proxiedTlsUrl(java.nio.file.Path trustStore, java.nio.file.Path keyStore) {
        FaultProxy proxy = tlsProxy();
        return tlsUrl("tcp://" + proxy.host() + ":" + proxy.port(), trustStore, keyStore);
    }

    /**
     * The fault proxy in front of the TLS acceptor, started on first use; it keeps its port across {@link #restart()}
     * and {@link #restartPresenting}. Shared by the tests of this JVM: {@link FaultProxy#heal()} it when done, never
     * close it.
     */
    public synchronized FaultProxy tlsProxy() {
        if (tlsProxy == null) {
            URI acceptor = URI.create(broker.securedTlsUrl());
            tlsProxy = FaultProxy.to(acceptor.getHost(), acceptor.getPort());
            HarnessRuntime.get().atShutdown(tlsProxy::close);
        }
        return tlsProxy;
    }

    private static String tlsUrl(String base, java.nio.file.Path trustStore, java.nio.file.Path keyStore) {
        String password = TestCertificates.get().password();
        String url = base + "?sslEnabled=true&verifyHost=true&trustStoreType=PKCS12&trustStorePath="
                + trustStore.toAbsolutePath() + "&trustStorePassword=" + password;
        if (keyStore != null) {
            url += "&keyStoreType=PKCS12&keyStorePath=" + keyStore.toAbsolutePath() + "&keyStorePassword=" + password;
        }
        return url;
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

    /**
     * The role that grants {@code permission} (one of {@link #PERMISSIONS}, as broker.xml spells it) on every address,
     * and nothing else.
     */
    public static String only(String permission) {
        if (!PERMISSIONS.contains(permission)) {
            throw new IllegalArgumentException("no Artemis permission '" + permission + "': one of " + PERMISSIONS);
        }
        return "only-" + permission;
    }

    /** Kills the broker (-9) and starts it again on the same port and data: every client's connection is lost. */
    public void restart() {
        broker.restart();
    }

    /**
     * As {@link #restart()}, its TLS acceptor ({@link #tlsUrl}) presenting {@code which} from then on (expired, for another host, of
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
