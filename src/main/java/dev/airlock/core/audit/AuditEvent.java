package dev.airlock.core.audit;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * One decision or state change. Fields are plain values (String, Number, Boolean, List of those) in insertion order.
 * Never put a token, secret or passphrase in a field: use the token's {@code jti} or a hash.
 */
public record AuditEvent(String type, Map<String, Object> fields) {
    public AuditEvent {
        Objects.requireNonNull(type);
        fields = Collections.unmodifiableMap(new LinkedHashMap<>(fields));
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
