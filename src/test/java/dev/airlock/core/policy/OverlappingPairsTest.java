package dev.airlock.core.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@link EnvironmentsSection#overlappingPairs} finds exactly the pairs that comparing every pair with
 * {@link Glob#intersects} finds, in the same order, while comparing far fewer.
 */
class OverlappingPairsTest {
    private static List<String> everyPair(List<String> patterns, List<String> environments) {
        List<String> pairs = new ArrayList<>();
        for (int j = 0; j < patterns.size(); j++) {
            for (int i = 0; i < j; i++) {
                if (!environments.get(i).equals(environments.get(j))
                        && Glob.intersects(patterns.get(i), patterns.get(j))) {
                    pairs.add(i + "," + j);
                }
            }
        }
        return pairs;
    }

    private static List<String> found(List<String> patterns, List<String> environments) {
        return EnvironmentsSection.overlappingPairs(patterns, environments).stream().map(p -> p[0] + "," + p[1]).toList();
    }

    @Test
    void examples() {
        List<String> patterns = List.of("vol-1", "vol-1", "vol-*", "db-1", "vol-1", "v*1", "db-1");
        List<String> envs = List.of("staging", "production", "staging", "staging", "staging", "production", "staging");
        // vol-1 (prod) vs vol-1 (stg, 0); vol-* (stg) vs vol-1 (prod, 1); vol-1 (stg, 4) vs vol-1 (prod, 1);
        // v*1 (prod) vs vol-1 (0), vol-* (2), vol-1 (4); db-1 twice in staging is not a cross-environment overlap.
        assertEquals(List.of("0,1", "1,2", "1,4", "0,5", "2,5", "4,5"), found(patterns, envs));
        assertEquals(everyPair(patterns, envs), found(patterns, envs));
    }

    @Test
    void sameAsComparingEveryPairOnRandomPolicies() {
        Random random = new Random(20261124);
        String alphabet = "ab-*";
        for (int round = 0; round < 3000; round++) {
            int n = random.nextInt(12);
            List<String> patterns = new ArrayList<>();
            List<String> envs = new ArrayList<>();
            for (int k = 0; k < n; k++) {
                StringBuilder p = new StringBuilder();
                int len = 1 + random.nextInt(4);
                for (int c = 0; c < len; c++) {
                    // Stars rarer than letters, as in real policies; but often enough to mix globs and plain ids.
                    p.append(random.nextInt(5) == 0 ? '*' : alphabet.charAt(random.nextInt(3)));
                }
                patterns.add(p.toString());
                envs.add("env" + random.nextInt(3));
            }
            assertEquals(everyPair(patterns, envs), found(patterns, envs), patterns + " in " + envs);
        }
    }
}
