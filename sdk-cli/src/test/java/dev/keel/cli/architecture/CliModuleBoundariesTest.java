package dev.keel.cli.architecture;

import static com.tngtech.archunit.base.DescribedPredicate.not;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import org.junit.jupiter.api.Test;

/**
 * The CLI's share of the rule integration-tests' {@code ModuleBoundariesTest} checks for every other module: it uses
 * no other module's {@code internal} package. Checked here, in the CLI's own build, so integration-tests need not
 * wait for this module (whose suite is the longest after the adapters') before it starts.
 */
class CliModuleBoundariesTest {

    private static final JavaClasses CLI = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("dev.keel.cli");

    @Test
    void theCliShouldUseNoOtherModulesInternalPackages() {
        ArchRule rule = noClasses().that().resideInAPackage("dev.keel.cli..")
                .should().dependOnClassesThat(resideInAPackage("dev.keel..internal..")
                        .and(not(resideInAPackage("dev.keel.cli.."))))
                .because("a module may use only its own .internal packages; move what is shared to a public package"
                        + " or dev.keel.spi.support");

        rule.check(CLI);
    }

    @Test
    void theCheckShouldSeeTheCliAndTheModulesItUses() {
        assertThat(CLI.stream().map(c -> c.getSimpleName())).contains("KeelCli", "VerifyCommand", "BenchCommand");
        assertThat(CLI.stream().flatMap(c -> c.getDirectDependenciesFromSelf().stream())
                .map(d -> d.getTargetClass().getPackageName()))
                .as("the CLI's classes reach the engine and the adapters, so the rule has something to refuse")
                .contains("dev.keel.core", "dev.keel.kafka", "dev.keel.rabbit");
    }
}
