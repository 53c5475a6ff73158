/**
 * Tracing for Keel with Micrometer Observation: {@link dev.keel.observation.ObservationInterceptor}
 * starts a producer observation around each publish, puts its trace context into the message's
 * headers, and continues it in a consumer observation around each attempt of a handler. With a
 * tracer bridge on the class path (OpenTelemetry or Brave) these become spans, and the W3C
 * {@code traceparent}/{@code tracestate} headers travel with the message.
 */
package dev.keel.observation;
