package dev.keel.testbrokers;

import dev.keel.faults.FaultProxy;
import dev.keel.testbrokers.internal.HarnessRuntime;
import dev.keel.testbrokers.internal.local.LocalRocket;
import dev.keel.testbrokers.internal.local.RocketTlsClients;
import java.util.List;
import java.util.UUID;
import org.apache.rocketmq.acl.common.AclClientRPCHook;
import org.apache.rocketmq.acl.common.SessionCredentials;
import org.apache.rocketmq.remoting.protocol.body.AclInfo;
import org.apache.rocketmq.remoting.protocol.body.UserInfo;
import org.apache.rocketmq.tools.admin.DefaultMQAdminExt;

/**
 * A RocketMQ name server and broker with ACL 2.0 on, for tests of refused access: local JVMs as {@link Brokers#rocket()}
 * is, started once per test JVM on first use and stopped when it exits. The broker authenticates every request (an
 * access key and a signature made with its secret key: rocketmq-client's {@code AclClientRPCHook}) and authorizes it
 * by the ACLs of its user; a user without an ACL may do nothing. The super user {@link #adminUser()} is made at start.
 * Users and ACLs a test creates ({@link #putUser}, {@link #allow}) apply to the next request: the broker drops its
 * cached copy when they change. The name server checks nothing.
 *
 * <p>{@link #localOverTls()} is a third name server and broker, with the same ACLs, that speak TLS only
 * ({@code tls.server.mode=enforcing}): they present {@link TestCertificates#serverCertificate()} and require a client
 * certificate signed by the run's CA. Its admin calls go over TLS with {@link TestCertificates#clientCertificate()}.
 * Its broker can be killed and restarted ({@link #restart()}), both can be restarted presenting another certificate
 * ({@link #restartPresenting}), and its clients reach the broker through a {@link FaultProxy} ({@link #tlsProxy()}).
 */
public final class SecuredRocket {

    /** Publish to a topic ({@code SEND_MESSAGE}). */
    public static final String PUB = "Pub";
    /** Consume a topic, or as a group (pull, heartbeat, offsets, lock). */
    public static final String SUB = "Sub";
    /** Create a topic or a subscription group. */
    public static final String CREATE = "Create";
    /** Update a topic or a subscription group, or a group's offsets. */
    public static final String UPDATE = "Update";
    /** Read a topic's or group's configuration, statistics or offsets. */
    public static final String GET = "Get";

    private static final String ADMIN = "keel-admin";
    private static SecuredRocket instance;
    private static SecuredRocket overTls;

    private final LocalRocket broker;
    private final String adminPassword;
    private final RocketTlsClients.Files tls;

    private SecuredRocket(LocalRocket broker, String adminPassword, RocketTlsClients.Files tls) {
        this.broker = broker;
        this.adminPassword = adminPassword;
        this.tls = tls;
    }

    /** The secured name server and broker of this test JVM, started. */
    public static synchronized SecuredRocket local() {
        if (instance == null) {
            String password = "admin-" + UUID.randomUUID();
            instance = new SecuredRocket(LocalRocket.startSecured(HarnessRuntime.get(), ADMIN, password), password,
                    null);
        }
        return instance;
    }

    /**
     * The secured name server and broker of this test JVM that speak TLS only, started: ACL 2.0 as {@link #local()},
     * certificates of {@link TestCertificates#get()}, a client certificate required.
     */
    public static synchronized SecuredRocket localOverTls() {
        if (overTls == null) {
            String password = "admin-" + UUID.randomUUID();
            TestCertificates certificates = TestCertificates.get();
            RocketTlsClients.Files files = new RocketTlsClients.Files(certificates.caCertificate(),
                    certificates.clientCertificate(), certificates.clientKey());
            overTls = new SecuredRocket(LocalRocket.startSecuredOverTls(HarnessRuntime.get(), ADMIN, password,
                    certificates.serverCertificate(), certificates.serverKey(), files), password, files);
        }
        return overTls;
    }

    /** Whether this name server and broker speak TLS only ({@link #localOverTls()}). */
    public boolean tls() {
        return tls != null;
    }

    /** The name server, {@code 127.0.0.1:<port>}. */
    public String nameServer() {
        return broker.nameServerAddress();
    }

    /**
     * The TLS broker as clients reach it, {@code 127.0.0.1:<port>}: the address it registers with the name server,
     * where {@link #tlsProxy()} listens when there is one.
     */
    public String brokerAddress() {
        return broker.registeredBrokerAddress();
    }

