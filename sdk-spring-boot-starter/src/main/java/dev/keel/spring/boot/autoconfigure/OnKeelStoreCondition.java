package dev.keel.spring.boot.autoconfigure;

import java.util.Map;
import org.springframework.boot.autoconfigure.condition.ConditionOutcome;
import org.springframework.boot.autoconfigure.condition.SpringBootCondition;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.core.type.AnnotatedTypeMetadata;

/**
 * The condition of {@link ConditionalOnKeelStore}: binds {@code keel.idempotency.store} as the properties class does,
 * so that every spelling it accepts selects the same store (a string comparison took {@code in-memory} only, and a
 * {@code KEEL_IDEMPOTENCY_STORE=IN_MEMORY} made no store while the startup asked to set what was set). A value that
 * does not bind fails the startup with Spring's own message naming the property and the values it takes.
 */
final class OnKeelStoreCondition extends SpringBootCondition {

    static final String PROPERTY = "keel.idempotency.store";

    @Override
    public ConditionOutcome getMatchOutcome(ConditionContext context, AnnotatedTypeMetadata metadata) {
        Map<String, Object> attributes = metadata.getAnnotationAttributes(ConditionalOnKeelStore.class.getName());
        KeelProperties.StoreType wanted = (KeelProperties.StoreType) attributes.get("value");
        boolean matchIfMissing = (Boolean) attributes.get("matchIfMissing");
        KeelProperties.StoreType chosen = Binder.get(context.getEnvironment())
                .bind(PROPERTY, KeelProperties.StoreType.class).orElse(null);
        if (chosen == null) {
            return matchIfMissing ? ConditionOutcome.match(PROPERTY + " not set: " + wanted + " by default")
                    : ConditionOutcome.noMatch(PROPERTY + " not set");
        }
        return chosen == wanted ? ConditionOutcome.match(PROPERTY + " is " + chosen)
                : ConditionOutcome.noMatch(PROPERTY + " is " + chosen + ", not " + wanted);
    }
}
