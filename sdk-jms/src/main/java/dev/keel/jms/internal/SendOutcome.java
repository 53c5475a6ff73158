package dev.keel.jms.internal;

/** Where one send ends: stored by the broker, or failed with the client's error. Told once. */
interface SendOutcome {
    void stored();

    void failed(Exception e);
}
