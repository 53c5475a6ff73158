package dev.keel.architecture;

import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.Dependency;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.domain.JavaCodeUnit;
import com.tngtech.archunit.core.domain.JavaField;
import com.tngtech.archunit.core.domain.JavaModifier;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The rules between Keel's modules, checked on the main classes of every jar module at once (this
 * module's test classpath holds them all). A class's module is where its class file was loaded
 * from: {@code <module>/target/classes} or {@code <module>-<version>.jar}. The CLI (sdk-cli) is not on
 * this class path: its own {@code CliModuleBoundariesTest} checks it, so that this module's suite runs
 * beside the CLI's in a parallel build instead of after it.
 */
class ModuleBoundariesTest {

    private static final Set<String> KEEL_MODULES = Set.of("sdk-api", "sdk-core", "sdk-jackson", "sdk-micrometer",
            "sdk-observation", "sdk-testkit", "sdk-dedup-redis", "sdk-outbox-jdbc", "sdk-kafka", "sdk-rabbit",
            "sdk-rocket", "sdk-jms", "sdk-faults", "test-brokers", "sdk-spring-boot-starter");

    /** Modules that plug into the engine through sdk-api: they must not reach into the engine or other modules. */
    private static final Set<String> API_ONLY_MODULES = Set.of("sdk-kafka", "sdk-rabbit", "sdk-rocket",
            "sdk-jms", "sdk-dedup-redis", "sdk-outbox-jdbc", "sdk-observation", "sdk-micrometer", "sdk-jackson");

    private static final List<String> FORBIDDEN_IN_API = List.of("org.apache.kafka.", "com.rabbitmq.",
            "org.apache.rocketmq.", "org.apache.activemq.", "jakarta.jms.", "redis.clients.", "org.springframework.", "io.github.resilience4j.",
            "io.micrometer.", "tools.jackson.", "com.fasterxml.jackson.");


    private static final Pattern CLASSES_DIR = Pattern.compile("/([^/]+)/target/classes/");
    private static final Pattern JAR = Pattern.compile("/([a-z][a-z0-9-]*?)-\\d[^/]*\\.jar!/");

    private static final JavaClasses CLASSES = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("dev.keel");

    @Test
    void noModuleShouldUseAnotherModulesInternalPackages() {
        Map<String, String> violations = new TreeMap<>();
        for (JavaClass type : CLASSES) {
            String module = moduleOf(type).orElse("?");
            for (Dependency dependency : type.getDirectDependenciesFromSelf()) {
                JavaClass target = dependency.getTargetClass().getBaseComponentType();
                if (!isInternal(target)) {
                    continue;
                }
                String owner = moduleOf(target).orElse("?");
                String use = topLevel(type) + " -> " + topLevel(target);
                if (!owner.equals(module)) {
                    violations.putIfAbsent(use, module + ": " + use + " (internal to " + owner + "), e.g. "
                            + dependency.getDescription());
                }
            }
        }
        assertThat(violations.values()).as("uses of another module's internal package (a module may use only its"
                + " own .internal packages; move what is shared to a public package or dev.keel.spi.support)")
                .isEmpty();
    }

    @Test
    void sdkApiPublicSignaturesShouldNotExposeThirdPartyTypes() {
        List<String> violations = new ArrayList<>();
        for (JavaClass type : classesOf("sdk-api")) {
            if (!type.getModifiers().contains(JavaModifier.PUBLIC)) {
                continue;
            }
            List<JavaClass> supertypes = new ArrayList<>(type.getRawInterfaces());
            type.getRawSuperclass().ifPresent(supertypes::add);
            checkNotForbidden(type.getName() + " supertypes", supertypes, violations);
            for (JavaCodeUnit unit : type.getCodeUnits()) {
                if (isVisible(unit.getModifiers())) {
                    List<JavaClass> involved = new ArrayList<>(unit.getReturnType().getAllInvolvedRawTypes());
                    unit.getParameterTypes().forEach(p -> involved.addAll(p.getAllInvolvedRawTypes()));
                    involved.addAll(unit.getThrowsClause().getTypes());
                    checkNotForbidden(unit.getFullName(), involved, violations);
                }
            }
            for (JavaField field : type.getFields()) {
                if (isVisible(field.getModifiers())) {
                    checkNotForbidden(field.getFullName(), field.getType().getAllInvolvedRawTypes(), violations);
                }
            }
        }
        assertThat(violations).as("third-party types in sdk-api public signatures").isEmpty();
    }

