package dev.airlock.harness;

import dev.airlock.process.AirlockProcess;
import java.nio.file.Path;

/** The set-up an operator does with the CLI on a data directory: an agent's secret, ops accounts. */
public final class HarnessCli {
    private HarnessCli() {}

    /** An ops account as its owner knows it: the printed passphrase and the TOTP secret enrolled on the phone. */
    public record Ops(String name, String passphrase, String totpSecret) {}

    public static String agentAdd(Path logs, Path data, Path policy, String id) throws Exception {
        AirlockProcess.Result r = AirlockProcess.cli(logs, "agent", "add", id, "--data", data.toString(), "--policy",
                policy.toString());
        if (r.exit() != 0) throw new AssertionError("agent add: " + r);
        return r.lastLine();
    }

    public static Ops opsAdd(Path logs, Path data, Path policy, String name, String... groups) throws Exception {
        java.util.List<String> args = new java.util.ArrayList<>(java.util.List.of("ops", "add", name));
        for (String g : groups) {
            args.add("--group");
            args.add(g);
        }
        args.addAll(java.util.List.of("--no-qr", "--data", data.toString(), "--policy", policy.toString()));
        AirlockProcess.Result r = AirlockProcess.cli(logs, args.toArray(String[]::new));
        if (r.exit() != 0) throw new AssertionError("ops add: " + r);
        return new Ops(name, printed(r.out(), "Passphrase:"), printed(r.out(), "TOTP secret:"));
    }

    public static AirlockProcess.Result auditVerify(Path logs, Path data) throws Exception {
        return AirlockProcess.cli(logs, "audit", "verify", "--data", data.toString());
    }

    private static String printed(String out, String label) {
        return out.lines().filter(l -> l.startsWith(label)).map(l -> l.substring(label.length()).strip()).findFirst()
                .orElseThrow(() -> new AssertionError("no '" + label + "' in:\n" + out));
    }
}
