package dev.keel.outbox.jdbc.internal;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/** A message's headers in the outbox's {@code headers} column: a count, then length-prefixed UTF-8 names and values. */
public final class HeaderCodec {

    private HeaderCodec() {
    }

    public static byte[] encode(Map<String, String> headers) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeInt(headers.size());
            for (Map.Entry<String, String> header : headers.entrySet()) {
                write(out, header.getKey());
                write(out, header.getValue());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    public static Map<String, String> decode(byte[] encoded) {
        Map<String, String> headers = new LinkedHashMap<>();
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(encoded))) {
            int count = in.readInt();
            for (int i = 0; i < count; i++) {
                headers.put(read(in), read(in));
            }
        } catch (IOException e) {
            throw new IllegalStateException("the outbox row's headers are corrupt", e);
        }
        return headers;
    }

    private static void write(DataOutputStream out, String value) throws IOException {
        byte[] utf8 = value.getBytes(StandardCharsets.UTF_8);
        out.writeInt(utf8.length);
        out.write(utf8);
    }

    /** A length-prefixed value; a length past the bytes left (a corrupt row) fails as corrupt, never allocates it. */
    private static String read(DataInputStream in) throws IOException {
        int length = in.readInt();
        if (length < 0 || length > in.available()) {
            throw new IOException("a header of " + length + " bytes, where " + in.available() + " are left");
        }
        byte[] utf8 = new byte[length];
        in.readFully(utf8);
        return new String(utf8, StandardCharsets.UTF_8);
    }
}