    @Test
    void sdkApiShouldDependOnlyOnTheJdkAndItself() {
        Set<String> violations = new TreeSet<>();
        for (JavaClass type : classesOf("sdk-api")) {
            for (Dependency dependency : type.getDirectDependenciesFromSelf()) {
                JavaClass target = dependency.getTargetClass().getBaseComponentType();
                boolean allowed = isJdk(target) || moduleOf(target).filter("sdk-api"::equals).isPresent();
                if (!allowed) {
                    violations.add(topLevel(type) + " -> " + target.getName() + ", e.g. " + dependency.getDescription());
                }
            }
        }
        assertThat(violations).as("sdk-api dependencies beyond the JDK and sdk-api").isEmpty();
    }

    @Test
    void adaptersAndStoresShouldUseOnlyTheApiOfKeel() {
        Set<String> violations = new TreeSet<>();
        for (String module : API_ONLY_MODULES) {
            for (JavaClass type : classesOf(module)) {
                for (Dependency dependency : type.getDirectDependenciesFromSelf()) {
                    JavaClass target = dependency.getTargetClass().getBaseComponentType();
                    Optional<String> owner = moduleOf(target);
                    if (owner.isPresent() && KEEL_MODULES.contains(owner.get()) && !owner.get().equals(module)
                            && !owner.get().equals("sdk-api")) {
                        violations.add(module + ": " + topLevel(type) + " -> " + target.getName() + " (" + owner.get()
                                + "), e.g. " + dependency.getDescription());
                    }
                }
            }
        }
        assertThat(violations).as("adapters and stores use Keel's sdk-api only (the SPI and the public API): move"
                + " what they need from the engine to sdk-api's dev.keel.spi.support, or take it as a parameter")
                .isEmpty();
    }

    @Test
    void theChecksShouldSeeEveryKeelModuleAndPlaceEveryClass() {
        List<String> unplaced = CLASSES.stream().filter(c -> moduleOf(c).isEmpty())
                .map(c -> c.getName() + " from " + c.getSource().map(s -> s.getUri().toString()).orElse("?")).toList();
        assertThat(unplaced).as("classes whose module is unknown").isEmpty();
        assertThat(CLASSES.stream().map(ModuleBoundariesTest::moduleOf).flatMap(Optional::stream).distinct())
                .containsExactlyInAnyOrderElementsOf(KEEL_MODULES);
        assertThat(classesOf("sdk-api").stream().map(JavaClass::getSimpleName))
                .contains("Publisher", "Subscriber", "Message", "BrokerAdapter", "IdempotencyStore", "RetryPolicy");
    }

    private static List<JavaClass> classesOf(String module) {
        return CLASSES.stream().filter(c -> moduleOf(c).filter(module::equals).isPresent()).toList();
    }

    /** The module a class was loaded from, by its class file's location. */
    static Optional<String> moduleOf(JavaClass type) {
        return type.getSource().map(s -> s.getUri().toString()).flatMap(uri -> {
            for (Pattern p : List.of(CLASSES_DIR, JAR)) {
                Matcher m = p.matcher(uri);
                if (m.find()) {
                    return Optional.of(m.group(1));
                }
            }
            return Optional.empty();
        });
    }

    private static boolean isInternal(JavaClass type) {
        return type.getPackageName().startsWith("dev.keel.")
                && Arrays.asList(type.getPackageName().split("\\.")).contains("internal");
    }

    private static boolean isJdk(JavaClass type) {
        return type.isPrimitive() || type.getSource().map(s -> "jrt".equals(s.getUri().getScheme()))
                .orElse(type.getName().startsWith("java."));
    }

    private static String topLevel(JavaClass type) {
        String name = type.getName();
        int nested = name.indexOf('$');
        return nested < 0 ? name : name.substring(0, nested);
    }

    private static boolean isVisible(Set<JavaModifier> modifiers) {
        return modifiers.contains(JavaModifier.PUBLIC) || modifiers.contains(JavaModifier.PROTECTED);
    }

    private static void checkNotForbidden(String where, Collection<JavaClass> types, List<String> violations) {
        for (JavaClass t : types) {
            for (String prefix : FORBIDDEN_IN_API) {
                if (t.getName().startsWith(prefix)) {
                    violations.add(where + " uses " + t.getName());
                }
            }
        }
    }
}
