package dev.keel.cli.verify;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keel.cli.CliRun;
import dev.keel.cli.ExitCodes;
import dev.keel.testbrokers.BrokerKind;
import dev.keel.testbrokers.Brokers;
import dev.keel.testbrokers.KafkaCluster;
import dev.keel.testbrokers.RedisCluster;
import dev.keel.testbrokers.UsesBrokers;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code keel verify --kill-node} on the harness's clusters: the CLI runs a real control script
 * (written by the test, talking to the harness that owns the node processes) that kills a node with
 * kill -9 mid-stream and starts it again, and the run passes: nothing confirmed lost, no effect twice,
 * key order held, the outage reported. On the three-node Kafka cluster the node is the leader of the
 * run's partition 0; on the Redis Cluster (three masters, a replica each), a master of the
 * idempotency store, with {@code --redis-wait-replicas 1}. Tagged {@code cluster}: runs with
 * {@code -Pcluster}.
 */
@Tag("cluster")
@UsesBrokers(BrokerKind.REDIS)
class VerifyOnClustersTest {

    private static final Duration PATIENCE = Duration.ofSeconds(180);

    private static KafkaCluster kafka;
    private static RedisCluster redis;

    @TempDir
    Path dir;

    @BeforeAll
    static void startCluster() {
        kafka = KafkaCluster.local();
    }

    @AfterEach
    void heal() {
        kafka.restartKilled();
        kafka.awaitBrokers(kafka.nodeIds().size(), PATIENCE);
        if (redis != null) {
            redis.awaitServing(PATIENCE);
        }
    }

    @Test
    void verifyShouldPassOnKafkaWhenThePartitionLeaderIsKilledAndRestartedMidStream() throws Exception {
        Map<String, Integer> killed = new ConcurrentHashMap<>();
        List<Integer> leadersKilled = new ArrayList<>();
        NodeControlServer.Actions actions = new NodeControlServer.Actions() {
            @Override
            public void kill(String node) throws Exception {
                int leader = kafka.leaderOf(verifyTopic(), 0);
                leadersKilled.add(leader);
                killed.put(node, leader);
                kafka.kill(leader);
            }

            @Override
            public void start(String node) {
                Integer id = killed.remove(node);
                if (id != null) {
                    kafka.restart(id);
                }
            }
        };
        try (NodeControlServer server = new NodeControlServer(actions)) {
            Path script = server.writeScript(dir);

            CliRun result = CliRun.of("verify", "--broker", "kafka", "--bootstrap-servers", kafka.bootstrapServers(),
                    "--replication-factor", "3", "--min-insync-replicas", "2", "--partitions", "3",
                    "--redis", Brokers.redis().uri(), "--messages", "600", "--keys", "12", "--faults", "none",
                    "--poison-rate", "0.02", "--duplicate-rate", "0.05", "--seed", "20261122", "--lease", "5s",
                    "--timeout", "120s", "--no-progress",
                    "--kill-node", "p0-leader", "--node-control", "p0-leader=" + script + " {action} {node}",
                    "--down-for", "3s");

            System.out.println(result.out());
            assertThat(result.exitCode()).as(result.out() + result.err()).isEqualTo(ExitCodes.OK);
            assertThat(server.log()).as("the control script's requests").containsExactly("kill p0-leader: ok",
                    "start p0-leader: ok");
            assertThat(leadersKilled).hasSize(1);
            assertThat(result.out()).contains("node kills: p0-leader").containsPattern(
                            "node p0-leader killed [0-9.]+ s into the round, started again after [0-9.]+ s down")
                    .contains("PASS: no violation, 1 node kill(s)");
        }
    }

    @Test
    void verifyShouldPassOnARedisClusterWhenAMasterIsKilledMidStreamAndCompletionsWaitForAReplica() throws Exception {
        redis = RedisCluster.local();
        Map<String, Integer> killed = new ConcurrentHashMap<>();
        NodeControlServer.Actions actions = new NodeControlServer.Actions() {
            @Override
            public void kill(String node) {
                int master = redis.masterOf("keel-verify");
                killed.put(node, master);
                redis.kill(master);
            }

            @Override
            public void start(String node) {
                Integer port = killed.remove(node);
                if (port != null) {
                    redis.restart(port);
                }
            }
        };
        try (NodeControlServer server = new NodeControlServer(actions)) {
            Path script = server.writeScript(dir);

            CliRun result = CliRun.of("verify", "--broker", "kafka", "--bootstrap-servers", kafka.bootstrapServers(),
                    "--replication-factor", "3", "--min-insync-replicas", "2", "--partitions", "3",
                    "--redis", "redis://" + String.join(",", redis.seedNodes()), "--redis-wait-replicas", "1",
                    "--messages", "600", "--keys", "12", "--faults", "none", "--poison-rate", "0.02",
                    "--duplicate-rate", "0.05", "--seed", "20261123", "--lease", "5s", "--timeout", "120s",
                    "--no-progress", "--kill-node", "redis-master",
                    "--node-control", "redis-master=" + script + " {action} {node}", "--down-for", "3s");

            System.out.println(result.out());
            assertThat(result.exitCode()).as(result.out() + result.err()).isEqualTo(ExitCodes.OK);
            assertThat(server.log()).as("the control script's requests").containsExactly("kill redis-master: ok",
                    "start redis-master: ok");
            assertThat(result.out()).contains("store redis (Redis Cluster redis://127.0.0.1:")
                    .contains("waiting for 1 replica(s)")
                    .containsPattern("node redis-master killed [0-9.]+ s into the round, started again after")
                    .contains("PASS: no violation, 1 node kill(s)");
        }
    }

    /** The run's topic: the one keel-verify topic on the cluster (not its dead-letter or delay topics, which have a dot). */
    private static String verifyTopic() throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 5_000,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 10_000))) {
            List<String> topics = admin.listTopics().names().get(10, TimeUnit.SECONDS).stream()
                    .filter(t -> t.startsWith("keel-verify-") && !t.contains(".")).toList();
            if (topics.size() != 1) {
                throw new IllegalStateException("expected one keel-verify topic, found " + topics);
            }
            return topics.get(0);
        }
    }
}
