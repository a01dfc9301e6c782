package dev.airlock.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/** The rules of DESIGN.md's architecture, checked on the compiled classes (not on import lines, which lie). */
class ArchitectureTest {
    /**
     * Production classes only. ArchUnit's predefined option looks for {@code /target/test-classes/}; the build
     * directory is configurable ({@code -Dairlock.build}), so match the Maven folder name wherever it lives.
     */
    static final ImportOption NO_TESTS = location -> !location.contains("/test-classes/");
    static final JavaClasses CLASSES = new ClassFileImporter()
            .withImportOption(NO_TESTS).importPackages("dev.airlock");

    @Test
    void domainCoreNeverDependsOnVertx() {
        noClasses().that().resideInAPackage("dev.airlock.core..")
                .should().dependOnClassesThat().resideInAPackage("io.vertx..")
                .check(CLASSES);
    }

    /** Metrics are counted from the audit stream and the store's decorators (issue 14), not by the domain. */
    @Test
    void domainCoreNeverDependsOnMicrometer() {
        noClasses().that().resideInAPackage("dev.airlock.core..")
                .should().dependOnClassesThat().resideInAnyPackage("io.micrometer..", "io.prometheus..")
                .check(CLASSES);
    }

    @Test
    void domainCoreNeverDependsOnAdapters() {
        noClasses().that().resideInAPackage("dev.airlock.core..")
                .should().dependOnClassesThat().resideInAnyPackage("dev.airlock.http..", "dev.airlock.cli..",
                        "dev.airlock.store..", "dev.airlock.app..", "dev.airlock.metrics..")
                .check(CLASSES);
    }

    @Test
    void storesDoNotDependOnHttpOrCli() {
        noClasses().that().resideInAPackage("dev.airlock.store..")
                .should().dependOnClassesThat().resideInAnyPackage("dev.airlock.http..", "dev.airlock.cli..", "io.vertx..")
                .check(CLASSES);
    }
}
