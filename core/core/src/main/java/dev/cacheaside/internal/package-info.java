/**
 * The engine behind {@link dev.cacheaside.CacheAside}: internal, not for users. Its types are
 * public only so that the facade in {@code dev.cacheaside} can reach them; they may change or
 * disappear in any release without notice.
 *
 * <p>The engine depends on nothing of the public package: the facade builds its
 * {@link dev.cacheaside.internal.EngineSettings} and {@link dev.cacheaside.internal.Call}s, and maps
 * what comes back ({@link dev.cacheaside.internal.Origin}, {@link dev.cacheaside.internal.Counters},
 * {@link dev.cacheaside.internal.InvalidationFailure}) to the public types.
 *
 * <p>Nothing in this package accepts or returns {@code null} unless its Javadoc says so.
 */
package dev.cacheaside.internal;
