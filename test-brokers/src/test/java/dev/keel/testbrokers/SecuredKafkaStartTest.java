package dev.keel.testbrokers;

import dev.keel.testbrokers.internal.HarnessRuntime;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.Uuid;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

@Tag("secured")
class SecuredKafkaStartTest {

    /**
     * A start of the secured broker that failed earlier in the JVM (a port taken by another JVM, a slow machine) leaves
     * a formatted data directory with its cluster id. CI's run once failed 65 tests on this: each later start formatted
     * with a new id and the storage tool refused the directory ("Invalid cluster.id").
     */
    @Test
    void theSecuredBrokerShouldStartOverADataDirectoryAFailedStartLeftBehind() throws Exception {
        Path data = HarnessRuntime.get().run().dir("kafka-secured").resolve("data");
        Files.createDirectories(data);
        Files.writeString(data.resolve("meta.properties"), "#left by a failed start\nnode.id=1\nversion=1\n"
                + "directory.id=" + Uuid.randomUuid() + "\ncluster.id=" + Uuid.randomUuid() + "\n", StandardCharsets.UTF_8);

        SecuredKafka kafka = SecuredKafka.local();

        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                kafka.superUserBootstrapServers()))) {
            assertThat(admin.describeCluster().nodes().get(30, TimeUnit.SECONDS)).hasSize(1);
        }
    }
}
