package dev.airlock.core.policy;

/** How much harm a scope can do. Ordered: a later constant is riskier. */
public enum Risk {
    READ, WRITE, DESTRUCTIVE;

    public static Risk parse(String s) {
        return switch (s) {
            case "read" -> READ;
            case "write" -> WRITE;
            case "destructive" -> DESTRUCTIVE;
            default -> throw new IllegalArgumentException("risk must be read, write or destructive, not '" + s + "'");
        };
    }

    public String label() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
