package dev.keel.testbrokers;

import dev.keel.testbrokers.internal.HarnessRuntime;
import dev.keel.testbrokers.internal.Poll;
import dev.keel.testbrokers.internal.local.LocalKafka;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AccessControlEntryFilter;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclBindingFilter;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourcePatternFilter;
import org.apache.kafka.common.resource.ResourceType;

/**
 * A Kafka broker with an authorizer, for tests of refused access: a local JVM as {@link Brokers#kafka()} is, started
 * once per test JVM on first use and stopped when it exits. Clients under test log in with SCRAM-SHA-512 on its
 * {@code SASL_PLAINTEXT} listener ({@link #clientProperties}) as users a test creates ({@link #putUser}) and may do
 * what the ACLs the test grants ({@link #allow}) let them; nothing else is allowed. Beside it a {@code SASL_SSL}
 * listener ({@link #saslSslBootstrapServers()}, {@link #tlsClientProperties}) takes the same logins over TLS: it
 * presents the run's server certificate ({@link TestCertificates}) and asks every client for a certificate signed by
 * the run's CA.
 */
public final class SecuredKafka {

    private static SecuredKafka instance;

    private final LocalKafka broker;

    private SecuredKafka(LocalKafka broker) {
        this.broker = broker;
    }

    /** The secured broker of this test JVM, started. */
    public static synchronized SecuredKafka local() {
        if (instance == null) {
            instance = new SecuredKafka(LocalKafka.startSecured(HarnessRuntime.get()));
        }
        return instance;
    }

    /** The SASL_PLAINTEXT listener, for the clients under test. */
    public String bootstrapServers() {
        return broker.saslBootstrapServers();
    }

    /**
     * The listener whose anonymous clients are super users: for a test's own setup and checks (creating topics,
     * writing inputs, reading what the client under test wrote), never for the client under test.
     */
    public String superUserBootstrapServers() {
        return broker.superUserBootstrapServers();
    }

    /** The SASL_SSL listener: SCRAM-SHA-512 over TLS, client certificates required. */
    public String saslSslBootstrapServers() {
        return broker.saslSslBootstrapServers();
    }

    /**
     * A second SASL_SSL listener, the same as {@link #saslSslBootstrapServers()}, that the broker advertises at the
     * port of {@link #proxy()}: every connection of a client bootstrapped here (the partition leader, the group
     * coordinator) goes through the proxy, for network faults over TLS. Clients take {@link #tlsClientProperties}.
     */
    public String proxiedSaslSslBootstrapServers() {
        return broker.proxiedSaslSslBootstrapServers();
    }

    /**
     * The fault proxy in front of {@link #proxiedSaslSslBootstrapServers()}'s listener; it keeps its port across
     * {@link #kill()} and {@link #restart()}. Shared by the tests of this JVM: {@code heal()} it when done, never
     * close it.
     */
    public dev.keel.faults.FaultProxy proxy() {
        return broker.securedProxy();
    }

    /**
     * What a kafka-clients client needs to log in as {@code user} on the SASL_SSL listener, trusting the CA of
     * {@code trustStore} and presenting the client certificate of {@code keyStore} (null: none), both PKCS12 with the
     * password of {@link TestCertificates}. Holds passwords, never log it.
     */
    public Map<String, String> tlsClientProperties(String user, String password, java.nio.file.Path trustStore,
                                                   java.nio.file.Path keyStore) {
        TestCertificates certificates = TestCertificates.get();
        Map<String, String> properties = new HashMap<>(clientProperties(user, password));
        properties.put("security.protocol", "SASL_SSL");
        properties.put("ssl.truststore.type", "PKCS12");
        properties.put("ssl.truststore.location", trustStore.toAbsolutePath().toString());
        properties.put("ssl.truststore.password", certificates.password());
        if (keyStore != null) {
            properties.put("ssl.keystore.type", "PKCS12");
            properties.put("ssl.keystore.location", keyStore.toAbsolutePath().toString());
            properties.put("ssl.keystore.password", certificates.password());
            properties.put("ssl.key.password", certificates.password());
        }
        return Map.copyOf(properties);
    }

