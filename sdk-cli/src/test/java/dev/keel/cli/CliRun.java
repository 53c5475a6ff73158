package dev.keel.cli;

import java.io.PrintWriter;
import java.io.StringWriter;

/** One {@code keel} invocation in this JVM, with its exit code and captured output. */
public record CliRun(int exitCode, String out, String err) {

    public static CliRun of(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = KeelCli.execute(new PrintWriter(out, true), new PrintWriter(err, true), args);
        return new CliRun(code, out.toString(), err.toString());
    }
}
