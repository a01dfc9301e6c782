package dev.airlock.core.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The one classifier of names: which word of a scope verb, path segment or GraphQL field makes it destructive. */
class DestructiveWordsTest {

    @ParameterizedTest
    @ValueSource(strings = {"delete", "del", "rm", "remove", "destroy", "drop", "truncate", "purge", "prune", "wipe",
            "erase", "expunge", "terminate", "teardown", "nuke", "reset", "format", "overwrite", "restore", "rollback",
            "revoke", "shred", "detach", "deprovision", "uninstall", "kill"})
    void everyBuiltInWordAloneIsDestructive(String word) {
        assertEquals(Optional.of(word), DestructiveWords.destructivePart(word));
    }

    @ParameterizedTest
    @CsvSource({
            // issue 12, finding 2: parts split on _ and -
            "destroy_all, destroy", "delete_all, delete", "force-delete, delete", "drop_table, drop", "expunge, expunge",
            // dots, camelCase, acronyms and digits
            "v1.purge, purge", "volumeDelete, delete", "purgeCache, purge", "DBDrop, drop", "DELETEVolume, delete",
            "deleteV2, delete", "volume2delete, delete", "serviceInstanceKill, kill",
            // two words that spell one
            "tearDown, teardown", "roll_back, rollback", "over-write, overwrite", "unInstall, uninstall",
            // glued to all/everything or after force/hard/bulk/mass
            "deleteall, delete", "killall, kill", "forcedelete, delete", "hardreset, reset", "bulkdelete, delete",
            "wipeeverything, wipe"})
    void aNameWithADestructivePartIsDestructiveAndTheWordIsNamed(String name, String word) {
        assertEquals(Optional.of(word), DestructiveWords.destructivePart(name));
    }

    @ParameterizedTest
    @ValueSource(strings = {"read", "write", "restart", "redeploy", "variableUpsert", "volumes", "information", "skill",
            "preset", "dropdown", "listDeleted", "snapshot", "serviceInstanceRedeploy", "deploymentRestart", "v1", ""})
    void wholeWordsOnlySoWordsThatMerelyContainOneAreNotDestructive(String name) {
        assertEquals(Optional.empty(), DestructiveWords.destructivePart(name));
    }

    @Test
    void wordsSplitOnEveryNonAlphanumericCamelCaseAndDigitBoundaryAndAreLowerCase() {
        assertEquals(List.of("volume", "delete"), DestructiveWords.words("volumeDelete"));
        assertEquals(List.of("db", "drop"), DestructiveWords.words("DBDrop"));
        assertEquals(List.of("v", "1", "purge"), DestructiveWords.words("v1.purge"));
        assertEquals(List.of("drop", "all"), DestructiveWords.words("drop-all"));
        assertEquals(List.of("force", "delete", "now"), DestructiveWords.words("__force~~Delete..now"));
        assertEquals(List.of(), DestructiveWords.words("-_."));
    }

    @Test
    void theListIsLowerCaseWholeWords() {
        for (String w : DestructiveWords.BUILT_IN) {
            assertTrue(w.matches("[a-z]+"), w);
            assertEquals(Optional.of(w), DestructiveWords.destructivePart(w.toUpperCase(java.util.Locale.ROOT)), w);
        }
    }
}
