package dev.keel.cli.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import dev.keel.cli.KeelCli;
import dev.keel.faults.FaultProxy;
import dev.keel.testbrokers.ForkedJvm;
import dev.keel.testbrokers.RabbitEndpoint;
import dev.keel.testbrokers.RealBrokers;
import dev.keel.testbrokers.RedisEndpoint;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.params.ScanParams;
import redis.clients.jedis.resps.ScanResult;

/**
 * {@code keel bench --only memory} stopped by SIGTERM while its child JVM ({@link MemoryProbe}) consumes, on a real
 * RabbitMQ: the child is ended, the section's queues and the child's temporary log deleted, and the stop said
 * (eighth adversarial review: the bench thread sat in a read of the child's output that no interrupt wakes, so the JVM
 * exited after a minute without cleaning up, leaving the queues with their backlog, the child running with parent PID
 * 1 and {@code /tmp/keel-bench-memory*.log}). The child is held up by a Redis that stops answering (a proxy in front
 * of the harness's Redis turned into a black hole), so that the stop lands while it consumes.
 */
@Tag("proof") // a forked JVM with a child JVM of its own: with the longer proofs (-Pproof), off the default suite
@ExtendWith(RealBrokers.class)
class BenchMemoryStopTest {

    private static final Pattern MEMORY_TOPIC = Pattern.compile("keel-bench-b[0-9a-z]+-memory");
    private static final int PARTITIONS = 2;

    @Test
    void aBenchStoppedWhileItsMemoryChildConsumesShouldEndTheChildAndDeleteItsTopicsAndLog(RabbitEndpoint rabbit,
                                                                                          RedisEndpoint redis)
            throws Exception {
        Path tmp = Path.of(System.getProperty("java.io.tmpdir"));
        Set<Path> logsBefore = memoryLogs(tmp);
        String output;
        String topic;
        int exit;
        ProcessHandle probe;
        try (FaultProxy redisProxy = FaultProxy.to(redis.host(), redis.port())) {
            String redisUri = redis.uri().replace(redis.host() + ":" + redis.port(),
                    redisProxy.host() + ":" + redisProxy.port());
            Set<String> topicsBefore = memoryTopicsIn(redis);
            try (ForkedJvm keel = ForkedJvm.builder(KeelCli.class).name("keel-bench-memory-stop")
                    .args("bench", "--broker", "rabbit", "--rabbit-uri", rabbit.uri(), "--redis", redisUri,
                            "--partitions", "" + PARTITIONS, "--only", "memory", "--memory-messages", "20000",
                            "--no-progress").start()) {
                try {
                    probe = await().atMost(Duration.ofSeconds(180)).until(() -> memoryProbe(keel.pid()),
                            Optional::isPresent).orElseThrow();
                    // the child consumes once its claims reach Redis, which names the section's topic (the bench
                    // prints its run only at the end); from now on its claims wait for a Redis that does not answer
                    topic = await().atMost(Duration.ofSeconds(120)).until(() -> newTopic(redis, topicsBefore),
                            Optional::isPresent).orElseThrow();
                    redisProxy.blackHole(true);

                    exit = keel.terminate(Duration.ofSeconds(120));
                    output = String.join("\n", keel.lines());
                } finally {
                    memoryProbe(keel.pid()).ifPresent(ProcessHandle::destroyForcibly);
                }
            }
        }
        boolean probeLeft = probe.isAlive();
        probe.destroyForcibly(); // a child left running would keep consuming the harness's broker

        assertThat(exit).as(output).isEqualTo(143);
        assertThat(output).contains("keel: bench stopped by a signal before the end; its topics were deleted");
        assertThat(probeLeft).as("the MemoryProbe child still runs after its bench stopped").isFalse();
        assertThat(memoryLogs(tmp)).as("the child's temporary log").isSubsetOf(logsBefore);
        assertThat(partitionQueuesLeft(rabbit, topic)).as("left behind by the stopped bench").isEmpty();
    }

    /**
     * The bench's MemoryProbe child JVM, once it runs: with {@code --only memory} the one java process among the
     * bench's descendants (its command line, read from /proc, is cut at 4,096 characters, before the class name that
     * follows the class path).
     */
    private static Optional<ProcessHandle> memoryProbe(long benchPid) {
        return ProcessHandle.of(benchPid).stream().flatMap(ProcessHandle::descendants)
                .filter(p -> p.info().command().orElse("").endsWith("/java")).findFirst();
    }

    /** The memory sections' topics named by keys in Redis. */
    private static Set<String> memoryTopicsIn(RedisEndpoint redis) {
        Set<String> topics = new HashSet<>();
        try (Jedis jedis = new Jedis(URI.create(redis.uri()))) {
            ScanParams params = new ScanParams().match("*keel-bench-b*-memory*").count(1000);
            String cursor = ScanParams.SCAN_POINTER_START;
            do {
                ScanResult<String> page = jedis.scan(cursor, params);
                for (String key : page.getResult()) {
                    Matcher m = MEMORY_TOPIC.matcher(key);
                    if (m.find()) {
                        topics.add(m.group());
                    }
                }
                cursor = page.getCursor();
            } while (!ScanParams.SCAN_POINTER_START.equals(cursor));
        }
        return topics;
    }

    private static Optional<String> newTopic(RedisEndpoint redis, Set<String> before) {
        return memoryTopicsIn(redis).stream().filter(t -> !before.contains(t)).findFirst();
    }

    private static Set<Path> memoryLogs(Path tmp) throws IOException {
        try (Stream<Path> files = Files.list(tmp)) {
            return files.filter(f -> f.getFileName().toString().startsWith("keel-bench-memory"))
                    .collect(Collectors.toSet());
        }
    }

    /** The section's group's partition queues still declared. */
    private static List<String> partitionQueuesLeft(RabbitEndpoint rabbit, String topic) throws Exception {
        List<String> left = new ArrayList<>();
        ConnectionFactory factory = new ConnectionFactory();
        factory.setUri(rabbit.uri());
        try (Connection connection = factory.newConnection("keel-bench-memory-stop-test")) {
            for (int p = 0; p < PARTITIONS; p++) {
                String queue = topic + "." + MemoryBench.GROUP + "." + p;
                try (Channel channel = connection.createChannel()) {
                    channel.queueDeclarePassive(queue);
                    left.add(queue);
                } catch (IOException notFound) {
                    // 404: the queue is gone (the broker closed the channel)
                }
            }
        }
        return left;
    }
}