    /**
     * Kills the broker (kill -9: every connection of every listener drops, the ports close) and returns once it is
     * gone; {@link #restart()} starts it again. Users, ACLs and topics are kept (its metadata log and data survive).
     */
    public void kill() {
        broker.kill();
    }

    /**
     * Starts the broker again on the same ports, data and certificates (killing it first if it still runs) and returns
     * once its super-user listener serves: a broker restart for tests over SASL or SASL_SSL.
     */
    public void restart() {
        broker.restart();
    }

    /**
     * Restarts the broker as {@link #restart()} does (kill -9, the same ports and data) with its SASL_SSL listeners
     * presenting {@code which} (expired, for another host, renewed, of a new CA: a certificate changed on the broker's
     * own listeners, then a restart); later restarts keep presenting it. The broker is shared by every test class of
     * this JVM: give it {@link TestCertificates.ServerCertificate#CURRENT} back in a {@code finally} block.
     */
    public void restartPresenting(TestCertificates.ServerCertificate which) {
        broker.restartPresenting(which);
    }

    /** What a kafka-clients client needs to log in as {@code user}: holds the password, never log it. */
    public Map<String, String> clientProperties(String user, String password) {
        return Map.of("security.protocol", "SASL_PLAINTEXT", "sasl.mechanism", "SCRAM-SHA-512",
                "sasl.jaas.config", "org.apache.kafka.common.security.scram.ScramLoginModule required username=\""
                        + user + "\" password=\"" + password + "\";");
    }

    /** Creates a SCRAM user, or sets its password; returns once the broker accepts the login. */
    public void putUser(String user, String password) {
        try (Admin admin = superUser()) {
            admin.alterUserScramCredentials(List.of(new UserScramCredentialUpsertion(user,
                    new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, 8192), password))).all().get(30,
                    TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("cannot create the SCRAM user " + user, e);
        }
        awaitLogin(user, password);
    }

    /** Grants {@code user} {@code operations} on the resources of {@code type} named {@code name} or starting with it. */
    public void allow(String user, ResourceType type, String name, PatternType pattern, AclOperation... operations) {
        List<AclBinding> acls = new ArrayList<>();
        for (AclOperation operation : operations) {
            acls.add(new AclBinding(new ResourcePattern(type, name, pattern),
                    new AccessControlEntry("User:" + user, "*", operation, AclPermissionType.ALLOW)));
        }
        try (Admin admin = superUser()) {
            admin.createAcls(acls).all().get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("cannot grant ACLs to " + user, e);
        }
    }

    /** Removes every ACL of {@code user}. */
    public void revokeAll(String user) {
        try (Admin admin = superUser()) {
            admin.deleteAcls(List.of(new AclBindingFilter(ResourcePatternFilter.ANY, new AccessControlEntryFilter(
                    "User:" + user, null, AclOperation.ANY, AclPermissionType.ANY)))).all().get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("cannot remove the ACLs of " + user, e);
        }
    }

    private Admin superUser() {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.superUserBootstrapServers()));
    }

    private void awaitLogin(String user, String password) {
        Map<String, Object> config = new HashMap<>(clientProperties(user, password));
        config.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
        try {
            // the broker applies a new credential from its metadata log a moment after it was stored
            Poll.until("the login of SCRAM user " + user, Duration.ofSeconds(30), Poll.never(), () -> {
                try (Admin admin = Admin.create(config)) {
                    admin.describeCluster().nodes().get(10, TimeUnit.SECONDS);
                } catch (ExecutionException e) {
                    if (e.getCause() instanceof SaslAuthenticationException) {
                        return Optional.empty();
                    }
                    // authenticated: what the cluster answers then is the ACLs' business
                }
                return Optional.of(true);
            });
        } catch (Poll.PollFailedException e) {
            throw new IllegalStateException("the secured Kafka does not accept the login of " + user, e);
        }
    }
}
