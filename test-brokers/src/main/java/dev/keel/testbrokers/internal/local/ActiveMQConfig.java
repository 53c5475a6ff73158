package dev.keel.testbrokers.internal.local;

import java.nio.file.Path;

/**
 * The {@code activemq.xml} of the local ActiveMQ Classic: persistent (KahaDB), the scheduler on (delayed
 * delivery) and prioritized messages on every queue, which the Keel adapter needs; JMX off and one OpenWire
 * transport connector. Everything else keeps ActiveMQ's defaults (advisory support on, the default message
 * group map and frame size), so that what works here works on a default broker with those two settings.
 */
final class ActiveMQConfig {

    private ActiveMQConfig() {
    }

    /** The broker's name, which its log shows: {@code Apache ActiveMQ 6.3.1 (keel, ID:...) started}. */
    static final String BROKER_NAME = "keel";

    static String activemqXml(String host, int port, Path data) {
        String dataDir = xml(data.toString());
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
                "    <transportConnectors>",
                "      <transportConnector name=\"openwire\" uri=\"tcp://" + host + ":" + port + "\"/>",
                "    </transportConnectors>",
                "  </broker>",
                "</beans>",
                "");
    }

    private static String xml(String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
