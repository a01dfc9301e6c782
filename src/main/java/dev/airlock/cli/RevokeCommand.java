package dev.airlock.cli;

import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.airlock.core.policy.Policy;
import java.text.ParseException;
import java.time.Instant;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code airlock revoke}: an operator revokes a token by its jti (as the audit log names it) or by the token itself.
 * Revoking needs no proof that the token is genuine: revoking a forged jti harms nobody.
 */
@Command(name = "revoke", mixinStandardHelpOptions = true,
        description = "Revoke a token now; every check and introspection refuses it from then on.")
public final class RevokeCommand implements Callable<Integer> {
    static final class Which {
        @Option(names = "--jti", description = "the token's jti (see the audit log); an id Airlock never issued is"
                + " refused (exit 1)")
        String jti;

        @Option(names = "--token", description = "the token itself (read from the environment variable AIRLOCK_TOKEN if '-')")
        String token;
    }

    @ArgGroup(exclusive = true, multiplicity = "1")
    Which which;

    @Mixin
    DataDirOptions dirs;

    @Mixin
    RemoteAdmin remote;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        var err = spec.commandLine().getErr();
        String jti = which.jti;
        // A token lives at most 15 minutes from now; remembering the revocation that long is always enough.
        Instant exp = Instant.now().plus(Policy.MAX_TOKEN_LIFETIME);
        String env = null;
        if (which.token != null) {
            String token = "-".equals(which.token) ? System.getenv("AIRLOCK_TOKEN") : which.token;
            try {
                JWTClaimsSet c = SignedJWT.parse(token == null ? "" : token).getJWTClaimsSet();
                jti = c.getJWTID();
                env = c.getStringClaim("env");
                if (c.getExpirationTime() != null) exp = c.getExpirationTime().toInstant();
            } catch (ParseException e) {
                err.println("not a JWT");
                return 1;
            }
            if (jti == null) {
                err.println("the token has no jti");
                return 1;
            }
        }
        String finalJti = jti;
        if (remote.remote) {
            return GrantCommand.run(spec, () -> {
                remote.post(spec, "revoke " + finalJti, "/v1/admin/revoke", java.util.Map.of("jti", finalJti));
                spec.commandLine().getOut().println("revoked " + finalJti);
                return 0;
            });
        }
        Instant finalExp = exp;
        String finalEnv = env;
        boolean typed = which.token == null;
        return LocalState.run(dirs, err, s -> {
            // A typed jti must be one Airlock issued (else: exit 1, nothing revoked); a token in hand names its own.
            if (typed) s.admin.revokeIssued(finalJti, finalExp, "cli").get();
            else s.admin.revoke(finalJti, finalExp, "cli", finalEnv).get();
            spec.commandLine().getOut().println("revoked " + finalJti);
            return 0;
        });
    }
}
