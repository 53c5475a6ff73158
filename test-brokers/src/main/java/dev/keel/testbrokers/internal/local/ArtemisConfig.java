package dev.keel.testbrokers.internal.local;

import dev.keel.testbrokers.TestCertificates;
import java.nio.file.Path;

/**
 * The {@code broker.xml} of the local ActiveMQ Artemis: persistent with an NIO journal (no libaio
 * needed), one CORE acceptor, and the address settings and addresses ({@code DLQ},
 * {@code ExpiryQueue}) of an instance made by {@code artemis create}. Security off, or, for the secured
 * broker, on with the roles of {@link #ROLES}: {@code admin} may do everything, {@code no-send} everything
 * but send, {@code no-consume} everything but consume, {@code app} only createAddress, createDurableQueue, send and
 * consume, and a role per permission, {@code only-<permission>} (for example {@code only-manage}), with that one
 * permission only, so that a user's roles can grant any set of permissions (users and passwords:
 * {@code login.config} and the properties files {@link #loginConfig} names).
 */
final class ArtemisConfig {

    private ArtemisConfig() {
    }

    /** The prefix of the roles that grant one permission each: {@code only-send} grants {@code send}. */
    static final String ONLY = "only-";

    private static final String[] PERMISSIONS = {"createAddress", "deleteAddress", "createDurableQueue",
        "deleteDurableQueue", "createNonDurableQueue", "deleteNonDurableQueue", "send", "consume", "browse", "manage"};

    /** The roles of the secured broker. */
    static final String ROLES = "admin, no-send, no-consume, app, " + ONLY + String.join(", " + ONLY, PERMISSIONS);

    /** The role with only what Keel's docs say an application needs: publish, consume, declare its topics. */
    static final String APP = "app";
    private static final java.util.Set<String> APP_PERMISSIONS = java.util.Set.of("createAddress",
            "createDurableQueue", "send", "consume");

    /** The JAAS configuration of the secured broker: users and roles from properties files beside it, re-read on change. */
    static String loginConfig(String usersFile, String rolesFile) {
        return String.join("\n",
                "activemq {",
                "  org.apache.activemq.artemis.spi.core.security.jaas.PropertiesLoginModule required",
                "    reload=true",
                "    org.apache.activemq.jaas.properties.user=\"" + usersFile + "\"",
                "    org.apache.activemq.jaas.properties.role=\"" + rolesFile + "\";",
                "};",
                "");
    }

    static String brokerXml(String host, int port, Path data) {
        return brokerXml(host, port, data, false);
    }

    static String brokerXml(String host, int port, Path data, boolean secured) {
        return brokerXml("keel-artemis", host, port, data, secured, "", "");
    }

    /** The secured broker's, with a second acceptor: {@link #tlsAcceptor}. */
    static String brokerXml(String host, int port, Path data, String tlsAcceptor) {
        return brokerXml("keel-artemis", host, port, data, true, "", tlsAcceptor);
    }

    /**
     * A CORE acceptor on {@code host:port} that speaks TLS only, presents the certificate {@code presented} and
     * asks every client for a certificate the trust store's CA signed; logins as on the first acceptor.
     */
    static String tlsAcceptor(String host, int port, TestCertificates certificates,
                              TestCertificates.ServerCertificate presented) {
        String password = certificates.password();
        return "      <acceptor name=\"core-tls\">tcp://" + host + ":" + port + "?protocols=CORE;securityDomain=activemq"
                + ";sslEnabled=true;keyStoreType=PKCS12;keyStorePath="
                + xml(certificates.serverKeyStore(presented).toString())
                + ";keyStorePassword=" + password + ";trustStoreType=PKCS12;trustStorePath="
                + xml(certificates.trustStore().toString()) + ";trustStorePassword=" + password
                + ";needClientAuth=true</acceptor>";
    }

