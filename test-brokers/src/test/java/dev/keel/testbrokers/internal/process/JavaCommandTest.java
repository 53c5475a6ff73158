package dev.keel.testbrokers.internal.process;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A broker's processes share one class-path file (RocketMQ's name server and broker start side by side): a JVM that
 * reads it while the next launch writes it must read it whole. Before, the second write truncated the file first, and a
 * name server that read it then started without a class path ("Could not find or load main class").
 */
class JavaCommandTest {

    private static final String CLASSPATH = String.join(":", java.util.Collections.nCopies(200,
            "/repository/org/example/some-library/1.0/some-library-1.0.jar"));

    @Test
    void anArgFileWrittenAgainWhileItIsReadShouldAlwaysBeReadWhole(@TempDir Path dir) throws Exception {
        Path argFile = dir.resolve("classpath.argfile");
        JavaCommand.command(argFile, CLASSPATH, List.of(), "Main", List.of());
        String whole = Files.readString(argFile, StandardCharsets.UTF_8);
        Set<String> seen = ConcurrentHashMap.newKeySet();
        AtomicBoolean writing = new AtomicBoolean(true);
        Thread reader = new Thread(() -> {
            while (writing.get()) {
                try {
                    seen.add(Files.readString(argFile, StandardCharsets.UTF_8));
                } catch (NoSuchFileException e) {
                    seen.add("<missing>");
                } catch (java.io.IOException e) {
                    seen.add("<unreadable: " + e + ">");
                }
            }
        });
        reader.start();
        try {
            for (int i = 0; i < 3_000; i++) {
                JavaCommand.command(argFile, CLASSPATH, List.of(), "Main", List.of());
            }
        } finally {
            writing.set(false);
            reader.join();
        }

        assertThat(seen).as("what a JVM starting meanwhile read").containsExactly(whole);
    }
}
