package dev.airlock.core.audit;

import dev.airlock.core.crypto.SecretShapes;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One decision or state change. Fields are plain values (String, Number, Boolean, List of those) in insertion order.
 * Never put a token, secret or passphrase in a field: use the token's {@code jti} or a hash.
 *
 * <p>What callers cannot promise, this record enforces: every string value, however the event was built, is passed
 * through {@link SecretShapes#redact} here, so a secret a client sent in the wrong field (a client secret as the
 * client id, a token as the scope) never reaches the hash-chained log, where it could not be removed afterwards.
 */
public record AuditEvent(String type, Map<String, Object> fields) {
    public AuditEvent {
        Objects.requireNonNull(type);
        LinkedHashMap<String, Object> safe = new LinkedHashMap<>(fields);
        safe.replaceAll((name, value) -> redacted(value));
        fields = Collections.unmodifiableMap(safe);
    }

    private static Object redacted(Object value) {
        if (value instanceof String s) return SecretShapes.redact(s);
        if (value instanceof List<?> list) {
            boolean any = false;
            for (Object element : list) any |= element instanceof String s && SecretShapes.containsSecret(s);
            if (!any) return value;
            List<Object> out = new ArrayList<>(list.size());
            for (Object element : list) out.add(element instanceof String s ? SecretShapes.redact(s) : element);
            return Collections.unmodifiableList(out);
        }
        return value;
    }

    public static Builder of(String type) {
        return new Builder(type);
    }

    public static final class Builder {
        private final String type;
        private final Map<String, Object> fields = new LinkedHashMap<>();

        private Builder(String type) {
            this.type = type;
        }

        /** Adds a field; null values are left out. */
        public Builder with(String key, Object value) {
            if (value != null) fields.put(key, value);
            return this;
        }

        public AuditEvent build() {
            return new AuditEvent(type, fields);
        }
    }
}
