package dev.cacheaside.internal;

import java.util.Objects;
import java.util.function.Function;

/**
 * Not an API: how our own modules (the test kit's stampede contract) reach the engine behind a
 * {@code dev.cacheaside.CacheAside}, which keeps it out of its public methods. The facade registers
 * its accessor when its class is initialised, so it is in place before any instance exists; the
 * engine still depends on nothing of the public package. Compile-time references on both sides,
 * so a rename breaks the build instead of a test run. Thread safe.
 */
public final class EngineAccess {

    private static volatile Function<Object, QueryEngine> accessor;

    private EngineAccess() {
    }

    /**
     * Installs the facade's accessor; called once, by the facade's class initialiser.
     *
     * @throws IllegalStateException when an accessor is already installed
     */
    public static synchronized void register(Function<Object, QueryEngine> facadeAccessor) {
        if (accessor != null) {
            throw new IllegalStateException("the engine accessor is already registered");
        }
        accessor = Objects.requireNonNull(facadeAccessor, "facadeAccessor");
    }

    /**
     * The engine of {@code facade}, a {@code CacheAside}.
     *
     * @throws IllegalArgumentException when {@code facade} is not a {@code CacheAside}
     */
    public static QueryEngine engineOf(Object facade) {
        Function<Object, QueryEngine> a = accessor;
        if (a == null) {
            throw new IllegalArgumentException("no CacheAside has been created, so " + facade + " is not one");
        }
        return a.apply(facade);
    }
}
