package dev.airlock.cli;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Evaluates {@code airlock env} output in a real shell, the way the docs tell agents to, and returns the environment
 * the shell then exports (read with {@code env -0}, so any byte but NUL survives the trip back). The shell starts with
 * an empty environment but PATH, so every variable it reports came from the text.
 */
final class ShellRun {
    private ShellRun() {}

    /** sh and bash always; zsh and fish where installed (CI has sh and bash; fish and zsh were checked by hand). */
    static List<String> available() {
        List<String> out = new ArrayList<>();
        for (String shell : List.of("sh", "bash", "zsh", "fish")) {
            if (Files.isExecutable(Path.of("/bin", shell)) || Files.isExecutable(Path.of("/usr/bin", shell))) out.add(shell);
        }
        return out;
    }

    static Map<String, String> evaluate(String shell, String text, Path workDir) throws IOException, InterruptedException {
        Path file = workDir.resolve("exports");
        Files.writeString(file, text, StandardCharsets.UTF_8);
        String script = shell.equals("fish")
                ? "cat $argv[1] | source; and env -0"
                : "eval \"$(cat \"$1\")\" && env -0";
        List<String> command = shell.equals("fish")
                ? List.of(shell, "--no-config", "-c", script, file.toString())
                : List.of(shell, "-c", script, shell, file.toString());
        ProcessBuilder pb = new ProcessBuilder(command).directory(workDir.toFile());
        pb.environment().clear();
        pb.environment().put("PATH", "/usr/bin:/bin");
        // Outside workDir: fish creates its config and data folders under HOME, and tests look for stray files there.
        Path home = Files.createDirectories(workDir.resolveSibling(workDir.getFileName() + "-home"));
        pb.environment().put("HOME", home.toString());
        Process p = pb.start();
        p.getOutputStream().close();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        p.getInputStream().transferTo(out);
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError(shell + " did not finish");
        }
        if (p.exitValue() != 0) throw new AssertionError(shell + " exited " + p.exitValue() + ": " + err);
        Map<String, String> env = new LinkedHashMap<>();
        for (String entry : new String(out.toByteArray(), StandardCharsets.UTF_8).split("\0")) {
            int eq = entry.indexOf('=');
            if (eq > 0) env.put(entry.substring(0, eq), entry.substring(eq + 1));
        }
        return env;
    }
}
