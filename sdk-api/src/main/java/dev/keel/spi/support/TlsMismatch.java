package dev.keel.spi.support;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;

/**
 * Tells a client configured for TLS that reached a plaintext listener, or a plaintext client that reached a TLS one,
 * from a broker that is away: the first is a configuration mistake that no retry cures, the second an outage. A
 * client usually sees both the same way (a closed connection, a handshake that ends or times out), so an adapter
 * that saw such a failure asks the listener itself, on a connection of its own that sends no credentials:
 * {@link #answerToClientHello} (does it answer a TLS ClientHello with TLS?) and {@link #answerTo} (does it answer the
 * protocol's plaintext greeting?). Only an answer proves a mismatch; a listener that cannot be reached or answers
 * nothing (a broker starting or stopping) proves nothing, and the failure stays an outage.
 *
 * <p>Where the client's own failure already proves it, no question is needed: a TLS handshake answered with bytes that
 * are not TLS ({@link #plaintextAnswer}, the JDK's "Unsupported or unrecognized SSL message").
 */
public final class TlsMismatch {

    /** What a listener answered a question with. */
    public enum Answer {
        /** A TLS record: a handshake message or an alert. */
        TLS,
        /** Bytes that are not TLS. */
        OTHER,
        /** Nothing: the connection could not be made, or was closed or reset before an answer. */
        NONE,
        /**
         * Nothing within the wait, on a connection that stayed open: a listener slow to greet (a loaded broker), or
         * one of the kind that says nothing to what it was sent.
         */
        SILENT
    }

    /**
     * What came back to a question: the bytes (at most 64), whether the connection was made at all ({@code reached}),
     * and whether the wait ran out on it while it stayed open before as many bytes as asked for came ({@code silent};
     * false when the connection could not be made, or ended).
     */
    public record Reply(byte[] bytes, boolean reached, boolean silent) {
        public Reply {
            bytes = bytes.clone();
        }

        @Override
        public byte[] bytes() {
            return bytes.clone();
        }
    }

    /** How the JDK (and Netty, which some clients use) say that a TLS client read bytes that are not TLS. */
    private static final String[] NOT_TLS = {"unrecognized ssl message", "plaintext connection?",
        "not an ssl/tls record"};
    /** The most a question reads of an answer. */
    private static final int MAX_ANSWER = 64;

    private TlsMismatch() {
    }

