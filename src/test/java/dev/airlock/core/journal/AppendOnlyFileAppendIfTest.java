package dev.airlock.core.journal;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link AppendOnlyFile#appendIf}: the compare-and-set hook that every process sharing a file decides under. */
class AppendOnlyFileAppendIfTest {

    @TempDir
    Path dir;

    /**
     * Items are {@code key=version}; admits only the next version of a key, counting what earlier items of the same
     * batch were admitted (as the Owner contract asks). The item {@code park} parks the writer, under the lock,
     * until {@link #release} is counted down; an item ending in {@code #bad} is admitted but cannot be encoded.
     */
    static final class Versions implements AppendOnlyFile.Owner<String> {
        final Map<String, Long> stored = new ConcurrentHashMap<>();
        final List<String> asked = new CopyOnWriteArrayList<>();
        final List<List<String>> durable = new CopyOnWriteArrayList<>();
        final CountDownLatch parked = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        private final Map<String, Long> admitted = new HashMap<>(); // writer thread only

        @Override
        public void catchUp(Unseen unseen) throws IOException {
            admitted.clear();
            unseen.forEachLine(line -> remember(line.text()));
        }

        @Override
        public String encode(String item) {
            if (item.endsWith("#bad")) throw new IllegalArgumentException("cannot encode " + item);
            return item;
        }

        @Override
        public boolean admit(String item) {
            asked.add(item);
            if (item.equals("park")) {
                parked.countDown();
                awaitUninterruptibly(release);
                return true;
            }
            String key = key(item);
            long current = Math.max(stored.getOrDefault(key, 0L), admitted.getOrDefault(key, 0L));
            if (version(item) != current + 1) return false;
            admitted.put(key, version(item));
            return true;
        }

        @Override
        public void durable(List<String> items) {
            durable.add(List.copyOf(items));
            items.forEach(this::remember);
            admitted.clear();
        }

        long current(String key) {
            return stored.getOrDefault(key, 0L);
        }

        private void remember(String line) {
            if (line.contains("=")) stored.merge(key(line), version(line), Math::max);
        }

        private static String key(String item) {
            return item.substring(0, item.indexOf('='));
        }

        private static long version(String item) {
            return Long.parseLong(item.substring(item.indexOf('=') + 1).replace("#bad", ""));
        }

        private static void awaitUninterruptibly(CountDownLatch latch) {
            while (true) {
                try {
                    latch.await();
                    return;
                } catch (InterruptedException e) {
                    // only the test releases a parked writer
                }
            }
        }
    }

    private static boolean get(CompletableFuture<Boolean> f) throws Exception {
        return f.get(10, TimeUnit.SECONDS);
    }

    @Test
    void anAdmittedItemIsWrittenAndCompletesTrueARefusedOneWritesNothingAndCompletesFalse() throws Exception {
        Path file = dir.resolve("versions.jsonl");
        Versions owner = new Versions();
        try (AppendOnlyFile<String> out = AppendOnlyFile.open(file, owner)) {
            assertTrue(get(out.appendIf("g=1")));
            assertFalse(get(out.appendIf("g=1")));
            assertFalse(get(out.appendIf("g=3")));
            assertTrue(get(out.appendIf("g=2")));
            assertEquals(List.of("g=1", "g=1", "g=3", "g=2"), owner.asked);
            assertEquals(List.of(List.of("g=1"), List.of("g=2")), owner.durable, "refused items are not durable");
        }
        assertEquals(List.of("g=1", "g=2"), Files.readAllLines(file, UTF_8));
    }

    @Test
    void itemsQueuedIntoOneBatchAreJudgedInQueueOrderCountingEarlierAdmissions() throws Exception {
        Path file = dir.resolve("versions.jsonl");
        Versions owner = new Versions();
        List<CompletableFuture<Boolean>> queued = new ArrayList<>();
        CompletableFuture<Void> plain;
        try (AppendOnlyFile<String> out = AppendOnlyFile.open(file, owner)) {
            CompletableFuture<Boolean> park = out.appendIf("park");
            try {
                owner.parked.await();
                for (String item : List.of("a=1", "a=1", "a=2", "b=2", "b=1", "a=3", "a=3", "b=2")) {
                    queued.add(out.appendIf(item));
                }
                plain = out.append("unconditional");
            } finally {
                owner.release.countDown();
            }
            assertTrue(get(park));
            List<Boolean> outcomes = new ArrayList<>();
            for (CompletableFuture<Boolean> f : queued) outcomes.add(get(f));
            plain.get(10, TimeUnit.SECONDS);

            assertEquals(List.of(true, false, true, false, true, true, false, true), outcomes);
            // One batch after the parking one: admit saw every item before any was durable.
            assertEquals(List.of(List.of("park"), List.of("a=1", "a=2", "b=1", "a=3", "b=2", "unconditional")),
                    owner.durable);
            assertFalse(owner.asked.contains("unconditional"), "append() never asks");
        }
        assertEquals(List.of("park", "a=1", "a=2", "b=1", "a=3", "b=2", "unconditional"),
                Files.readAllLines(file, UTF_8));
    }

