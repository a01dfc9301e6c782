package dev.airlock.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.domain.JavaMethodCall;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import dev.airlock.core.audit.AuditedChange;
import dev.airlock.core.store.StateStore;
import java.util.Set;
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
                .should().dependOnClassesThat().resideInAnyPackage("dev.airlock.http..", "dev.airlock.cli..")
                .check(CLASSES);
    }

    /** The embedded store needs no runtime; the PostgreSQL store is built on Vert.x's reactive client. */
    @Test
    void embeddedStoreNeverDependsOnVertx() {
        noClasses().that().resideInAPackage("dev.airlock.store.embedded..")
                .should().dependOnClassesThat().resideInAPackage("io.vertx..")
                .check(CLASSES);
    }

    /** The raw writes of {@link StateStore}: a change made through one of them outside a store has no audit event. */
    static final Set<String> RAW_WRITES = Set.of("revoke", "setFrozen", "putAgentSecretHash", "saveGrant",
            "saveOpsAccount", "forgetGrants", "setAgentDisabled", "voidAgentTokens");

    static final DescribedPredicate<JavaMethodCall> RAW_STATE_WRITE = new DescribedPredicate<>(
            "a raw write of StateStore " + RAW_WRITES) {
        @Override
        public boolean test(JavaMethodCall call) {
            return call.getTargetOwner().isAssignableTo(StateStore.class) && RAW_WRITES.contains(call.getName());
        }
    };

    /**
     * Every state change goes through {@link dev.airlock.core.store.AuditedWrites}, which commits it with its audit
     * event (PostgreSQL) or writes the event first (files): only the stores and the file implementation
     * ({@link AuditedChange}) reach the raw writes, and decorators of a store (they implement {@link StateStore}, as the
     * metrics' timer does) forward them.
     */
    @Test
    void onlyStoresAndTheAuditedWritePathCallRawStateWrites() {
        noClasses().that().resideOutsideOfPackage("dev.airlock.store..")
                .and().doNotImplement(StateStore.class).and().doNotBelongToAnyOf(AuditedChange.class)
                .should().callMethodWhere(RAW_STATE_WRITE)
                .check(CLASSES);
    }
}
