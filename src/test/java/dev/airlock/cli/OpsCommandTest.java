package dev.airlock.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.zxing.common.BitMatrix;
import com.google.zxing.qrcode.decoder.Decoder;
import dev.airlock.core.audit.AuditLog;
import dev.airlock.core.crypto.MasterKey;
import dev.airlock.core.crypto.SecretBox;
import dev.airlock.core.ops.OpsAccount;
import dev.airlock.core.ops.OpsAccounts;
import dev.airlock.core.ops.OpsAccounts.SignIn;
import dev.airlock.core.ops.Totp;
import dev.airlock.store.embedded.FileStateStore;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code airlock ops ...} against a real data directory and the example policy in {@code scopes/}. */
class OpsCommandTest {
    static final Pattern PASSPHRASE = Pattern.compile("(?m)^Passphrase: +(\\S+)$");
    static final Pattern SECRET = Pattern.compile("(?m)^TOTP secret: +([A-Z2-7]+)$");
    static final Pattern URI = Pattern.compile("(?m)^otpauth URI: +(\\S+)$");

    @TempDir
    Path data;

    final SecureRandom random = new SecureRandom();
    byte[] masterKey;

    record Run(int exit, String out, String err) {}

    @BeforeEach
    void serverRanOnce() throws Exception {
        // What 'airlock serve' leaves behind on first start: the data directory's master key.
        masterKey = MasterKey.load(data, null, random);
    }

    @Test
    void addPrintsCredentialsOnceThatSignInAgainstTheSameDataDirectory() throws Exception {
        Run r = run("add", "alice", "--group", "ops", "--group", "prod-ops");
        assertEquals(0, r.exit(), r.err());
        String passphrase = find(PASSPHRASE, r.out());
        String secret = find(SECRET, r.out());
        assertEquals(Totp.otpauthUri("Airlock", "alice", Totp.fromBase32(secret)), find(URI, r.out()));
        assertTrue(r.out().startsWith("Ops account alice created, groups: ops, prod-ops"), r.out());

        SignIn result = signIn("alice", passphrase, secret);
        OpsAccount account = assertInstanceOf(SignIn.Ok.class, result).account();
        assertEquals(java.util.Set.of("ops", "prod-ops"), account.groups());
    }

    @Test
    void addPrintsAQrCodeThatDecodesToTheOtpauthUri() throws Exception {
        Run r = run("add", "alice", "--group", "ops");
        assertEquals(0, r.exit(), r.err());
        assertEquals(find(URI, r.out()), decodeQr(r.out()));
    }

    /** Issue 16: standard output here is no terminal (System.console() is null under the test runner). */
    @Test
    void addWhenStandardOutputIsNotATerminalThenTheQrCodeHasNoEscapeByteAndStillDecodes() throws Exception {
        Run r = run("add", "alice", "--group", "ops");
        assertEquals(0, r.exit(), r.err());
        assertEquals(-1, r.out().indexOf('\u001b'), "no ESC byte in:\n" + r.out());
        assertEquals(find(URI, r.out()), decodeQr(r.out()));
        Run reset = run("reset", "alice", "--no-color");
        assertEquals(-1, reset.out().indexOf('\u001b'), reset.out());
        assertEquals(find(URI, reset.out()), decodeQr(reset.out()));
    }

    @Test
    void theColouredQrCodeForATerminalDecodesToo() throws Exception {
        String uri = "otpauth://totp/Airlock:alice?secret=JBSWY3DPEHPK3PXP&issuer=Airlock";
        String coloured = OpsCommand.qrCode(uri, true);
        assertTrue(coloured.lines().allMatch(l -> l.startsWith(OpsCommand.DARK_ON_LIGHT)
                && l.endsWith(OpsCommand.RESET)), coloured);
        assertEquals(uri, decodeQr("Scan with an authenticator app:\n" + coloured));
    }

    @Test
    void addWithNoQrPrintsNone() {
        Run r = run("add", "alice", "--group", "ops", "--no-qr");
        assertEquals(0, r.exit(), r.err());
        assertFalse(r.out().contains(OpsCommand.DARK_ON_LIGHT));
    }

    @Test
    void addIsSeenByAStoreAlreadyOpenOnTheDirectory() throws Exception {
        try (FileStateStore server = FileStateStore.open(data, Clock.systemUTC())) {
            assertEquals(0, run("add", "alice", "--group", "ops").exit());
            server.refresh();
            assertTrue(server.opsAccount("alice").isPresent());
        }
    }

