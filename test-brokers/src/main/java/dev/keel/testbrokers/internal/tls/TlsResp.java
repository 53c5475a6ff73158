package dev.keel.testbrokers.internal.tls;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;

/**
 * Redis commands over TLS on a raw socket, so the harness needs no Redis client library: {@code AUTH}, then each
 * command, one at a time. Replies are read as far as the harness needs them: a status, an error, an integer or a bulk
 * string. Host names are verified.
 */
public final class TlsResp {
    private static final int TIMEOUT_MILLIS = 5000;

    private TlsResp() {
    }

    /**
     * Logs in as {@code user} and runs {@code commands} in order; returns each reply.
     *
     * @throws IOException when the connection or the handshake fails
     * @throws IllegalStateException when Redis answers an error (its first word and the command's name, never the
     *         arguments, which may hold passwords)
     */
    public static List<String> run(SSLContext context, String host, int port, String user, String password,
                                   List<List<String>> commands) throws IOException {
        try (SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket()) {
            socket.connect(new InetSocketAddress(host, port), TIMEOUT_MILLIS);
            socket.setSoTimeout(TIMEOUT_MILLIS);
            SSLParameters parameters = socket.getSSLParameters();
            parameters.setEndpointIdentificationAlgorithm("HTTPS");
            socket.setSSLParameters(parameters);
            OutputStream out = socket.getOutputStream();
            InputStream in = socket.getInputStream();
            call(out, in, List.of("AUTH", user, password));
            List<String> replies = new ArrayList<>();
            for (List<String> command : commands) {
                replies.add(call(out, in, command));
            }
            return replies;
        }
    }

    private static String call(OutputStream out, InputStream in, List<String> command) throws IOException {
        ByteArrayOutputStream request = new ByteArrayOutputStream();
        request.writeBytes(("*" + command.size() + "\r\n").getBytes(StandardCharsets.US_ASCII));
        for (String arg : command) {
            byte[] bytes = arg.getBytes(StandardCharsets.UTF_8);
            request.writeBytes(("$" + bytes.length + "\r\n").getBytes(StandardCharsets.US_ASCII));
            request.writeBytes(bytes);
            request.writeBytes("\r\n".getBytes(StandardCharsets.US_ASCII));
        }
        out.write(request.toByteArray());
        out.flush();
        String line = readLine(in);
        switch (line.isEmpty() ? ' ' : line.charAt(0)) {
            case '+', ':' -> {
                return line.substring(1);
            }
            case '-' -> {
                String error = line.substring(1);
                throw new IllegalStateException("Redis refused " + command.get(0) + ": "
                        + (error.contains(" ") ? error.substring(0, error.indexOf(' ')) : error));
            }
            case '$' -> {
                int length = Integer.parseInt(line.substring(1));
                if (length < 0) {
                    return null;
                }
                byte[] body = in.readNBytes(length + 2);
                return new String(body, 0, length, StandardCharsets.UTF_8);
            }
            default -> throw new IOException("unexpected reply to " + command.get(0) + ": " + line);
        }
    }

    private static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        int previous = -1;
        while (true) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("Redis closed the connection");
            }
            if (previous == '\r' && b == '\n') {
                byte[] bytes = line.toByteArray();
                return new String(bytes, 0, bytes.length - 1, StandardCharsets.UTF_8);
            }
            line.write(b);
            previous = b;
        }
    }
}
