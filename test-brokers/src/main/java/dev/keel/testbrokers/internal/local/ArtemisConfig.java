package dev.keel.testbrokers.internal.local;

import java.nio.file.Path;

/**
 * The {@code broker.xml} of the local ActiveMQ Artemis: persistent with an NIO journal (no libaio
 * needed), security off, one CORE acceptor, and the address settings and addresses ({@code DLQ},
 * {@code ExpiryQueue}) of an instance made by {@code artemis create}.
 */
final class ArtemisConfig {

    private ArtemisConfig() {
    }

    static String brokerXml(String host, int port, Path data) {
        String dataDir = xml(data.toString());
        return String.join("\n",
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>",
                "<configuration xmlns=\"urn:activemq\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\"",
                "               xsi:schemaLocation=\"urn:activemq /schema/artemis-configuration.xsd\">",
                "  <core xmlns=\"urn:activemq:core\">",
                "    <name>keel-artemis</name>",
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
                "    <security-enabled>false</security-enabled>",
                "    <jmx-management-enabled>false</jmx-management-enabled>",
                // the default policy halts the broker after a 2-minute stall, which a loaded test machine can cause
                "    <critical-analyzer>false</critical-analyzer>",
                "    <acceptors>",
                "      <acceptor name=\"core\">tcp://" + host + ":" + port + "?protocols=CORE</acceptor>",
                "    </acceptors>",
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

    private static String xml(String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }
}