    @Test
    void addOfATakenNameFailsAndSaysToReset() {
        assertEquals(0, run("add", "alice", "--group", "ops").exit());
        Run again = run("add", "alice", "--group", "ops");
        assertEquals(1, again.exit());
        assertTrue(again.err().contains("already exists; use 'ops reset'"), again.err());
        assertEquals("", again.out());
    }

    @Test
    void addRefusesABadNameAndNeedsAGroup() {
        Run bad = run("add", "Alice", "--group", "ops");
        assertEquals(1, bad.exit());
        assertTrue(bad.err().contains("must match [a-z0-9][a-z0-9._-]{0,63}"), bad.err());
        assertEquals(2, run("add", "alice").exit());
    }

    @Test
    void addWarnsOfAGroupNoRuleOfGrantsYamlNamesAndNamesTheGroupsThatExist() {
        Run r = run("add", "alice", "--group", "ops", "--group", "auditors");
        assertEquals(0, r.exit(), r.err());
        List<String> warnings = r.err().lines().filter(l -> l.startsWith("warning: ")).toList();
        assertEquals(1, warnings.size(), r.err());
        assertTrue(warnings.get(0).contains(" names auditors (approver_groups, admin_groups)"), r.err());
        assertTrue(warnings.get(0).endsWith("the groups named there: ops, prod-ops"), r.err());
        assertFalse(r.out().contains("warning"), "the warning is not mixed into the credentials: " + r.out());
        assertEquals("", run("add", "bob", "--group", "prod-ops").err(), "no warning for a group that approves");
    }

    @Test
    void addWithoutAMasterKeyRefusesRatherThanCreatingOne() throws Exception {
        Path fresh = data.resolve("fresh");
        Run r = runIn(fresh, "add", "alice", "--group", "ops");
        assertEquals(2, r.exit());
        assertTrue(r.err().contains(MasterKey.ENV), r.err());
        assertFalse(Files.exists(fresh.resolve("master.key")));
    }

    @Test
    void listShowsNamesGroupsAndStateButNoSecret() throws Exception {
        Run added = run("add", "bob", "--group", "ops", "--group", "prod-ops");
        run("add", "alice", "--group", "ops");
        run("disable", "bob");
        Run list = run("list");
        assertEquals(0, list.exit(), list.err());
        assertEquals(List.of("NAME   STATE      GROUPS", "alice  active     ops", "bob    disabled   ops,prod-ops"),
                list.out().lines().toList());
        assertFalse(list.out().contains(find(PASSPHRASE, added.out())));
        assertFalse(list.out().contains(find(SECRET, added.out())));
    }

    @Test
    void listShowsALockedAccount() throws Exception {
        run("add", "alice", "--group", "ops");
        for (int i = 0; i < 5; i++) signIn("alice", "WRONG", "AAAAAAAA");
        assertTrue(run("list").out().contains("alice  locked "), run("list").out());
    }

    @Test
    void listOfNoAccountsSaysHowToAddOne() {
        Run r = run("list");
        assertEquals(0, r.exit());
        assertTrue(r.out().contains("airlock ops add"), r.out());
    }

    @Test
    void disableStopsSignInAndResetGivesNewCredentialsThatWork() throws Exception {
        Run added = run("add", "alice", "--group", "ops");
        String oldPassphrase = find(PASSPHRASE, added.out());
        String oldSecret = find(SECRET, added.out());
        assertEquals(0, run("disable", "alice").exit());
        assertInstanceOf(SignIn.Refused.class, signIn("alice", oldPassphrase, oldSecret));

        Run reset = run("reset", "alice", "--no-qr");
        assertEquals(0, reset.exit(), reset.err());
        assertTrue(reset.out().startsWith("Ops account alice reset."), reset.out());
        assertInstanceOf(SignIn.Refused.class, signIn("alice", oldPassphrase, find(SECRET, reset.out())));
        assertInstanceOf(SignIn.Ok.class, signIn("alice", find(PASSPHRASE, reset.out()), find(SECRET, reset.out())));
    }

    @Test
    void resetAndDisableOfAnUnknownNameFail() {
        for (String command : new String[] {"reset", "disable"}) {
            Run r = run(command, "nobody");
            assertEquals(1, r.exit(), command);
            assertTrue(r.err().contains("no ops account 'nobody'"), r.err());
        }
    }

    @Test
    void opsWithoutASubcommandIsAUsageError() {
        assertEquals(2, run().exit());
    }

    @Test
    void opsIsRegisteredInMain() {
        StringWriter out = new StringWriter();
        int exit = Main.commandLine().setOut(new PrintWriter(out, true)).execute("ops", "--help");
        assertEquals(0, exit);
        assertTrue(out.toString().startsWith("Usage: airlock ops "), out.toString());
    }

