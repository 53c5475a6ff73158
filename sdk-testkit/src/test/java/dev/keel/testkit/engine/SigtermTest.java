package dev.keel.testkit.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.DisabledOnOs;
import org.junit.jupiter.api.condition.OS;

/**
 * A SIGTERM to a plain-Java service (no Spring starter): the JVM does not unwind {@code main}, and Keel's
 * threads are daemons, so only a shutdown hook closes Keel (README "Quick start", "A graceful stop is not a
 * crash"). Each case runs {@link SigtermService} in its own JVM and stops it while its handler runs.
 */
@DisabledOnOs(OS.WINDOWS) // ProcessHandle.destroy() is a SIGTERM on Unix
class SigtermTest {

    private static final Duration PATIENCE = Duration.ofSeconds(30);

    @Test
    void aSigtermShouldCutTheRunningHandlerWhenNothingClosesKeel() throws Exception {
        List<String> output = stopWhileTheHandlerRuns(false);

        assertThat(output).as("the handler was cut: what README's limits say without a hook")
                .contains("handler started m0").doesNotContain("handler returned m0")
                .noneMatch(line -> line.startsWith("reading failed"));
    }

    @Test
    void aSigtermShouldLetTheRunningHandlerFinishWhenAShutdownHookClosesKeel() throws Exception {
        List<String> output = stopWhileTheHandlerRuns(true);

        assertThat(output).containsSubsequence("handler started m0", "handler returned m0", "closed keel");
    }

    private static List<String> stopWhileTheHandlerRuns(boolean hook) throws Exception {
        Process service = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), SigtermService.class.getName(), hook ? "hook" : "none")
                .redirectErrorStream(true).start();
        List<String> output = new CopyOnWriteArrayList<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(service.getInputStream(),
                    StandardCharsets.UTF_8))) {
                for (String line = in.readLine(); line != null; line = in.readLine()) {
                    output.add(line);
                }
            } catch (IOException e) {
                output.add("reading failed: " + e);
            }
        });
        reader.start();
        try {
            await().atMost(PATIENCE).until(() -> output.contains("handler started m0"));
            service.toHandle().destroy(); // SIGTERM (Process.destroy() would also close our end of its output)
            assertThat(service.waitFor(PATIENCE.toSeconds(), TimeUnit.SECONDS)).as("the service stopped").isTrue();
            reader.join(PATIENCE.toMillis());
            return output;
        } finally {
            service.destroyForcibly();
        }
    }
}
