package dev.cacheaside.testkit;

import dev.cacheaside.CacheAside;
import dev.cacheaside.internal.EngineAccess;
import dev.cacheaside.internal.QueryEngine;

/**
 * What the stampede contract reads of an instance's engine: its loads and refreshes in flight,
 * and how many callers wait on a key. {@link CacheAside} keeps its engine out of its public API;
 * the kit reaches it through {@link EngineAccess}, the engine package's accessor for our own
 * modules (compile-time references, so a rename breaks the build, not a test run).
 */
final class EngineProbe {

    private EngineProbe() {
    }

    /** Loads in flight in {@code cache}'s single flight. */
    static int flights(CacheAside cache) {
        return engine(cache).flights().size();
    }

    /** Callers waiting on {@code key} in {@code cache}'s single flight (the loader included). */
    static int callersOf(CacheAside cache, String key) {
        return engine(cache).flights().callersOf(key);
    }

    /** Background refreshes in flight in {@code cache}. */
    static int refreshes(CacheAside cache) {
        return engine(cache).refresher().inFlight();
    }

    private static QueryEngine engine(CacheAside cache) {
        return EngineAccess.engineOf(cache);
    }
}