    /**
     * The fault proxy in front of the TLS broker ({@link #localOverTls()}): the name server routes every client to it,
     * so cutting it cuts every connection to the broker (not those to the name server). It keeps its port across
     * {@link #restart()} and {@link #restartPresenting}. Shared by the tests of this JVM: {@link FaultProxy#heal()} it
     * when done, never close it.
     *
     * @throws FaultInjectionUnsupportedException for {@link #local()}, and where the loopback interface does not take
     *                                            127.0.0.2 (the broker then binds 127.0.0.1, with no proxy)
     */
    public FaultProxy tlsProxy() {
        return broker.proxy().orElseThrow(() -> new FaultInjectionUnsupportedException("the "
                + (tls() ? "TLS RocketMQ broker has no fault proxy: the loopback interface does not take 127.0.0.2"
                : "secured RocketMQ without TLS has no fault proxy")));
    }

    /** Kills the broker (-9) and starts it again on the same ports and store: every client's connection is lost. */
    public void restart() {
        broker.restart();
    }

    /**
     * Kills the TLS name server and broker ({@link #localOverTls()}; -9) and starts them again on the same ports and
     * store, both presenting {@code which} from then on (expired, for another host, of a new CA, renewed: a
     * certificate changed on the servers' own listeners, then a restart). Users and ACLs stay. Shared by every test
     * class of this JVM: give it {@link TestCertificates.ServerCertificate#CURRENT} back in a {@code finally} block or
     * an {@code @AfterEach}.
     */
    public void restartPresenting(TestCertificates.ServerCertificate which) {
        broker.restartPresenting(which);
    }

    /** The super user made at start: may do everything. */
    public String adminUser() {
        return ADMIN;
    }

    /** The super user's secret key, made at start; never log it. */
    public String adminPassword() {
        return adminPassword;
    }

    /** Creates a normal user with no permission at all, or sets an existing user's secret key. */
    public void putUser(String user, String password) {
        admin(a -> {
            UserInfo existing = null;
            try {
                existing = a.getUser(broker.brokerAddress(), user);
            } catch (Exception notFound) {
                // created below
            }
            if (existing == null) {
                a.createUser(broker.brokerAddress(), user, password, "Normal");
            } else {
                a.updateUser(broker.brokerAddress(), user, password, "Normal", "enable");
            }
        }, "put the user " + user);
    }

    /**
     * Allows {@code user} {@code actions} ({@link #PUB}, {@link #SUB}, ...) on {@code resource}: {@code Topic:<name>}
     * or {@code Group:<name>}, a name ending in {@code *} matching every name it starts, {@code Topic:*} every topic.
     * Adds to what the user may do already.
     */
    public void allow(String user, String resource, String... actions) {
        admin(a -> a.createAcl(broker.brokerAddress(), "User:" + user, List.of(resource), List.of(actions),
                List.of(), "Allow"), "allow " + String.join(",", actions) + " on " + resource + " to " + user);
    }

    /** Removes every ACL of {@code user}: it may do nothing from its next request on. */
    public void revokeAll(String user) {
        admin(a -> {
            AclInfo acl = null;
            try {
                acl = a.getAcl(broker.brokerAddress(), "User:" + user);
            } catch (Exception none) {
                // nothing to remove
            }
            if (acl != null && acl.getPolicies() != null && !acl.getPolicies().isEmpty()) {
                a.deleteAcl(broker.brokerAddress(), "User:" + user, null);
            }
        }, "remove the ACLs of " + user);
    }

    /** Removes {@code user} and its ACLs: its next request is refused. */
    public void removeUser(String user) {
        revokeAll(user);
        admin(a -> {
            try {
                a.deleteUser(broker.brokerAddress(), user);
            } catch (Exception e) {
                if (!String.valueOf(e.getMessage()).contains("not exist")) {
                    throw e;
                }
            }
        }, "remove the user " + user);
    }

    private interface AdminCall {
        void run(DefaultMQAdminExt admin) throws Exception;
    }

    private void admin(AdminCall call, String what) {
        DefaultMQAdminExt admin = new DefaultMQAdminExt(new AclClientRPCHook(new SessionCredentials(ADMIN,
                adminPassword)), 10_000);
        admin.setNamesrvAddr(nameServer());
        admin.setInstanceName("keel-secured-admin-" + UUID.randomUUID().toString().substring(0, 8));
        try {
            RocketTlsClients.start(admin, broker.harnessTls(), admin::start);
            call.run(admin);
        } catch (Exception e) {
            throw new IllegalStateException("cannot " + what + " on the secured RocketMQ: " + e.getMessage(), e);
        } finally {
            admin.shutdown();
        }
    }
}
