package dev.airlock.cli;

import java.io.BufferedReader;
import java.io.Console;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;

/**
 * Asks a person for a passphrase or a one-time code. On a terminal the passphrase is read without echo; without one
 * (piped input, tests) each answer is one line of standard input. Prompts go to standard error so standard output
 * stays for results. Never from the command line: arguments show in {@code ps} and shell history.
 */
final class Prompter {
    private final PrintWriter err;
    private BufferedReader stdin;

    Prompter(PrintWriter err) {
        this.err = err;
    }

    /** Read without echo when a console exists. The caller clears the array when done. */
    char[] secret(String prompt) throws CliFailure {
        Console console = System.console();
        if (console != null) {
            char[] answer = console.readPassword("%s", prompt);
            if (answer == null) throw new CliFailure(2, "no answer to '" + prompt.strip() + "'");
            return answer;
        }
        return line(prompt).toCharArray();
    }

    String line(String prompt) throws CliFailure {
        Console console = System.console();
        String answer;
        if (console != null) {
            answer = console.readLine("%s", prompt);
        } else {
            err.print(prompt);
            err.flush();
            try {
                if (stdin == null) stdin = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
                answer = stdin.readLine();
            } catch (IOException e) {
                throw new CliFailure(2, "cannot read standard input: " + e.getMessage());
            }
            err.println();
        }
        if (answer == null) throw new CliFailure(2, "no answer to '" + prompt.strip() + "' (standard input is closed)");
        return answer.endsWith("\r") ? answer.substring(0, answer.length() - 1) : answer;
    }
}