    /**
     * @param clustering elements added to {@code <core>} as they are (connectors, cluster connection and
     *                   {@code ha-policy} of a primary/backup pair: {@link ArtemisPairConfig}), or empty
     */
    static String brokerXml(String name, String host, int port, Path data, boolean secured, String clustering) {
        return brokerXml(name, host, port, data, secured, clustering, "");
    }

    private static String brokerXml(String name, String host, int port, Path data, boolean secured, String clustering,
                                    String moreAcceptors) {
        String dataDir = xml(data.toString());
        return String.join("\n",
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>",
                "<configuration xmlns=\"urn:activemq\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\"",
                "               xsi:schemaLocation=\"urn:activemq /schema/artemis-configuration.xsd\">",
                "  <core xmlns=\"urn:activemq:core\">",
                "    <name>" + xml(name) + "</name>",
                "    <persistence-enabled>true</persistence-enabled>",
                "    <journal-type>NIO</journal-type>",
                "    <paging-directory>" + dataDir + "/paging</paging-directory>",
                "    <bindings-directory>" + dataDir + "/bindings</bindings-directory>",
                "    <journal-directory>" + dataDir + "/journal</journal-directory>",
                "    <large-messages-directory>" + dataDir + "/large-messages</large-messages-directory>",
                "    <journal-datasync>true</journal-datasync>",
                "    <journal-min-files>2</journal-min-files>",
                "    <journal-pool-files>10</journal-pool-files>",
                "    <journal-file-size>10M</journal-file-size>",
                "    <security-enabled>" + secured + "</security-enabled>",
                "    <jmx-management-enabled>false</jmx-management-enabled>",
                // the default policy halts the broker after a 2-minute stall, which a loaded test machine can cause
                "    <critical-analyzer>false</critical-analyzer>",
                secured ? securitySettings() : "",
                "    <acceptors>",
                // the JAAS domain of login.config: Artemis's embedded Main names none
                "      <acceptor name=\"core\">tcp://" + host + ":" + port + "?protocols=CORE"
                        + (secured ? ";securityDomain=activemq" : "") + "</acceptor>",
                moreAcceptors,
                "    </acceptors>",
                clustering,
                "    <address-settings>",
                "      <address-setting match=\"#\">",
                "        <dead-letter-address>DLQ</dead-letter-address>",
                "        <expiry-address>ExpiryQueue</expiry-address>",
                "        <redelivery-delay>0</redelivery-delay>",
                "        <max-delivery-attempts>10</max-delivery-attempts>",
                "        <max-size-bytes>-1</max-size-bytes>",
                "        <message-counter-history-day-limit>10</message-counter-history-day-limit>",
                "        <address-full-policy>PAGE</address-full-policy>",
                "        <auto-create-queues>true</auto-create-queues>",
                "        <auto-create-addresses>true</auto-create-addresses>",
                "        <auto-delete-queues>false</auto-delete-queues>",
                "        <auto-delete-addresses>false</auto-delete-addresses>",
                "      </address-setting>",
                "    </address-settings>",
                "    <addresses>",
                "      <address name=\"DLQ\"><anycast><queue name=\"DLQ\"/></anycast></address>",
                "      <address name=\"ExpiryQueue\"><anycast><queue name=\"ExpiryQueue\"/></anycast></address>",
                "    </addresses>",
                "  </core>",
                "</configuration>",
                "");
    }

    private static String securitySettings() {
        StringBuilder b = new StringBuilder("    <security-settings>\n      <security-setting match=\"#\">\n");
        for (String permission : PERMISSIONS) {
            String roles = switch (permission) {
                case "send" -> "admin,no-consume";
                case "consume" -> "admin,no-send";
                default -> "admin,no-send,no-consume";
            } + (APP_PERMISSIONS.contains(permission) ? "," + APP : "") + "," + ONLY + permission;
            b.append("        <permission type=\"").append(permission).append("\" roles=\"").append(roles)
                    .append("\"/>\n");
        }
        return b.append("      </security-setting>\n    </security-settings>").toString();
    }

    static String xml(String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }
}
