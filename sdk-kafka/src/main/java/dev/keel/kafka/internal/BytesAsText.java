package dev.keel.kafka.internal;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * The one mapping between Kafka's bytes (header values, record keys) and Keel's strings; a
 * bijection, so that nothing is corrupted on the way in and a record re-published by Keel (a dead
 * letter) carries the very bytes it was read with:
 *
 * <ul>
 *   <li>bytes that are valid UTF-8 are their text, unless that text starts with {@value #MARKER};
 *   <li>any other bytes (not UTF-8, or text starting with the marker) are {@value #MARKER} followed by
 *       their standard base64 with padding.
 * </ul>
 *
 * The way back accepts exactly these strings: text without the marker is written as UTF-8, and a
 * marked value must be the form the way in would have produced (canonical base64 of bytes that are
 * not plain text); anything else, or text with an unpaired surrogate (not encodable as UTF-8),
 * is refused rather than written as something else.
 */
final class BytesAsText {

    /** Starts the base64 form of bytes that are not UTF-8 text. */
    static final String MARKER = "keel-base64:";
    /** What the JDK's lenient UTF-8 decoder puts in place of a malformed sequence. */
    private static final char REPLACEMENT = '\uFFFD';

    private BytesAsText() {
    }

    /** The string of {@code bytes} (not null). */
    static String text(byte[] bytes) {
        String text = decodeUtf8(bytes);
        return text != null && !text.startsWith(MARKER) ? text : MARKER + Base64.getEncoder().encodeToString(bytes);
    }

    /**
     * The bytes of {@code text} (not null), the inverse of {@link #text(byte[])}.
     *
     * @throws IllegalArgumentException when no bytes map to {@code text}; the message says why, never the text
     */
    static byte[] bytes(String text) {
        if (!text.startsWith(MARKER)) {
            checkEncodable(text);
            return text.getBytes(StandardCharsets.UTF_8);
        }
        byte[] bytes;
        try {
            bytes = Base64.getDecoder().decode(text.substring(MARKER.length()));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("starts with '" + MARKER + "' but the rest is not base64");
        }
        if (!text(bytes).equals(text)) {
            throw new IllegalArgumentException("starts with '" + MARKER + "' but is not the canonical form of bytes "
                    + "that are not UTF-8 text (padded standard base64; UTF-8 text is passed as itself)");
        }
        return bytes;
    }

    /** The text of {@code bytes} when they are valid UTF-8, else null. */
    private static String decodeUtf8(byte[] bytes) {
        // the JDK's decoder replaces every malformed sequence by U+FFFD: without one in the result (the
        // common case, one vectorised pass), the bytes were valid UTF-8; with one, it may also be genuine
        // text, which only a strict decode tells
        String lenient = new String(bytes, StandardCharsets.UTF_8);
        if (lenient.indexOf(REPLACEMENT) < 0) {
            return lenient;
        }
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }

    /** Throws {@link IllegalArgumentException} when {@code text} has an unpaired surrogate. */
    static void checkEncodable(String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                throw new IllegalArgumentException("has an unpaired surrogate at index " + i
                        + ", which UTF-8 cannot encode");
            }
        }
    }
}
