package dev.airlock.core.proxy;

/**
 * Turns one HTTP request to a provider into the actions it would take. Pure: no I/O, no clock, no state, so the
 * same request always maps the same way and the mapper can be tested with nothing but bytes.
 */
public interface RequestMapper {
    MappingResult map(ProxyRequest request);
}
