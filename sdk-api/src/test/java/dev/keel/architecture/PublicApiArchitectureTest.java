package dev.keel.architecture;

import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.domain.JavaCodeUnit;
import com.tngtech.archunit.core.domain.JavaField;
import com.tngtech.archunit.core.domain.JavaModifier;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * No Kafka, AMQP, RocketMQ, Jedis, Spring, resilience4j, Micrometer or Jackson type in a public signature of
 * sdk-api: the quick check on sdk-api alone. integration-tests' ModuleBoundariesTest checks the rules across modules.
 */
class PublicApiArchitectureTest {

    private static final List<String> FORBIDDEN = List.of("org.apache.kafka.", "com.rabbitmq.", "org.apache.rocketmq.",
            "redis.clients.", "org.springframework.", "io.github.resilience4j.", "io.micrometer.", "tools.jackson.");

    private static final JavaClasses CLASSES = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("dev.keel");

    @Test
    void publicSignaturesShouldNotExposeThirdPartyClientTypes() {
        List<String> violations = new ArrayList<>();
        for (JavaClass type : CLASSES) {
            if (!isExported(type)) {
                continue;
            }
            checkTypes(type.getName() + " supertypes", collect(type), violations);
            for (JavaCodeUnit unit : type.getCodeUnits()) {
                if (unit.getModifiers().contains(JavaModifier.PUBLIC) || unit.getModifiers().contains(JavaModifier.PROTECTED)) {
                    List<JavaClass> involved = new ArrayList<>(unit.getReturnType().getAllInvolvedRawTypes());
                    unit.getParameterTypes().forEach(p -> involved.addAll(p.getAllInvolvedRawTypes()));
                    unit.getThrowsClause().getTypes().forEach(involved::add);
                    checkTypes(unit.getFullName(), involved, violations);
                }
            }
            for (JavaField field : type.getFields()) {
                if (field.getModifiers().contains(JavaModifier.PUBLIC) || field.getModifiers().contains(JavaModifier.PROTECTED)) {
                    checkTypes(field.getFullName(), new ArrayList<>(field.getType().getAllInvolvedRawTypes()), violations);
                }
            }
        }
        assertThat(violations).as("third-party client types in sdk-api public signatures").isEmpty();
    }

    @Test
    void theCheckShouldSeeThePublicApi() {
        assertThat(CLASSES.stream().filter(PublicApiArchitectureTest::isExported).map(JavaClass::getSimpleName))
                .contains("Subscriber", "Publisher", "Message", "BrokerAdapter", "IdempotencyStore", "RetryPolicy");
    }

    @Test
    void engineClassesShouldStayOutOfPublicPackagesExceptTheFacade() {
        Set<String> publicPackages = Set.of("dev.keel", "dev.keel.spi", "dev.keel.dedup", "dev.keel.retry",
                "dev.keel.ordering", "dev.keel.metrics");
        List<String> misplaced = CLASSES.stream()
                .filter(c -> publicPackages.contains(c.getPackageName()))
                .filter(c -> c.getSimpleName().endsWith("Step") || c.getSimpleName().startsWith("Engine"))
                .map(JavaClass::getName).toList();
        assertThat(misplaced).isEmpty();
    }

    private static boolean isExported(JavaClass type) {
        return type.getModifiers().contains(JavaModifier.PUBLIC) && !type.getPackageName().contains(".internal")
                && !type.getPackageName().startsWith("dev.keel.architecture");
    }

    private static List<JavaClass> collect(JavaClass type) {
        List<JavaClass> result = new ArrayList<>(type.getRawInterfaces());
        type.getRawSuperclass().ifPresent(result::add);
        return result;
    }

    private static void checkTypes(String where, List<JavaClass> types, List<String> violations) {
        for (JavaClass t : types) {
            for (String prefix : FORBIDDEN) {
                if (t.getName().startsWith(prefix)) {
                    violations.add(where + " uses " + t.getName());
                }
            }
        }
    }
}
