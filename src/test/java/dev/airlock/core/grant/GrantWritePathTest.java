package dev.airlock.core.grant;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import dev.airlock.core.audit.AuditedChange;
import dev.airlock.core.store.StateChange;
import dev.airlock.core.store.StateStore;
import org.junit.jupiter.api.Test;

/**
 * Issue 13, must-show 1: one write path for grant transitions. Checked on the compiled classes, so that a later
 * shortcut (a handler saving a grant "just this once") fails the build instead of writing a grant without its event.
 */
class GrantWritePathTest {
    /** Production classes only, wherever the build directory lives (as {@code ArchitectureTest}). */
    static final ImportOption NO_TESTS = location -> !location.contains("/test-classes/");
    static final JavaClasses CLASSES = new ClassFileImporter().withImportOption(NO_TESTS).importPackages("dev.airlock");

    @Test
    void onlyTheGrantLedgerAsksForAGrantSave() {
        noClasses().that().doNotHaveFullyQualifiedName(GrantLedger.class.getName())
                // A store expresses its own raw save as the same change (one SQL path for both).
                .and().resideOutsideOfPackage("dev.airlock.store..")
                .should().callConstructor(StateChange.SaveGrant.class, Grant.class)
                .because("every grant change goes through GrantLedger.apply, which saves it with its audit event")
                .check(CLASSES);
    }

    @Test
    void onlyTheAuditedWritePathAndStoresSaveGrants() {
        noClasses().that().doNotBelongToAnyOf(AuditedChange.class)
                // A store that wraps another (fault injection, a cache) passes the save on; it decides nothing.
                .and().doNotImplement(StateStore.class)
                .should().callMethod(StateStore.class, "saveGrant", Grant.class)
                .because("a grant is saved only with its audit event (AuditedWrites)")
                .check(CLASSES);
    }
}
