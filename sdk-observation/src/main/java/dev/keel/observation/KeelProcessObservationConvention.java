package dev.keel.observation;

import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationConvention;

/**
 * Names and key values of the {@link KeelObservationDocumentation#PROCESS} observation. Implement it
 * (or extend {@link DefaultKeelProcessObservationConvention}) to change them, and pass it to
 * {@link ObservationInterceptor.Builder#processConvention}.
 */
public interface KeelProcessObservationConvention extends ObservationConvention<KeelProcessContext> {

    @Override
    default boolean supportsContext(Observation.Context context) {
        return context instanceof KeelProcessContext;
    }
}
