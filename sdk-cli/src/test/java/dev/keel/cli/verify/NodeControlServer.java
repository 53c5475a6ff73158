package dev.keel.cli.verify;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The far end of a test's {@code --node-control} script: the script, a real executable the CLI runs
 * with {@code /bin/sh -c}, sends {@code <action> <node>} over a loopback socket to this server in the
 * test JVM, which kills or starts the node through the harness (which owns the node processes) and
 * answers {@code ok} or the error; the script exits 0 on {@code ok}, 1 otherwise.
 */
final class NodeControlServer implements AutoCloseable {

    /** Kills or starts a node. */
    interface Actions {
        void kill(String node) throws Exception;

        void start(String node) throws Exception;
    }

    private final ServerSocket server;
    private final Actions actions;
    private final List<String> log = new CopyOnWriteArrayList<>();
    private final Thread thread;

    NodeControlServer(Actions actions) {
        this.actions = actions;
        try {
            this.server = new ServerSocket(0, 10, InetAddress.getLoopbackAddress());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        this.thread = new Thread(this::serve, "node-control-server");
        this.thread.setDaemon(true);
        this.thread.start();
    }

    /** Writes the bash script the {@code --node-control} command calls as {@code script <action> <node>}. */
    Path writeScript(Path dir) throws IOException {
        Path script = dir.resolve("node-control.sh");
        Files.writeString(script, String.join("\n",
                "#!/usr/bin/env bash",
                "set -euo pipefail",
                "exec 3<>/dev/tcp/127.0.0.1/" + server.getLocalPort(),
                "printf '%s %s\\n' \"$1\" \"$2\" >&3",
                "IFS= read -r reply <&3",
                "[ \"$reply\" = ok ] || { echo \"$reply\" >&2; exit 1; }",
                ""), StandardCharsets.UTF_8);
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
        return script;
    }

    /** Every request served, as {@code <action> <node>: <answer>}. */
    List<String> log() {
        return List.copyOf(log);
    }

    private void serve() {
        while (!server.isClosed()) {
            try (Socket socket = server.accept();
                 BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(),
                         StandardCharsets.UTF_8));
                 PrintWriter out = new PrintWriter(socket.getOutputStream(), true, StandardCharsets.UTF_8)) {
                String line = in.readLine();
                String answer = handle(line == null ? "" : line.strip());
                log.add(line + ": " + answer);
                out.println(answer);
            } catch (IOException e) {
                if (!server.isClosed()) {
                    log.add("error: " + e);
                }
            }
        }
    }

    private String handle(String line) {
        String[] parts = line.split(" ");
        if (parts.length != 2) {
            return "error: expected '<kill|start> <node>', got '" + line + "'";
        }
        try {
            switch (parts[0]) {
                case "kill" -> actions.kill(parts[1]);
                case "start" -> actions.start(parts[1]);
                default -> {
                    return "error: unknown action " + parts[0];
                }
            }
            return "ok";
        } catch (Exception e) {
            return "error: " + e;
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
    }
}
