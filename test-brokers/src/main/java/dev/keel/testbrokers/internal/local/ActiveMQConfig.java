package dev.keel.testbrokers.internal.local;

import dev.keel.testbrokers.TestCertificates;
import java.nio.file.Path;

/**
 * The {@code activemq.xml} of the local ActiveMQ Classic, and of the harness's ActiveMQ Classic container: persistent
 * (KahaDB), the scheduler on (delayed delivery) and prioritized messages on every queue, which the Keel adapter
 * needs; JMX off and one OpenWire transport connector. Everything else keeps ActiveMQ's defaults (advisory support on, the default message
 * group map and frame size), so that what works here works on a default broker with those two settings.
 */
public final class ActiveMQConfig {

    private ActiveMQConfig() {
    }

    /** The broker's name, which its log shows: {@code Apache ActiveMQ 6.3.1 (keel, ID:...) started}. */
    static final String BROKER_NAME = "keel";

    /** The roles of the secured broker ({@link #activemqXml(String, int, Path, boolean)}). */
    static final String ADMIN = "admin";
    static final String NO_SEND = "no-send";
    static final String NO_CONSUME = "no-consume";

    static String activemqXml(String host, int port, Path data) {
        return activemqXml(host, port, data, false);
    }

    /**
     * What the harness writes into an ActiveMQ Classic container: the broker's configuration without security,
     * {@code dataDir} a path inside the container (with {@code /}, whatever the test machine's separator).
     */
    public static String containerXml(String host, int port, String dataDir) {
        return activemqXml(host, port, dataDir, false);
    }

    /**
     * With {@code secured}, logins are checked by the JAAS configuration {@code activemq} ({@link #loginConfig}) and
     * every destination's permissions come from three roles: {@link #ADMIN} may do everything, {@link #NO_SEND}
     * everything but write, {@link #NO_CONSUME} everything but read; the advisory topics and temporary destinations
     * are open to all three.
     */
    static String activemqXml(String host, int port, Path data, boolean secured) {
        return activemqXml(host, port, data.toString(), secured);
    }

    /**
     * The secured broker's, with a second transport connector, {@code ssl://host:tlsPort}, that speaks TLS only:
     * the broker's {@code <sslContext>} presents the certificate {@code presented} and trusts the CA of the trust
     * store, and the connector asks every client for a certificate ({@code needClientAuth=true}).
     */
    static String activemqXml(String host, int port, Path data, int tlsPort, TestCertificates certificates,
                              TestCertificates.ServerCertificate presented) {
        String password = certificates.password();
        String sslContext = "    <sslContext><sslContext keyStore=\"file:"
                + xml(certificates.serverKeyStore(presented).toString())
                + "\" keyStorePassword=\"" + password + "\" keyStoreType=\"PKCS12\" trustStore=\"file:"
                + xml(certificates.trustStore().toString()) + "\" trustStorePassword=\"" + password
                + "\" trustStoreType=\"PKCS12\"/></sslContext>";
        String connector = "      <transportConnector name=\"openwire-tls\" uri=\"ssl://" + host + ":" + tlsPort
                + "?needClientAuth=true\"/>";
        return activemqXml(host, port, data.toString(), true, sslContext, connector);
    }

    private static String activemqXml(String host, int port, String data, boolean secured) {
        return activemqXml(host, port, data, secured, "", "");
    }

    private static String activemqXml(String host, int port, String data, boolean secured, String sslContext,
                                      String moreConnectors) {
        String dataDir = xml(data);
        return String.join("\n",
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>",
                "<beans xmlns=\"http://www.springframework.org/schema/beans\""
                        + " xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\"",
                "  xsi:schemaLocation=\"http://www.springframework.org/schema/beans"
                        + " http://www.springframework.org/schema/beans/spring-beans.xsd",
                "  http://activemq.apache.org/schema/core http://activemq.apache.org/schema/core/activemq-core.xsd\">",
                "  <broker xmlns=\"http://activemq.apache.org/schema/core\" brokerName=\"" + BROKER_NAME + "\""
                        + " dataDirectory=\"" + dataDir + "\" schedulerSupport=\"true\" useJmx=\"false\" persistent=\"true\">",
                "    <destinationPolicy><policyMap><policyEntries>",
                "      <policyEntry queue=\">\" prioritizedMessages=\"true\"/>",
                "    </policyEntries></policyMap></destinationPolicy>",
                "    <persistenceAdapter><kahaDB directory=\"" + dataDir + "/kahadb\"/></persistenceAdapter>",
                secured ? plugins() : "",
                sslContext,
                "    <transportConnectors>",
                "      <transportConnector name=\"openwire\" uri=\"tcp://" + host + ":" + port + "\"/>",
                moreConnectors,
                "    </transportConnectors>",
                "  </broker>",
                "</beans>",
                "");
    }

    private static String plugins() {
        String all = ADMIN + "," + NO_SEND + "," + NO_CONSUME;
        String read = ADMIN + "," + NO_SEND;
        String write = ADMIN + "," + NO_CONSUME;
        return String.join("\n",
                "    <plugins>",
                "      <jaasAuthenticationPlugin configuration=\"activemq\"/>",
                "      <authorizationPlugin><map><authorizationMap>",
                "        <authorizationEntries>",
                "          <authorizationEntry queue=\">\" read=\"" + read + "\" write=\"" + write + "\" admin=\"" + all + "\"/>",
                "          <authorizationEntry topic=\">\" read=\"" + read + "\" write=\"" + write + "\" admin=\"" + all + "\"/>",
                "          <authorizationEntry topic=\"ActiveMQ.Advisory.>\" read=\"" + all + "\" write=\"" + all + "\" admin=\""
                        + all + "\"/>",
                "        </authorizationEntries>",
                "        <tempDestinationAuthorizationEntry><tempDestinationAuthorizationEntry read=\"" + all + "\" write=\""
                        + all + "\" admin=\"" + all + "\"/></tempDestinationAuthorizationEntry>",
                "      </authorizationMap></map></authorizationPlugin>",
                "    </plugins>");
    }

    /** The JAAS configuration {@code activemq}: users and roles from properties files beside it, re-read on change. */
    static String loginConfig(String usersFile, String rolesFile) {
        return String.join("\n",
                "activemq {",
                "  org.apache.activemq.jaas.PropertiesLoginModule required",
                "    reload=true",
                "    org.apache.activemq.jaas.properties.user=\"" + usersFile + "\"",
                "    org.apache.activemq.jaas.properties.group=\"" + rolesFile + "\";",
                "};",
                "");
    }

    private static String xml(String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
