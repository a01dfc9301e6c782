package dev.airlock.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.airlock.cli.OpsCommand;
import dev.airlock.testing.TestAirlock;
import dev.airlock.testing.TestAirlock.OpsUser;
import dev.airlock.testing.TestAirlock.Reply;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * Issue 12: a session is only as good as the account behind it. Disabling or re-enrolling an approver ends their
 * sessions (cookie and bearer) on the next request, also when {@code airlock ops} ran as another process on the same
 * data directory and the server learnt of it only through its store.
 */
class OpsSessionEndTest {
    static final Pattern PASSPHRASE = Pattern.compile("(?m)^Passphrase: +(\\S+)$");
    static final Pattern SECRET = Pattern.compile("(?m)^TOTP secret: +([A-Z2-7]+)$");

    TestAirlock airlock;
    OpsUser carol;
    OpsUser dave;

    @BeforeEach
    void start() throws Exception {
        airlock = TestAirlock.start();
        carol = airlock.addOps("carol", "prod-ops");
        dave = airlock.addOps("dave", "prod-ops");
    }

    @AfterEach
    void stop() throws Exception {
        airlock.close();
    }

    /** {@code airlock ops ...} as an operator runs it: its own store, audit log and accounts on the same directory. */
    String cli(String... args) {
        String[] all = new String[args.length + 4];
        System.arraycopy(args, 0, all, 0, args.length);
        all[args.length] = "--data";
        all[args.length + 1] = airlock.dataDir.toString();
        all[args.length + 2] = "--policy";
        all[args.length + 3] = TestAirlock.EXAMPLE_POLICY.toString();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exit = new CommandLine(new OpsCommand()).setOut(new PrintWriter(out, true))
                .setErr(new PrintWriter(err, true)).execute(all);
        assertEquals(0, exit, err.toString());
        return out.toString();
    }

    /** The server's periodic journal refresh, run now instead of waited for. */
    void serverSeesTheStore() {
        airlock.airlock.store.refresh();
    }

    Reply pending(String session) throws Exception {
        return airlock.opsGet("/v1/grants?status=pending", session);
    }

    Reply withCookie(String session) throws Exception {
        return airlock.send(airlock.request("/v1/ops/session").header("Cookie", "airlock_ops=" + session).GET().build());
    }

    void assertSignedOut(Reply r) {
        assertEquals(401, r.status(), r.body());
        assertEquals("signin_required", r.json().path("code").asText(), r.body());
    }

    @Test
    void sessionWhenAccountDisabledByTheCliThenRefusedOnItsNextRequest() throws Exception {
        String session = airlock.opsSignIn(carol);
        String other = airlock.opsSignIn(dave);
        assertEquals(200, pending(session).status());

        cli("disable", "carol");
        serverSeesTheStore();

        assertSignedOut(pending(session));
        assertSignedOut(withCookie(session));
        Reply deny = airlock.opsPost("/v1/grants/gr_x/deny", session, Map.of("reason", "not during the freeze"));
        assertSignedOut(deny);
        assertEquals(200, pending(other).status(), "another approver's session is untouched");
    }

    @Test
    void sessionWhenAccountResetByTheCliThenRefusedAndTheNewEnrolmentSignsIn() throws Exception {
        String session = airlock.opsSignIn(carol);
        assertEquals(200, withCookie(session).status());

        String printed = cli("reset", "carol", "--no-qr");
        serverSeesTheStore();

        assertSignedOut(withCookie(session));
        assertSignedOut(pending(session));
        OpsUser reEnrolled = new OpsUser("carol", find(PASSPHRASE, printed), find(SECRET, printed));
        assertEquals(200, pending(airlock.opsSignIn(reEnrolled)).status());
    }

    @Test
    void sessionWhenAccountDisabledInThisProcessThenRefusedOnItsNextRequest() throws Exception {
        String session = airlock.opsSignIn(carol);
        airlock.airlock.ops.disable("carol").get();
        assertSignedOut(pending(session));
    }

    @Test
    void sessionWhenAccountResetInThisProcessThenRefusedOnItsNextRequest() throws Exception {
        String session = airlock.opsSignIn(carol);
        airlock.airlock.ops.reset("carol").get();
        assertSignedOut(withCookie(session));
    }

    @Test
    void sessionWhenTheAccountOnlyUsedItsCodesThenStillValid() throws Exception {
        // Every accepted code writes a new version of the account: that alone must not end a session.
        String session = airlock.opsSignIn(carol);
        airlock.opsSignIn(carol);
        serverSeesTheStore();
        assertEquals(200, pending(session).status());
    }

    static String find(Pattern p, String text) {
        Matcher m = p.matcher(text);
        assertTrue(m.find(), p + " in:\n" + text);
        return m.group(1);
    }
}
