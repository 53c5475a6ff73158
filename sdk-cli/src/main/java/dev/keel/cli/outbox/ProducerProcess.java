package dev.keel.cli.outbox;

import dev.keel.outbox.jdbc.Outbox;
import dev.keel.outbox.jdbc.OutboxConfig;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;

/**
 * The producer of {@code verify --outbox --kill-9}, run as a child JVM by {@link KilledProducers}: it
 * reads transactions from its standard input, one a line ({@code n id key seq commit|rollback}), runs
 * each (an order row and its outbox row, then commit or rollback) and prints {@code done n} after
 * it, then exits at the end of its input. The parent kills it with SIGKILL at random times; a
 * transaction in flight then is rolled back by the database. Arguments: the table prefix; the
 * database URL and password come through the environment, never the command line.
 */
public final class ProducerProcess {

    static final String DONE = "done ";

    private ProducerProcess() {
    }

    public static void main(String[] args) throws Exception {
        String prefix = args[0];
        String user = args.length > 1 && !args[1].isEmpty() ? args[1] : null;
        String password = System.getenv(ConsumerProcess.DB_PASSWORD_ENV);
        OutboxDatabase db = new OutboxDatabase(System.getenv(ConsumerProcess.DB_URL_ENV), user,
                password == null ? "" : password, prefix);
        Outbox outbox = Outbox.create(OutboxConfig.custom().tablePrefix(prefix).build());
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        try (Connection c = db.getConnection();
             BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
            c.setAutoCommit(false);
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                String[] f = line.split(" ");
                OutboxVerify.write(c, outbox, f[1], f[2], Integer.parseInt(f[3]), Integer.parseInt(f[4]), prefix);
                if ("rollback".equals(f[5])) {
                    c.rollback();
                } else {
                    c.commit();
                }
                out.println(DONE + f[0]);
            }
        }
        System.exit(0);
    }
}