    /**
     * The failure in {@code error}'s chain that says a TLS handshake was answered with bytes that are not TLS (the
     * listener speaks plaintext), as {@code SSLException: Unsupported or unrecognized SSL message}; empty otherwise.
     */
    public static Optional<String> plaintextAnswer(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause() == t ? null : t.getCause()) {
            boolean tls = t instanceof SSLException || t.getClass().getSimpleName().equals("NotSslRecordException");
            String message = t.getMessage() == null ? "" : t.getMessage().toLowerCase(Locale.ROOT);
            if (tls && Arrays.stream(NOT_TLS).anyMatch(message::contains)) {
                return Optional.of(t.getClass().getSimpleName() + ": " + t.getMessage());
            }
        }
        return Optional.empty();
    }

    /**
     * Sends a TLS ClientHello to {@code host:port} and reads what comes back within {@code wait}: {@link Answer#TLS}
     * when it is a TLS record (a ServerHello, or an alert), {@link Answer#OTHER} for other bytes (a plaintext
     * listener that answers anything with its own greeting), {@link Answer#SILENT} when nothing came within
     * {@code wait} on a connection that stayed open, {@link Answer#NONE} when it could not be made or ended.
     */
    public static Answer answerToClientHello(String host, int port, Duration connectTimeout, Duration wait) {
        byte[] hello;
        try {
            hello = clientHello(host, port);
        } catch (GeneralSecurityException | SSLException e) {
            return Answer.NONE;
        }
        Reply reply = ask(host, port, hello, 5, connectTimeout, wait);
        byte[] answer = reply.bytes();
        if (answer.length == 0) {
            return reply.silent() ? Answer.SILENT : Answer.NONE;
        }
        return isTlsRecord(answer) ? Answer.TLS : Answer.OTHER;
    }

    /**
     * Connects to {@code host:port}, sends {@code greeting} (none when empty: for a protocol whose server speaks
     * first) and reads until {@code atLeast} bytes came (at most 64 are kept), the connection ends, or {@code wait}
     * passed; what came, empty when nothing did or the listener could not be reached.
     */
    public static byte[] answerTo(String host, int port, byte[] greeting, int atLeast, Duration connectTimeout,
                                  Duration wait) {
        return ask(host, port, greeting, atLeast, connectTimeout, wait).bytes();
    }

    /**
     * As {@link #answerTo}, also telling whether the wait ran out on a connection that stayed open ({@link
     * Reply#silent()}): a listener that says nothing proves nothing about its kind, where one that refuses or ends
     * the connection is not there, or not of the kind that would have answered.
     */
    public static Reply ask(String host, int port, byte[] greeting, int atLeast, Duration connectTimeout,
                            Duration wait) {
        ByteArrayOutputStream answer = new ByteArrayOutputStream();
        boolean reached = false;
        boolean silent = false;
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(host, port), Math.toIntExact(connectTimeout.toMillis()));
            reached = true;
            long deadline = System.nanoTime() + wait.toNanos();
            if (greeting.length > 0) {
                OutputStream out = socket.getOutputStream();
                out.write(greeting);
                out.flush();
            }
            InputStream in = socket.getInputStream();
            byte[] buffer = new byte[MAX_ANSWER];
            while (answer.size() < Math.min(atLeast, MAX_ANSWER)) {
                long left = (deadline - System.nanoTime()) / 1_000_000;
                if (left <= 0) {
                    silent = true;
                    break;
                }
                socket.setSoTimeout(Math.toIntExact(Math.max(1, left)));
                int n;
                try {
                    n = in.read(buffer, 0, MAX_ANSWER - answer.size());
                } catch (SocketTimeoutException timedOut) {
                    silent = true;
                    break;
                }
                if (n < 0) {
                    break;
                }
                answer.write(buffer, 0, n);
            }
        } catch (IOException | RuntimeException e) {
            // refused, reset or a connect that timed out: what came before (if anything) is the answer
        }
        return new Reply(answer.toByteArray(), reached, silent);
    }

    /** Whether {@code bytes} start as a TLS record does: a handshake message or an alert, version 3.x. */
    public static boolean isTlsRecord(byte[] bytes) {
        return bytes.length >= 3 && (bytes[0] == 0x16 || bytes[0] == 0x15) && bytes[1] == 0x03
                && bytes[2] >= 0x00 && bytes[2] <= 0x04;
    }

    /**
     * What to say when a client configured for TLS reached a plaintext listener: {@code broker} (e.g.
     * {@code "RabbitMQ at 127.0.0.1:5672"}) is one, as {@code evidence} shows (a clause such as
     * {@link #answeredInPlaintext}); {@code tlsSettings} names where the client's TLS is turned on.
     */
    public static String tlsAtPlaintextListener(String broker, String evidence, String tlsSettings) {
        return broker + " is a plaintext listener: " + evidence + ", and the client is configured for TLS ("
                + tlsSettings + "). Give the port of the broker's TLS listener, or connect without TLS if the broker "
                + "has none; retrying cannot help";
    }

    /** The evidence of a TLS handshake answered with bytes that are not TLS ({@link #plaintextAnswer}'s text). */
    public static String answeredInPlaintext(String failure) {
        return "it answered the client's TLS handshake in plaintext (" + failure + ")";
    }

    /**
     * What to say when a plaintext client reached a TLS listener: {@code broker} answered a TLS handshake, so it
     * speaks TLS only there; {@code tlsSettings} names how the client turns TLS on.
     */
    public static String plaintextAtTlsListener(String broker, String tlsSettings) {
        return broker + " is a TLS listener: it answered a TLS handshake, and the client connects to it without TLS."
                + " Turn TLS on in the client (" + tlsSettings + "), or give the port of the broker's plaintext "
                + "listener; retrying cannot help";
    }

    /** The first bytes a TLS client sends: a ClientHello for {@code host}. */
    static byte[] clientHello(String host, int port) throws GeneralSecurityException, SSLException {
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, null, null);
        SSLEngine engine = context.createSSLEngine(host, port);
        engine.setUseClientMode(true);
        engine.beginHandshake();
        ByteBuffer out = ByteBuffer.allocate(engine.getSession().getPacketBufferSize());
        engine.wrap(ByteBuffer.allocate(0), out);
        engine.closeOutbound();
        out.flip();
        byte[] bytes = new byte[out.remaining()];
        out.get(bytes);
        return bytes;
    }
}
