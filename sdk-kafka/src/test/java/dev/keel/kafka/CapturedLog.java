package dev.keel.kafka;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/**
 * What this JVM logs while a test runs: the tests log through slf4j-simple, which writes each line to the
 * {@code System.err} of the moment (WARN and above, as the build configures it), so the stream is swapped for a
 * buffer until {@link #close()}. Lines are still copied to the original stream.
 */
final class CapturedLog implements AutoCloseable {

    private final PrintStream original = System.err;
    private final ByteArrayOutputStream buffer = new ByteArrayOutputStream();

    private CapturedLog() {
        System.setErr(new PrintStream(new Tee(), true, StandardCharsets.UTF_8));
    }

    static CapturedLog start() {
        return new CapturedLog();
    }

    /** How many lines contain every one of {@code fragments}. */
    long linesContaining(String... fragments) {
        String text;
        synchronized (this) {
            text = buffer.toString(StandardCharsets.UTF_8);
        }
        return text.lines().filter(line -> java.util.Arrays.stream(fragments).allMatch(line::contains)).count();
    }

    @Override
    public void close() {
        System.setErr(original);
    }

    private final class Tee extends OutputStream {
        @Override
        public void write(int b) {
            synchronized (CapturedLog.this) {
                buffer.write(b);
            }
            original.write(b);
        }

        @Override
        public void write(byte[] b, int off, int len) {
            synchronized (CapturedLog.this) {
                buffer.write(b, off, len);
            }
            original.write(b, off, len);
        }
    }
}
