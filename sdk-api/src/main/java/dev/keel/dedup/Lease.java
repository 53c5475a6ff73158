package dev.keel.dedup;

import java.util.Objects;

/** An id together with its owner token: the token a claim is made with, and that complete and release present. */
public record Lease(String id, String token) {
    public Lease {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(token, "token");
    }
}
