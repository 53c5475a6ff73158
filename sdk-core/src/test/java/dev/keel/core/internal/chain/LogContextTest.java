package dev.keel.core.internal.chain;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The trace id Keel puts in the MDC is the W3C {@code traceparent}'s, and only a well-formed one. */
class LogContextTest {

    @Test
    void aWellFormedTraceparentShouldGiveItsTraceId() {
        assertThat(LogContext.traceId("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"))
                .isEqualTo("4bf92f3577b34da6a3ce929d0e0e4736");
    }

    @Test
    void aMissingOrMalformedTraceparentShouldGiveNone() {
        assertThat(LogContext.traceId(null)).isNull();
        assertThat(LogContext.traceId("")).isNull();
        assertThat(LogContext.traceId("00-4bf92f3577b34da6a3ce929d0e0e4736")).as("cut short").isNull();
        assertThat(LogContext.traceId("00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01")).as("upper case")
                .isNull();
        assertThat(LogContext.traceId("00-00000000000000000000000000000000-00f067aa0ba902b7-01")).as("all zeros")
                .isNull();
        assertThat(LogContext.traceId("00_4bf92f3577b34da6a3ce929d0e0e4736_00f067aa0ba902b7_01")).as("separators")
                .isNull();
    }
}
