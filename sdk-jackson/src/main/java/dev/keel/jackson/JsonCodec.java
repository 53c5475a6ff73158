package dev.keel.jackson;

import dev.keel.Codec;
import dev.keel.DecodingException;
import dev.keel.KeelException;
import java.util.Objects;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.json.JsonMapper;

/**
 * JSON payloads through Jackson 3: {@code JsonCodec.of(Order.class)}. Undecodable payloads are a
 * {@link DecodingException} (the consumer dead-letters them at once).
 */
public final class JsonCodec<T> implements Codec<T> {

    private static final class Holder {
        static final JsonMapper MAPPER = JsonMapper.builder().build();
    }

    private final Class<T> type;

    private JsonCodec(Class<T> type) {
        this.type = Objects.requireNonNull(type, "type");
    }

    /** A codec that maps {@code type} to and from JSON with a default Jackson 3 mapper. */
    public static <T> Codec<T> of(Class<T> type) {
        return new JsonCodec<>(type);
    }

    @Override
    public byte[] encode(T value) {
        try {
            return Holder.MAPPER.writeValueAsBytes(value);
        } catch (JacksonException e) {
            throw new KeelException("cannot encode a " + type.getName() + " as JSON: " + e.getOriginalMessage(), e, false);
        }
    }

    @Override
    public T decode(byte[] bytes) {
        try {
            return Holder.MAPPER.readValue(bytes, type);
        } catch (JacksonException e) {
            throw new DecodingException("payload is not a JSON " + type.getSimpleName() + ": " + e.getOriginalMessage(), e);
        }
    }
}
