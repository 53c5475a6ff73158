package dev.keel.internal;

import dev.keel.Codec;
import dev.keel.DecodingException;
import dev.keel.KeelException;
import java.util.Objects;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.json.JsonMapper;

/** JSON through Jackson 3; loaded only when {@link Codec#json(Class)} is called. */
public final class JsonCodec<T> implements Codec<T> {

    private static final class Holder {
        static final JsonMapper MAPPER = JsonMapper.builder().build();
    }

    private final Class<T> type;

    private JsonCodec(Class<T> type) {
        this.type = Objects.requireNonNull(type, "type");
    }

    public static <T> Codec<T> of(Class<T> type) {
        try {
            Class.forName("tools.jackson.databind.json.JsonMapper", false, JsonCodec.class.getClassLoader());
        } catch (ClassNotFoundException e) {
            throw new IllegalStateException("Codec.json needs Jackson 3 on the class path: add the dependency "
                    + "tools.jackson.core:jackson-databind", e);
        }
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