    // --- Helpers ---------------------------------------------------------------------------------------------------

    /** Issue 13, finding 3: even {@code ops list} used to cut a torn last line, destroying the evidence. */
    @Test
    void listNeverRepairsATornEndOfTheJournalOrAuditLogAndAWriteCommandMovesItAsideAndAuditsIt() throws Exception {
        assertEquals(0, run("add", "alice", "--group", "ops").exit());
        Path journal = data.resolve("state.journal");
        Path audit = data.resolve("audit.log");
        java.nio.file.Files.writeString(journal, "{\"op\":\"revo", java.nio.file.StandardOpenOption.APPEND);
        java.nio.file.Files.writeString(audit, "{\"seq\":9", java.nio.file.StandardOpenOption.APPEND);
        byte[] journalBefore = java.nio.file.Files.readAllBytes(journal);
        byte[] auditBefore = java.nio.file.Files.readAllBytes(audit);

        Run list = run("list");
        assertEquals(0, list.exit(), list.err());
        assertTrue(list.out().contains("alice"), list.out());
        assertTrue(list.err().contains("warning: state.journal"), list.err());
        assertTrue(list.err().contains("warning: audit.log"), list.err());
        org.junit.jupiter.api.Assertions.assertArrayEquals(journalBefore, java.nio.file.Files.readAllBytes(journal));
        org.junit.jupiter.api.Assertions.assertArrayEquals(auditBefore, java.nio.file.Files.readAllBytes(audit));

        assertEquals(0, run("add", "bob", "--group", "ops").exit());
        List<String> repaired = java.nio.file.Files.readAllLines(audit).stream()
                .filter(l -> l.contains("\"type\":\"storage.repaired\"")).toList();
        assertEquals(2, repaired.size(), String.join("\n", repaired));
        assertTrue(dev.airlock.core.audit.AuditVerifier.verify(audit).ok());
    }

    Run run(String... args) {
        return runIn(data, args);
    }

    Run runIn(Path dir, String... args) {
        String[] all = new String[args.length + (args.length == 0 ? 0 : 4)];
        System.arraycopy(args, 0, all, 0, args.length);
        if (args.length > 0) {
            all[args.length] = "--data";
            all[args.length + 1] = dir.toString();
            all[args.length + 2] = "--policy";
            all[args.length + 3] = "scopes";
        }
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exit = new CommandLine(new OpsCommand()).setOut(new PrintWriter(out, true))
                .setErr(new PrintWriter(err, true)).execute(all);
        return new Run(exit, out.toString(), err.toString());
    }

    /** Signs in as the server would, on the same directory and master key, with the current code. */
    SignIn signIn(String name, String passphrase, String base32Secret) throws Exception {
        Clock clock = Clock.systemUTC();
        try (FileStateStore store = FileStateStore.open(data, clock);
             AuditLog audit = AuditLog.open(data.resolve("audit.log"), clock)) {
            OpsAccounts accounts = new OpsAccounts(store, new SecretBox(masterKey, random), audit, clock, random);
            String code = Totp.code(Totp.fromBase32(base32Secret), Totp.step(clock.instant()));
            return accounts.signIn(name, passphrase.toCharArray(), code).get(30, TimeUnit.SECONDS);
        }
    }

    static String find(Pattern p, String text) {
        Matcher m = p.matcher(text);
        assertTrue(m.find(), p + " in:\n" + text);
        return m.group(1);
    }

    /** Reads the half-block rendering back into modules and decodes it with ZXing's own decoder. */
    static String decodeQr(String out) throws Exception {
        List<String> rows = out.lines().dropWhile(l -> !l.equals("Scan with an authenticator app:")).skip(1)
                .map(l -> l.replace(OpsCommand.DARK_ON_LIGHT, "").replace(OpsCommand.RESET, ""))
                .toList();
        int width = rows.get(0).length();
        int size = width - 2 * OpsCommand.QR_MARGIN;
        BitMatrix modules = new BitMatrix(size);
        for (int y = 0; y < size; y++) {
            int line = (y + OpsCommand.QR_MARGIN) / 2;
            boolean top = (y + OpsCommand.QR_MARGIN) % 2 == 0;
            for (int x = 0; x < size; x++) {
                char c = rows.get(line).charAt(x + OpsCommand.QR_MARGIN);
                boolean dark = c == '\u2588' || (top ? c == '\u2580' : c == '\u2584');
                if (dark) modules.set(x, y);
            }
        }
        return new Decoder().decode(modules).getText();
    }
}
