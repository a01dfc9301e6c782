package dev.airlock.cli;

import com.google.zxing.EncodeHintType;
import com.google.zxing.WriterException;
import com.google.zxing.common.BitMatrix;
import com.google.zxing.qrcode.QRCodeWriter;
import com.google.zxing.qrcode.decoder.ErrorCorrectionLevel;
import dev.airlock.core.crypto.MasterKey;
import dev.airlock.core.crypto.SecretBox;
import dev.airlock.core.ops.OpsAccount;
import dev.airlock.core.ops.OpsAccounts;
import dev.airlock.core.ops.OpsAccounts.Enrolment;
import dev.airlock.core.policy.Environment;
import dev.airlock.core.policy.Policy;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code airlock ops add|reset|disable|reset-totp-step|list}: the human approvers' accounts. Like {@code agent add}, this writes the
 * data directory directly (under the journal's lock), so it works whether or not a server runs; a running server
 * sees the change within its refresh interval.
 */
@Command(name = "ops", mixinStandardHelpOptions = true, description = "Manage ops (human approver) accounts.",
        subcommands = {OpsCommand.Add.class, OpsCommand.Reset.class, OpsCommand.Disable.class,
                OpsCommand.ResetTotpStep.class, OpsCommand.ListAccounts.class})
public final class OpsCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "name a subcommand: add, reset, disable, reset-totp-step or list");
    }

    /** The state, plus the accounts service over it with the data directory's master key. */
    interface Body {
        int run(LocalState s, OpsAccounts accounts) throws IOException, ExecutionException, InterruptedException;
    }

    abstract static class Base implements Callable<Integer> {
        @Mixin
        DataDirOptions dirs;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        PrintWriter out() {
            return spec.commandLine().getOut();
        }

        int withAccounts(Body body) {
            return LocalState.run(dirs, spec.commandLine().getErr(), s -> {
                SecureRandom random = new SecureRandom();
                SecretBox box = new SecretBox(masterKey(dirs.data, System.getenv(MasterKey.ENV), random), random);
                return body.run(s, new OpsAccounts(s.store, box, s.audit, Clock.systemUTC(), random));
            });
        }
    }

    /** A change, which {@code --remote} sends to the signed-in server instead ({@link RemoteAdmin}). */
    abstract static class Change extends Base {
        @Mixin
        RemoteAdmin remote;

        /** Sends the change; prints the enrolment the server answered with, if any. */
        int remotely(String what, String path, Map<String, Object> body, QrStyle qr, String done) {
            return GrantCommand.run(spec, () -> {
                var r = remote.post(spec, what, path, body);
                PrintWriter out = out();
                out.println(done);
                if (r.hasNonNull("passphrase")) {
                    Enrolment e = new Enrolment(r.path("name").asText(), r.path("passphrase").asText().toCharArray(),
                            r.path("totp_secret").asText(), r.path("otpauth_uri").asText());
                    try {
                        printEnrolment(out, e, qr);
                    } finally {
                        Arrays.fill(e.passphrase(), '\0');
                    }
                }
                out.flush();
                return 0;
            });
        }

        static String account(String name) {
            return "/v1/admin/ops-accounts/" + AirlockHttp.segment(name);
        }
    }

    /**
     * The master key the server uses, never a new one: if the server takes its key from {@code AIRLOCK_MASTER_KEY}
     * and this shell lacks it, creating {@code master.key} here would seal TOTP secrets the server cannot open.
     */
    static byte[] masterKey(Path data, String envValue, SecureRandom random) throws IOException {
        boolean fromEnv = envValue != null && !envValue.isBlank();
        if (!fromEnv && !Files.exists(data.resolve("master.key"))) {
            throw new IOException("no master key: " + data.resolve("master.key") + " does not exist and "
                    + MasterKey.ENV + " is not set. Set " + MasterKey.ENV + " as the server has it, or start"
                    + " 'airlock serve' once on this directory to create the key.");
        }
        return MasterKey.load(data, envValue, random);
    }

    @Command(name = "add", mixinStandardHelpOptions = true,
            description = {"Enrol a human approver: prints a one-time passphrase, a TOTP secret, its otpauth URI and a"
                    + " QR code of it, once. Airlock keeps only an Argon2id hash of the passphrase and the secret sealed"
                    + " under the master key."})
    static final class Add extends Change {
        @Parameters(paramLabel = "NAME", description = "account name: [a-z0-9][a-z0-9._-]{0,63}")
        String name;

        @Option(names = "--group", paramLabel = "G", required = true,
                description = "an ops group (as named in grants.yaml approver_groups); repeat for several")
        List<String> groups;

        @Option(names = "--no-qr", negatable = false, description = "do not print the QR code")
        boolean noQr;

        @Option(names = "--no-color", negatable = false, description = "print the QR code without colour escapes (also"
                + " when NO_COLOR is set or standard output is not a terminal)")
        boolean noColor;

        @Override
        public Integer call() {
            QrStyle qr = QrStyle.of(!noQr, noColor);
            if (remote.remote) {
                return remotely("enrol " + name, "/v1/admin/ops-accounts", Map.of("name", name, "groups", groups), qr,
                        "Ops account " + name + " created, groups: " + String.join(", ", new TreeSet<>(groups)));
            }
            return withAccounts((s, accounts) -> {
                Set<String> wanted = new LinkedHashSet<>(groups);
                Enrolment e = accounts.create(name, wanted).get();
                try {
                    PrintWriter out = out();
                    out.println("Ops account " + name + " created, groups: " + String.join(", ", new TreeSet<>(wanted)));
                    printEnrolment(out, e, qr);
                    out.flush();
                    warnUnnamedGroups(spec.commandLine().getErr(), wanted, s.policy, dirs.policy);
                } finally {
                    Arrays.fill(e.passphrase(), '\0');
                }
                return 0;
            });
        }
    }

    @Command(name = "reset", mixinStandardHelpOptions = true,
            description = {"Re-enrol an approver (lost phone or passphrase): new passphrase and TOTP secret, failures"
                    + " and lock cleared, enabled again if disabled. The old passphrase and codes stop working."})
    static final class Reset extends Change {
        @Parameters(paramLabel = "NAME")
        String name;

        @Option(names = "--no-qr", negatable = false, description = "do not print the QR code")
        boolean noQr;

        @Option(names = "--no-color", negatable = false, description = "print the QR code without colour escapes (also"
                + " when NO_COLOR is set or standard output is not a terminal)")
        boolean noColor;

        @Override
        public Integer call() {
            QrStyle qr = QrStyle.of(!noQr, noColor);
            if (remote.remote) {
                return remotely("reset " + name, account(name) + "/reset", Map.of(), qr,
                        "Ops account " + name + " reset.");
            }
            return withAccounts((s, accounts) -> {
                Enrolment e = accounts.reset(name).get();
                try {
                    out().println("Ops account " + name + " reset.");
                    printEnrolment(out(), e, qr);
                    out().flush();
                } finally {
                    Arrays.fill(e.passphrase(), '\0');
                }
                return 0;
            });
        }
    }

    @Command(name = "disable", mixinStandardHelpOptions = true,
            description = "Stop an approver from signing in and approving ('ops reset' enables the account again).")
    static final class Disable extends Change {
        @Parameters(paramLabel = "NAME")
        String name;

        @Override
        public Integer call() {
            if (remote.remote) {
                return remotely("disable " + name, account(name) + "/disable", Map.of(), QrStyle.NONE,
                        "Ops account " + name + " disabled.");
            }
            return withAccounts((s, accounts) -> {
                accounts.disable(name).get();
                out().println("Ops account " + name + " disabled.");
                return 0;
            });
        }
    }

    @Command(name = "reset-totp-step", mixinStandardHelpOptions = true,
            description = {"After the server's clock was corrected backwards: lower NAME's last accepted TOTP step to"
                    + " the current one, so that the codes their phone shows are accepted again. Codes for any time up"
                    + " to now stay refused (no replay). Does nothing if the last step is not ahead of this clock."})
    static final class ResetTotpStep extends Change {
        @Parameters(paramLabel = "NAME")
        String name;

        @Override
        public Integer call() {
            if (remote.remote) {
                return GrantCommand.run(spec, () -> {
                    var r = remote.post(spec, "reset the TOTP step of " + name, account(name) + "/reset-totp-step",
                            Map.of());
                    out().println(r.path("lowered").asBoolean()
                            ? "Ops account " + name + ": the last accepted TOTP step was " + r.path("minutes_ahead")
                                    .asLong() + " minute(s) ahead of the server's clock; lowered to the current step."
                                    + " The next code works."
                            : "Ops account " + name + ": the last accepted TOTP step is not ahead of the server's clock;"
                                    + " nothing changed.");
                    return 0;
                });
            }
            return withAccounts((s, accounts) -> {
                var ahead = accounts.resetTotpStep(name).get();
                out().println(ahead.isPresent()
                        ? "Ops account " + name + ": the last accepted TOTP step was " + ahead.get().minutesAhead()
                                + " minute(s) ahead of this clock; lowered to the current step. The next code works."
                        : "Ops account " + name + ": the last accepted TOTP step is not ahead of this clock; nothing"
                                + " changed. (Is this machine's clock the server's?)");
                return 0;
            });
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true,
            description = "List ops accounts: name, groups and state. Never prints secrets.")
    static final class ListAccounts extends Base {
        @Override
        public Integer call() {
            // No master key needed: nothing sealed is opened. Read-only: never repairs a torn file end.
            return LocalState.runReadOnly(dirs, spec.commandLine().getErr(), s -> {
                PrintWriter out = out();
                List<OpsAccount> all = s.store.opsAccounts();
                if (all.isEmpty()) {
                    out.println("no ops accounts (add one with 'airlock ops add NAME --group G')");
                    return 0;
                }
                Instant now = Instant.now();
                int width = Math.max(4, all.stream().mapToInt(a -> a.name().length()).max().orElse(0));
                String format = "%-" + width + "s  %-9s  %s%n";
                out.printf(format, "NAME", "STATE", "GROUPS");
                for (OpsAccount a : all) {
                    out.printf(format, a.name(), state(a, now), String.join(",", new TreeSet<>(a.groups())));
                }
                out.flush();
                return 0;
            });
        }

        private static String state(OpsAccount a, Instant now) {
            if (a.disabled()) return "disabled";
            if (a.lockedUntil() != null && now.isBefore(a.lockedUntil())) return "locked";
            return "active";
        }
    }

    /**
     * One warning line on standard error for groups that no rule of grants.yaml names (neither an environment's
     * approver_groups nor admin_groups): such an account can do nothing, which a new user found out only when their
     * first approval was refused (issue 16). Names the groups grants.yaml does use, where the typo usually is.
     */
    static void warnUnnamedGroups(PrintWriter err, Set<String> wanted, Policy policy, Path policyDir) {
        Set<String> named = new TreeSet<>(policy.adminGroups());
        for (Environment env : policy.environments()) named.addAll(policy.grantRules(env.name()).approverGroups());
        Set<String> unnamed = new TreeSet<>(wanted);
        unnamed.removeAll(named);
        if (unnamed.isEmpty()) return;
        err.println("warning: no rule in " + policyDir.resolve("grants.yaml") + " names " + String.join(", ", unnamed)
                + " (approver_groups, admin_groups), so it gives this account nothing to do; the groups named there: "
                + (named.isEmpty() ? "none" : String.join(", ", named)));
        err.flush();
    }

    /** Whether to print the QR code, and with colour escapes or without. */
    enum QrStyle {
        NONE, PLAIN, COLOUR;

        /**
         * Colour only on a terminal and unless asked not to (no-color.org: {@code NO_COLOR} set and not empty): in a
         * file or a pipe the escapes are noise bytes that break a copy or a log (issue 16).
         */
        static QrStyle of(boolean print, boolean noColor) {
            if (!print) return NONE;
            String env = System.getenv("NO_COLOR");
            boolean colour = !noColor && (env == null || env.isEmpty()) && System.console() != null;
            return colour ? COLOUR : PLAIN;
        }
    }

    private static void printEnrolment(PrintWriter out, Enrolment e, QrStyle qr) {
        out.println("Hand these to " + e.name() + " once; Airlock cannot show them again.");
        out.println("Passphrase:  " + new String(e.passphrase()));
        out.println("TOTP secret: " + e.totpSecretBase32());
        out.println("otpauth URI: " + e.otpauthUri());
        switch (qr) {
            case NONE -> { }
            case PLAIN, COLOUR -> {
                out.println("Scan with an authenticator app:");
                out.print(qrCode(e.otpauthUri(), qr == QrStyle.COLOUR));
            }
        }
    }

    /** Quiet zone in modules; the QR specification asks for four, scanners cope with two on a screen. */
    static final int QR_MARGIN = 2;
    /** Black on white whatever the terminal's colours: scanners expect dark modules on a light background. */
    static final String DARK_ON_LIGHT = "\u001b[30;47m";
    static final String RESET = "\u001b[0m";

    /**
     * The QR code as text, two modules per character cell with half blocks (the foreground is a dark module); with
     * {@code colour}, each line wrapped in explicit colours (without, a dark-background terminal shows it inverted,
     * which most authenticator apps still read).
     */
    static String qrCode(String text, boolean colour) {
        BitMatrix m;
        try {
            m = new QRCodeWriter().encode(text, com.google.zxing.BarcodeFormat.QR_CODE, 0, 0,
                    Map.of(EncodeHintType.ERROR_CORRECTION, ErrorCorrectionLevel.M, EncodeHintType.MARGIN, QR_MARGIN));
        } catch (WriterException e) {
            return "(no QR code: " + e.getMessage() + ")\n";
        }
        StringBuilder s = new StringBuilder();
        for (int y = 0; y < m.getHeight(); y += 2) {
            if (colour) s.append(DARK_ON_LIGHT);
            for (int x = 0; x < m.getWidth(); x++) {
                boolean top = m.get(x, y);
                boolean bottom = y + 1 < m.getHeight() && m.get(x, y + 1);
                s.append(top ? (bottom ? '\u2588' : '\u2580') : (bottom ? '\u2584' : ' '));
            }
            if (colour) s.append(RESET);
            s.append('\n');
        }
        return s.toString();
    }
}
