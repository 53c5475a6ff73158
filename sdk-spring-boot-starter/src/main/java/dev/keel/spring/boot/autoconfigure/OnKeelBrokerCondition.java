package dev.keel.spring.boot.autoconfigure;

import org.springframework.boot.autoconfigure.condition.ConditionOutcome;
import org.springframework.boot.autoconfigure.condition.SpringBootCondition;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.core.type.AnnotatedTypeMetadata;

/** The condition of {@link ConditionalOnKeelBroker}. */
final class OnKeelBrokerCondition extends SpringBootCondition {

    @Override
    public ConditionOutcome getMatchOutcome(ConditionContext context, AnnotatedTypeMetadata metadata) {
        String wanted = (String) metadata.getAnnotationAttributes(ConditionalOnKeelBroker.class.getName()).get("value");
        BrokerSelection selection = BrokerSelection.select(context.getEnvironment().getProperty("keel.broker"),
                context.getClassLoader());
        if (wanted.equals(selection.selected())) {
            return ConditionOutcome.match("Keel broker " + wanted + " selected");
        }
        return ConditionOutcome.noMatch("Keel broker " + wanted + " not selected: "
                + (selection.selected() != null ? selection.selected() + " is" : selection.problem()));
    }
}