    @Test
    void anAdmittedItemThatCannotBeEncodedDoesNotKeepItsVersionTaken() throws Exception {
        Path file = dir.resolve("versions.jsonl");
        Versions owner = new Versions();
        List<CompletableFuture<Boolean>> queued = new ArrayList<>();
        try (AppendOnlyFile<String> out = AppendOnlyFile.open(file, owner)) {
            CompletableFuture<Boolean> park = out.appendIf("park");
            try {
                owner.parked.await();
                for (String item : List.of("a=1#bad", "a=1", "a=2", "b=1#bad")) queued.add(out.appendIf(item));
            } finally {
                owner.release.countDown();
            }
            assertTrue(get(park));
            assertInstanceOf(IllegalArgumentException.class,
                    assertThrows(CompletionException.class, queued.get(0)::join).getCause());
            assertTrue(get(queued.get(1)), "a=1 was never written, so it is still the next version");
            assertTrue(get(queued.get(2)));
            assertThrows(CompletionException.class, queued.get(3)::join);
            // The same after a batch that wrote nothing at all.
            assertTrue(get(out.appendIf("b=1")));
        }
        assertEquals(List.of("park", "a=1", "a=2", "b=1"), Files.readAllLines(file, UTF_8));
    }

    @Test
    void anInstanceDecidesOnLinesAnotherInstanceWroteWithoutBeingAskedToCatchUp() throws Exception {
        Path file = dir.resolve("versions.jsonl");
        try (AppendOnlyFile<String> server = AppendOnlyFile.open(file, new Versions());
                AppendOnlyFile<String> cli = AppendOnlyFile.open(file, new Versions())) {
            assertTrue(get(server.appendIf("g=1")));
            assertFalse(get(cli.appendIf("g=1")), "cli never called catchUp(): the write path must");
            assertTrue(get(cli.appendIf("g=2")));
            assertFalse(get(server.appendIf("g=2")));
        }
        assertEquals(List.of("g=1", "g=2"), Files.readAllLines(file, UTF_8));
    }

    @Test
    void twoInstancesRacingFromManyThreadsWriteEveryVersionExactlyOnceInOrder() throws Exception {
        Path file = dir.resolve("versions.jsonl");
        Versions serverOwner = new Versions();
        Versions cliOwner = new Versions();
        try (AppendOnlyFile<String> server = AppendOnlyFile.open(file, serverOwner);
                AppendOnlyFile<String> cli = AppendOnlyFile.open(file, cliOwner)) {
            // Each thread wins 50 times, each time building on the version its instance last saw.
            AppendOnlyFileTest.runConcurrently(8, 50, (t, i) -> {
                AppendOnlyFile<String> out = t % 2 == 0 ? server : cli;
                Versions owner = t % 2 == 0 ? serverOwner : cliOwner;
                while (!get(out.appendIf("k=" + (owner.current("k") + 1)))) {
                    // lost: the refusing batch caught up, so the next attempt builds on the winner
                }
            });
        }
        // A decision on stale knowledge would repeat or skip a version.
        assertEquals(IntStream.rangeClosed(1, 400).mapToObj(v -> "k=" + v).toList(),
                Files.readAllLines(file, UTF_8));
    }

    @Test
    void appendIfAfterCloseFailsInsteadOfAnswering() throws Exception {
        AppendOnlyFile<String> out = AppendOnlyFile.open(dir.resolve("versions.jsonl"), new Versions());
        out.close();
        CompletionException e = assertThrows(CompletionException.class, () -> out.appendIf("g=1").join());
        assertInstanceOf(IllegalStateException.class, e.getCause());
    }
}
