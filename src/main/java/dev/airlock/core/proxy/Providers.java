package dev.airlock.core.proxy;

import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The loaded providers by name. Immutable; an unknown name is simply absent (the proxy answers 404). */
public final class Providers {
    private static final Providers NONE = new Providers(List.of());

    private final Map<String, Provider> byName;

    public Providers(Collection<Provider> providers) {
        Map<String, Provider> map = new LinkedHashMap<>();
        for (Provider p : providers) {
            if (map.put(p.name(), p) != null) throw new IllegalArgumentException("provider '" + p.name() + "' twice");
        }
        this.byName = Collections.unmodifiableMap(map);
    }

    public static Providers none() {
        return NONE;
    }

    public Optional<Provider> get(String name) {
        return Optional.ofNullable(byName.get(name));
    }

    /** In file-name order. */
    public Collection<Provider> all() {
        return byName.values();
    }

    public boolean isEmpty() {
        return byName.isEmpty();
    }
}
