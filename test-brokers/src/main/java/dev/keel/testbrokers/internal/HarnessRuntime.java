package dev.keel.testbrokers.internal;

import dev.keel.testbrokers.internal.local.RabbitService;
import dev.keel.testbrokers.internal.process.PidRegistry;
import dev.keel.testbrokers.internal.process.ProcessLauncher;
import dev.keel.testbrokers.internal.process.RunDirectory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;

/**
 * What every broker and forked JVM of this test JVM shares: settings, the run directory, the process
 * launcher, and the shutdown hook that stops everything the harness started. On creation it kills
 * what crashed earlier runs left behind (their pid files).
 */
public final class HarnessRuntime {
    private static final Logger LOG = LoggerFactory.getLogger(HarnessRuntime.class);
    private static final int KEEP_STALE_RUNS = 2;
    private static HarnessRuntime instance;

    private final Settings settings;
    private final RunDirectory run;
    private final ProcessLauncher launcher;
    private final Deque<Runnable> shutdownActions = new ArrayDeque<>();

    private HarnessRuntime(Settings settings) {
        this.settings = settings;
        this.run = RunDirectory.create(settings.baseDir());
        this.launcher = new ProcessLauncher(new PidRegistry(run.pidFile()));
        cleanStaleRuns();
        Runtime.getRuntime().addShutdownHook(new Thread(this::shutdown, "keel-brokers-shutdown"));
    }

    public static synchronized HarnessRuntime get() {
        if (instance == null) {
            instance = new HarnessRuntime(Settings.fromSystem());
        }
        return instance;
    }

    public Settings settings() {
        return settings;
    }

    public RunDirectory run() {
        return run;
    }

    public ProcessLauncher launcher() {
        return launcher;
    }

    /** Registers an action for the end of the run; actions run in reverse order of registration. */
    public void atShutdown(Runnable action) {
        synchronized (shutdownActions) {
            shutdownActions.push(action);
        }
    }

    private void shutdown() {
        while (true) {
            Runnable action;
            synchronized (shutdownActions) {
                action = shutdownActions.poll();
            }
            if (action == null) {
                return;
            }
            try {
                action.run();
            } catch (RuntimeException e) {
                LOG.warn("stopping a broker at the end of the run failed", e);
            }
        }
    }

    private void cleanStaleRuns() {
        List<Path> stale = run.staleRuns();
        for (int i = 0; i < stale.size(); i++) {
            Path staleRun = stale.get(i);
            try {
                List<String> killed = PidRegistry.killRecorded(staleRun.resolve(RunDirectory.PID_FILE));
                if (!killed.isEmpty()) {
                    LOG.warn("killed processes left running by an earlier test run in {}: {}", staleRun, killed);
                }
                Files.deleteIfExists(staleRun.resolve(RunDirectory.PID_FILE));
            } catch (IOException | RuntimeException e) {
                LOG.warn("could not clean up the earlier test run in {}", staleRun, e);
            }
            RabbitService.recoverStaleRun(staleRun);
            if (i >= KEEP_STALE_RUNS) {
                RunDirectory.deleteTree(staleRun);
            } else {
                deleteDataDirs(staleRun);
            }
        }
    }

    /** Keeps an earlier run's logs for a while but not its broker data. */
    private static void deleteDataDirs(Path staleRun) {
        try (var children = Files.list(staleRun)) {
            children.filter(Files::isDirectory).forEach(d -> RunDirectory.deleteTree(d.resolve("data")));
        } catch (IOException e) {
            // best effort
        }
    }
}
