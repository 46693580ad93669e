package dev.cacheaside.testkit;

import dev.cacheaside.CacheAside;
import dev.cacheaside.internal.QueryEngine;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;

/**
 * What the stampede contract reads of an instance's engine: its loads and refreshes in flight,
 * and how many callers wait on a key. {@link CacheAside} keeps its engine to itself (the accessor
 * is package-private, for the library's own tests), so the kit reaches it by reflection, which
 * works wherever the kit runs on the class path (as JUnit runs it).
 */
final class EngineProbe {

    private static final Method ENGINE = engineAccessor();

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
        try {
            return (QueryEngine) ENGINE.invoke(cache);
        } catch (IllegalAccessException | InvocationTargetException e) {
            throw new IllegalStateException("cannot read the engine of " + cache, e);
        }
    }

    private static Method engineAccessor() {
        try {
            Method engine = CacheAside.class.getDeclaredMethod("engine");
            engine.setAccessible(true);
            return engine;
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw new ExceptionInInitializerError(new IllegalStateException(
                    "the stampede contract reads CacheAside.engine() by reflection; run it on the class path", e));
        }
    }
}
