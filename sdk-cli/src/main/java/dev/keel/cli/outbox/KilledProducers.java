package dev.keel.cli.outbox;

import dev.keel.cli.ChildProcesses;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.function.IntConsumer;

/**
 * The producer of {@code verify --outbox --kill-9}: one {@link ProducerProcess} at a time runs the
 * planned transactions in order, and is killed with SIGKILL once it has finished a number of them
 * drawn from the seed; a new one goes on with the rest. The transaction in flight at a kill is
 * rolled back by the database: whether it committed is read from the business table, and if not
 * its event joins the rolled-back ones that must never be published or applied.
 */
final class KilledProducers {

    private final List<String> command;
    private final Map<String, String> environment;
    private int kills;
    private int processes;
    private int inFlightLost;

    KilledProducers(List<String> command, Map<String, String> environment) {
        this.command = List.copyOf(command);
        this.environment = Map.copyOf(environment);
    }

    /**
     * Runs {@code lines} (transaction {@code n} at index {@code n}, each {@code "n topic id key seq
     * commit|rollback"}), killing the producer {@code plannedKills} times.
     *
     * @param progress called with each transaction number finished, in order
     */
    void run(List<String> lines, List<String> ids, Set<String> rolledBack, int plannedKills, Random random,
             OutboxDatabase db, IntConsumer progress) throws Exception {
        int per = Math.max(2, lines.size() / (plannedKills + 1));
        int next = 0;
        while (next < lines.size()) {
            int killAfter = kills < plannedKills ? next + Math.max(2, per / 2 + random.nextInt(per / 2 + 1))
                    : Integer.MAX_VALUE;
            ProcessBuilder builder = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD);
            builder.environment().putAll(environment);
            Process process = ChildProcesses.start(builder);
            processes++;
            int[] done = {next - 1};
            Thread reader = new Thread(() -> {
                try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(),
                        StandardCharsets.UTF_8))) {
                    for (String line = in.readLine(); line != null; line = in.readLine()) {
                        if (line.startsWith(ProducerProcess.DONE)) {
                            int n = Integer.parseInt(line.substring(ProducerProcess.DONE.length()).trim());
                            synchronized (done) {
                                done[0] = n;
                                done.notifyAll();
                            }
                            progress.accept(n);
                        }
                    }
                } catch (IOException | NumberFormatException e) {
                    // killed: its output ends here
                }
            }, "keel-verify-producer-output");
            reader.setDaemon(true);
            reader.start();
            try (Writer in = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8)) {
                for (String line : lines.subList(next, lines.size())) {
                    in.write(line);
                    in.write('\n');
                }
            } catch (IOException e) {
                // the process ended early: found below
            }
            synchronized (done) {
                while (done[0] < killAfter && done[0] < lines.size() - 1 && process.isAlive()) {
                    done.wait(50);
                }
            }
            boolean killed = process.isAlive() && killAfter < lines.size() - 1;
            if (killed) {
                process.destroyForcibly();   // SIGKILL: its open transaction dies with its connection
                kills++;
            }
            process.waitFor();
            reader.join();
            int finished;
            synchronized (done) {
                finished = done[0];
            }
            if (!killed && finished < lines.size() - 1) {
                throw new IllegalStateException("the producer process exited with " + process.exitValue()
                        + " after transaction " + finished);
            }
            next = finished + 1;
            if (killed && next < lines.size()) {   // in flight at the kill, or not begun: committed only if its row is there
                if (!committed(db, ids.get(next))) {
                    rolledBack.add(ids.get(next));
                    inFlightLost++;
                }
                progress.accept(next);
                next++;
            }
        }
    }

    /**
     * Whether the transaction of {@code id} committed: a probe insert of its order row waits for a
     * transaction still open on it (the database may not have noticed the kill yet), then either
     * conflicts with the committed row or succeeds (and is rolled back).
     */
    private static boolean committed(OutboxDatabase db, String id) throws SQLException {
        try (Connection c = db.getConnection()) {
            c.setAutoCommit(false);
            try (PreparedStatement probe = c.prepareStatement("INSERT INTO " + db.prefix
                    + "orders (id, order_key, seq) VALUES (?, 'probe', -1)")) {
                probe.setString(1, id);
                probe.executeUpdate();
                c.rollback();
                return false;
            } catch (SQLException e) {
                c.rollback();
                if (e.getSQLState() != null && e.getSQLState().startsWith("23")) {   // integrity constraint: it is there
                    return true;
                }
                throw e;
            }
        }
    }

    List<Checks.Row> rows() {
        return List.of(new Checks.Row("producer kills", kills, String.format(java.util.Locale.ROOT,
                "kill -9 of the producer process (a child JVM), each replaced; %d processes; %d transactions "
                        + "in flight at a kill, absent from the orders table", processes, inFlightLost)));
    }
}
