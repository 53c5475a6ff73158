package dev.keel;

import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.ByteBuffer;

/**
 * Turns payload values into bytes and back. {@link #decode(byte[])} throws
 * {@link DecodingException} for bytes it cannot read; the consumer then sends the message to the
 * dead letters at once, without retrying. JSON: {@code dev.keel.jackson.JsonCodec.of(type)} in the
 * {@code sdk-jackson} module.
 */
public interface Codec<T> {

    byte[] encode(T value);

    /**
     * The value {@code bytes} hold. {@code bytes} may be a message's or a delivery's own, which a retry runs again and a
     * dead letter carries on, and on a broker that keeps its records in this JVM (the in-memory broker) the stored
     * record itself: do not write into them or keep them, and return a value of your own rather than {@code bytes}
     * itself or a view of them ({@link #bytes()} returns a copy). The consumer copies a payload that a codec hands back
     * as it was given, so that a handler writing into it changes nothing else; a view such as
     * {@code ByteBuffer.wrap(bytes)}, or an array the codec keeps, it cannot tell.
     */
    T decode(byte[] bytes);

    /** Bytes as they are. */
    static Codec<byte[]> bytes() {
        return new Codec<>() {
            @Override
            public byte[] encode(byte[] value) {
                return value.clone();
            }

            @Override
            public byte[] decode(byte[] bytes) {
                return bytes.clone();
            }
        };
    }

    /** Strict UTF-8 text: malformed input is a {@link DecodingException}. */
    static Codec<String> utf8() {
        return new Codec<>() {
            @Override
            public byte[] encode(String value) {
                return value.getBytes(StandardCharsets.UTF_8);
            }

            @Override
            public String decode(byte[] bytes) {
                try {
                    return StandardCharsets.UTF_8.newDecoder()
                            .onMalformedInput(CodingErrorAction.REPORT)
                            .onUnmappableCharacter(CodingErrorAction.REPORT)
                            .decode(ByteBuffer.wrap(bytes)).toString();
                } catch (CharacterCodingException e) {
                    throw new DecodingException("payload is not valid UTF-8", e);
                }
            }
        };
    }
}
