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
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AppendOnlyFileTest {

    @TempDir
    Path dir;

    /** Writes items verbatim; remembers what it was shown by catch-up. */
    static class Recording implements AppendOnlyFile.Owner<String> {
        final List<String> caughtUp = new CopyOnWriteArrayList<>();
        final List<Boolean> fromStart = new CopyOnWriteArrayList<>();
        volatile String header;

        @Override
        public void catchUp(Unseen unseen) throws IOException {
            fromStart.add(unseen.fromStart());
            unseen.forEachLine(line -> caughtUp.add(line.text()));
        }

        @Override
        public String encode(String item) {
            if (item.equals("boom")) throw new IllegalStateException("cannot encode boom");
            return item;
        }

        @Override
        public String header() {
            return header;
        }
    }

    /** Like the audit chain: each line is the previous line's number + 1, resynchronised from the last line. */
    static class Counting implements AppendOnlyFile.Owner<String> {
        long last;

        @Override
        public void catchUp(Unseen unseen) throws IOException {
            last = unseen.lastLine().map(Long::parseLong).orElse(0L);
        }

        @Override
        public String encode(String ignored) {
            return Long.toString(++last);
        }
    }

    @Test
    void appendsFromManyThreadsAllLandAsWholeLinesAndEveryFutureCompletes() throws Exception {
        Path file = dir.resolve("lines.jsonl");
        List<CompletableFuture<Void>> futures = new CopyOnWriteArrayList<>();
        try (AppendOnlyFile<String> out = AppendOnlyFile.open(file, new Recording())) {
            runConcurrently(8, 1000, (t, i) -> futures.add(out.append("{\"t\":" + t + ",\"i\":" + i + "}")));
            CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
        }
        List<String> lines = Files.readAllLines(file, UTF_8);
        assertEquals(8000, lines.size());
        Set<String> expected = new HashSet<>();
        for (int t = 0; t < 8; t++) for (int i = 0; i < 1000; i++) expected.add("{\"t\":" + t + ",\"i\":" + i + "}");
        assertEquals(expected, new HashSet<>(lines));
        assertTrue(Files.readString(file, UTF_8).endsWith("\n"));
    }

    @Test
    void aFutureCompletesOnlyOnceItsLineIsInTheFile() throws Exception {
        Path file = dir.resolve("lines.jsonl");
        try (AppendOnlyFile<String> out = AppendOnlyFile.open(file, new Recording())) {
            for (int i = 0; i < 50; i++) {
                String line = "line-" + i;
                out.append(line).thenRun(() -> assertTrue(read(file).contains(line))).get(5, TimeUnit.SECONDS);
            }
        }
    }

    @Test
    void openShowsTheOwnerExistingLinesFromTheStart() throws Exception {
        Path file = dir.resolve("lines.jsonl");
        Files.writeString(file, "a\nb\n");
        Recording owner = new Recording();
        try (AppendOnlyFile<String> ignored = AppendOnlyFile.open(file, owner)) {
            assertEquals(List.of("a", "b"), owner.caughtUp);
            assertEquals(List.of(true), owner.fromStart);
        }
    }

    @Test
    void openMovesATornTrailingLineAsideByteForByteAndSaysSo() throws Exception {
        Path file = dir.resolve("lines.jsonl");
        Files.writeString(file, "{\"a\":1}\n{\"b\":2}\n{\"c\":");
        Recording owner = new Recording();
        try (AppendOnlyFile<String> out = AppendOnlyFile.open(file, owner)) {
            assertEquals("{\"a\":1}\n{\"b\":2}\n", Files.readString(file));
            assertEquals(List.of("{\"a\":1}", "{\"b\":2}"), owner.caughtUp);
            assertEquals(1, out.repairs().size());
            AppendOnlyFile.Repair r = out.repairs().get(0);
            assertEquals(16, r.offset());
            assertEquals(5, r.length());
            assertEquals(dev.airlock.core.crypto.Hashes.sha256Hex("{\"c\":"), r.sha256());
            assertEquals("{\"c\":", Files.readString(r.movedTo()), "the torn bytes are kept, byte for byte");
            assertTrue(r.movedTo().getFileName().toString().startsWith("lines.jsonl.torn-16-"), r.toString());
            out.append("{\"d\":4}").get(5, TimeUnit.SECONDS);
        }
        assertEquals("{\"a\":1}\n{\"b\":2}\n{\"d\":4}\n", Files.readString(file));
    }

    /**
     * Issue 13, finding 5: a process whose lock file was deleted under it writes while we hold ours. Simulated
     * deterministically: the bytes land after our catch-up and before our write (inside encode, under our lock).
     */
    @Test
    void anAppendNeverOverwritesBytesAnotherWriterAddedWithoutTheLock() throws Exception {
        Path file = dir.resolve("lines.jsonl");
        Recording intruded = new Recording() {
            @Override
            public String encode(String item) {
                try {
                    Files.writeString(file, "{\"foreign\":\"acknowledged\"}\n", java.nio.file.StandardOpenOption.APPEND);
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
                return item;
            }
        };
        try (AppendOnlyFile<String> out = AppendOnlyFile.open(file, intruded)) {
            out.append("{\"mine\":1}").get(5, TimeUnit.SECONDS);
            intruded.caughtUp.clear();
            out.catchUp();
            assertEquals(List.of("{\"foreign\":\"acknowledged\"}", "{\"mine\":1}"), intruded.caughtUp,
                    "the owner is shown the foreign line, in file order");
        }
        assertEquals("{\"foreign\":\"acknowledged\"}\n{\"mine\":1}\n", Files.readString(file));
    }

    @Test
    void openRefusesAnUnterminatedEndLargerThanATornWriteCouldLeaveAndChangesNothing() throws Exception {
        Path file = dir.resolve("lines.jsonl");
        byte[] content = new byte[3 + TornTail.MAX_BYTES + 1];
        java.util.Arrays.fill(content, (byte) 'x');
        content[0] = '{';
        content[1] = '}';
        content[2] = '\n';
        Files.write(file, content);
        IOException e = assertThrows(IOException.class, () -> AppendOnlyFile.open(file, new Recording()));
        assertTrue(e.getMessage().contains("not a torn write"), e.getMessage());
        assertEquals(content.length, Files.size(file));
    }

    @Test
    void openReadOnlyLeavesATornTrailingLineAsItIsReadsAroundItAndRefusesAppends() throws Exception {
        Path file = dir.resolve("lines.jsonl");
        String content = "{\"a\":1}\n{\"b\":2}\n{\"c\":";
        Files.writeString(file, content);
        Recording owner = new Recording();
        try (AppendOnlyFile<String> in = AppendOnlyFile.openReadOnly(file, owner)) {
            assertEquals(List.of("{\"a\":1}", "{\"b\":2}"), owner.caughtUp);
            assertEquals(1, in.repairs().size());
            assertFalse(in.repairs().get(0).repaired());
            in.catchUp();
            CompletionException e = assertThrows(CompletionException.class, () -> in.append("{\"d\":4}").join());
            assertInstanceOf(IllegalStateException.class, e.getCause());
        }
        assertEquals(content, Files.readString(file), "a read-only open changes nothing");
        try (var names = Files.list(dir)) {
            assertTrue(names.noneMatch(p -> p.getFileName().toString().contains(".torn-")));
        }
    }

    @Test
    void twoInstancesOnOneFileInterleaveBatchesAndResynchroniseUnderTheLock() throws Exception {
        Path file = dir.resolve("counter.jsonl");
        List<CompletableFuture<Void>> futures = new CopyOnWriteArrayList<>();
        try (AppendOnlyFile<String> server = AppendOnlyFile.open(file, new Counting());
                AppendOnlyFile<String> cli = AppendOnlyFile.open(file, new Counting())) {
            runConcurrently(8, 500, (t, i) -> futures.add((t % 2 == 0 ? server : cli).append("x")));
            CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
        }
        // Each line is computed from the file's last line under the lock: any lost resync would repeat a number.
        List<String> lines = Files.readAllLines(file, UTF_8);
        assertEquals(IntStream.rangeClosed(1, 4000).mapToObj(Integer::toString).toList(), lines);
    }

    @Test
    void catchUpShowsWhatAnotherInstanceAppendedAndNothingWhenUnchanged() throws Exception {
        Path file = dir.resolve("lines.jsonl");
        Recording reader = new Recording();
        try (AppendOnlyFile<String> writer = AppendOnlyFile.open(file, new Recording());
                AppendOnlyFile<String> other = AppendOnlyFile.open(file, reader)) {
            writer.append("one").get(5, TimeUnit.SECONDS);
            writer.append("two").get(5, TimeUnit.SECONDS);
            other.catchUp();
            other.catchUp();
            assertEquals(List.of("one", "two"), reader.caughtUp);
            assertEquals(List.of(true, false), reader.fromStart);
        }
    }

    @Test
    void compactTruncatesToTheHeaderAndOthersStartOverFromTheTop() throws Exception {
        Path file = dir.resolve("journal.jsonl");
        Recording compactor = new Recording();
        Recording other = new Recording();
        compactor.header = "{\"gen\":1}";
        other.header = "{\"gen\":\"unused\"}";
        try (AppendOnlyFile<String> a = AppendOnlyFile.open(file, compactor);
                AppendOnlyFile<String> b = AppendOnlyFile.open(file, other)) {
            a.append("x").get(5, TimeUnit.SECONDS);
            List<String> checkpointed = new ArrayList<>();
            compactor.header = "{\"gen\":2}";
            a.compact(new Copying(file) {
                @Override
                public void capture() throws IOException {
                    checkpointed.add(Files.readString(file));
                }
            });
            assertEquals(List.of("{\"gen\":1}\nx\n"), checkpointed);
            assertEquals("{\"gen\":2}\n", Files.readString(file));

            // b last saw "{gen:1}\n"; the file regrows past that size with different content: a rewrite.
            a.append("y").get(5, TimeUnit.SECONDS);
            b.catchUp();
            assertEquals(List.of(true, true), other.fromStart);
            assertEquals(List.of("{\"gen\":1}", "{\"gen\":2}", "y"), other.caughtUp);
        }
    }

    /** A checkpoint that records each step; {@code whileWriting} runs in {@link #write}, with the file unlocked. */
    static class Copying implements AppendOnlyFile.Checkpoint {
        final Path file;
        final List<String> steps = new CopyOnWriteArrayList<>();
        final List<String> since = new CopyOnWriteArrayList<>();
        String captured;
        IoStep whileWriting = () -> {};

        interface IoStep {
            void run() throws IOException;
        }

        Copying(Path file) {
            this.file = file;
        }

        @Override
        public void capture() throws IOException {
            steps.add("capture");
            captured = Files.readString(file);
        }

        @Override
        public void write() throws IOException {
            steps.add("write");
            whileWriting.run();
        }

        @Override
        public void commit(Unseen unseen) throws IOException {
            steps.add("commit");
            unseen.forEachLine(line -> since.add(line.text()));
        }

        @Override
        public void abandon() {
            steps.add("abandon");
        }
    }

    @Test
    void appendsGoOnWhileACompactionWritesItsCheckpointAndReachItsCommit() throws Exception {
        Path file = dir.resolve("journal.jsonl");
        Recording owner = new Recording();
        owner.header = "{\"gen\":1}";
        try (AppendOnlyFile<String> a = AppendOnlyFile.open(file, owner)) {
            a.append("before").get(5, TimeUnit.SECONDS);
            Copying checkpoint = new Copying(file);
            checkpoint.whileWriting = () -> {
                try {
                    a.append("during-1").get(30, TimeUnit.SECONDS);
                    a.append("during-2").get(30, TimeUnit.SECONDS);
                } catch (Exception e) {
                    throw new AssertionError("an append waited for the checkpoint's write", e);
                }
            };
            owner.header = "{\"gen\":2}";
            a.compact(checkpoint);

            assertEquals(List.of("capture", "write", "commit"), checkpoint.steps);
            assertEquals("{\"gen\":1}\nbefore\n", checkpoint.captured);
            assertEquals(List.of("during-1", "during-2"), checkpoint.since);
            assertEquals("{\"gen\":2}\n", Files.readString(file));
            a.append("after").get(5, TimeUnit.SECONDS);
            assertEquals("{\"gen\":2}\nafter\n", Files.readString(file));
        }
    }

    @Test
    void aCheckpointThatFailsToWriteIsAbandonedAndTheFileKeepsEverything() throws Exception {
        Path file = dir.resolve("journal.jsonl");
        try (AppendOnlyFile<String> a = AppendOnlyFile.open(file, new Recording())) {
            a.append("kept").get(5, TimeUnit.SECONDS);
            Copying checkpoint = new Copying(file);
            checkpoint.whileWriting = () -> {
                throw new IOException("disk full");
            };
            IOException e = assertThrows(IOException.class, () -> a.compact(checkpoint));
            assertEquals("disk full", e.getMessage());
            assertEquals(List.of("capture", "write", "abandon"), checkpoint.steps);
            a.append("still").get(5, TimeUnit.SECONDS);
            assertEquals("kept\nstill\n", Files.readString(file));
        }
    }

    @Test
    void aFileRewrittenDuringTheWriteIsNotTruncatedByTheCompaction() throws Exception {
        Path file = dir.resolve("journal.jsonl");
        Recording owner = new Recording();
        owner.header = "{\"gen\":1}";
        try (AppendOnlyFile<String> a = AppendOnlyFile.open(file, owner)) {
            a.append("x").get(5, TimeUnit.SECONDS);
            Copying checkpoint = new Copying(file);
            // As a compaction by a process that did not take the compaction lock would leave it.
            checkpoint.whileWriting = () -> Files.writeString(file, "{\"gen\":\"other\"}\nz\n");
            IOException e = assertThrows(IOException.class, () -> a.compact(checkpoint));
            assertTrue(e.getMessage().contains("rewritten by another process"), e.getMessage());
            assertEquals(List.of("capture", "write", "abandon"), checkpoint.steps);
            assertEquals("{\"gen\":\"other\"}\nz\n", Files.readString(file));
            assertEquals(List.of(true, true), owner.fromStart, "shown the rewritten file from its start");
        }
    }

    @Test
    void closeWritesWhatIsQueuedThenRejectsAppends() throws Exception {
        Path file = dir.resolve("lines.jsonl");
        AppendOnlyFile<String> out = AppendOnlyFile.open(file, new Recording());
        List<CompletableFuture<Void>> queued = new ArrayList<>();
        for (int i = 0; i < 2000; i++) queued.add(out.append("q" + i));
        out.close();
        queued.forEach(f -> assertTrue(f.isDone() && !f.isCompletedExceptionally()));
        assertEquals(2000, Files.readAllLines(file).size());

        CompletableFuture<Void> late = out.append("late");
        CompletionException e = assertThrows(CompletionException.class, late::join);
        assertInstanceOf(IllegalStateException.class, e.getCause());
    }

    @Test
    void anItemThatCannotBeEncodedFailsAloneAndTheRestOfTheBatchLands() throws Exception {
        Path file = dir.resolve("lines.jsonl");
        try (AppendOnlyFile<String> out = AppendOnlyFile.open(file, new Recording())) {
            CompletableFuture<Void> before = out.append("before");
            CompletableFuture<Void> boom = out.append("boom");
            CompletableFuture<Void> newline = out.append("forged\n{\"line\":2}");
            CompletableFuture<Void> after = out.append("after");
            after.get(5, TimeUnit.SECONDS);
            before.get(5, TimeUnit.SECONDS);
            assertInstanceOf(IllegalStateException.class, assertThrows(CompletionException.class, boom::join).getCause());
            assertInstanceOf(IllegalArgumentException.class,
                    assertThrows(CompletionException.class, newline::join).getCause());
        }
        assertEquals(List.of("before", "after"), Files.readAllLines(file));
    }

    @Test
    void aFailureUnderTheLockFailsThatBatchsFuturesInsteadOfDroppingThem() throws Exception {
        Path file = dir.resolve("lines.jsonl");
        Recording failing = new Recording() {
            @Override
            public void catchUp(Unseen unseen) throws IOException {
                super.catchUp(unseen);
                if (!unseen.fromStart()) throw new IOException("disk on fire");
            }
        };
        try (AppendOnlyFile<String> out = AppendOnlyFile.open(file, failing);
                AppendOnlyFile<String> other = AppendOnlyFile.open(file, new Recording())) {
            other.append("foreign").get(5, TimeUnit.SECONDS); // makes out catch up before its next batch
            CompletableFuture<Void> mine = out.append("mine");
            CompletionException e = assertThrows(CompletionException.class, mine::join);
            // A catch-up the owner cannot do is a storage fault (503 upstream), carrying the owner's reason.
            assertInstanceOf(StorageUnavailable.class, e.getCause());
            assertEquals("disk on fire", e.getCause().getCause().getMessage());
        }
        assertFalse(Files.readAllLines(file).contains("mine"));
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    interface Work {
        void run(int thread, int iteration) throws Exception;
    }

    static void runConcurrently(int threads, int perThread, Work work) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<java.util.concurrent.Future<?>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int thread = t;
                done.add(pool.submit(() -> {
                    for (int i = 0; i < perThread; i++) work.run(thread, i);
                    return null;
                }));
            }
            for (java.util.concurrent.Future<?> f : done) f.get(30, TimeUnit.SECONDS);
        } finally {
            pool.shutdownNow();
        }
    }
}
