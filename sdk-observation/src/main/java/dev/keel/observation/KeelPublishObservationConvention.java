package dev.keel.observation;

import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationConvention;

/**
 * Names and key values of the {@link KeelObservationDocumentation#PUBLISH} observation. Implement it
 * (or extend {@link DefaultKeelPublishObservationConvention}) to change them, and pass it to
 * {@link ObservationInterceptor.Builder#publishConvention}.
 */
public interface KeelPublishObservationConvention extends ObservationConvention<KeelPublishContext> {

    @Override
    default boolean supportsContext(Observation.Context context) {
        return context instanceof KeelPublishContext;
    }
}
