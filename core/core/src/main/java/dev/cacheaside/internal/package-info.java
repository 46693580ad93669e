/**
 * The engine behind {@link dev.cacheaside.CacheAside}: internal, not an API, not for users. A type
 * here is public only because another package of ours needs it, and may change or disappear in
 * any release without notice:
 * <ul>
 *   <li>the facade ({@code dev.cacheaside}, which Java cannot let into a package-private type of
 *       another package): the engine and the parts it calls or returns;</li>
 *   <li>the test kit ({@code cache-aside-testkit}): {@link dev.cacheaside.internal.EngineAccess},
 *       and through it {@link dev.cacheaside.internal.QueryEngine}'s loads and refreshes in flight;</li>
 *   <li>the benchmarks and core's test helpers (never published): the codec
 *       ({@link dev.cacheaside.internal.RowCodec}, {@link dev.cacheaside.internal.CachedEntry}),
 *       the key rule ({@link dev.cacheaside.internal.CacheKeys}) and the {@link dev.cacheaside.internal.Recorder}.</li>
 * </ul>
 * Every other type is package-private.
 *
 * <p>The engine depends on nothing of the public package: the facade builds its
 * {@link dev.cacheaside.internal.EngineSettings} and {@link dev.cacheaside.internal.Call}s, and maps
 * what comes back ({@link dev.cacheaside.internal.Origin}, {@link dev.cacheaside.internal.Counters},
 * {@link dev.cacheaside.internal.InvalidationFailure}) to the public types.
 *
 * <p>Nothing in this package accepts or returns {@code null} unless its Javadoc says so.
 */
package dev.cacheaside.internal;
