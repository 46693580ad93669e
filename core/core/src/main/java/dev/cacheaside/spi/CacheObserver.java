package dev.cacheaside.spi;

import java.util.Set;
import reactor.util.context.Context;
import reactor.util.context.ContextView;

/**
 * Watches the operations of a {@code CacheAside}, for tracing: each query, forced refresh,
 * invalidation and write, and inside a query its cache read and its database load. The Spring
 * Boot starter implements it with a Micrometer {@code Observation} per operation; install one
 * with {@code CacheAside.Builder.observer}. Without one, nothing is called and nothing is
 * allocated for it.
 *
 * <p>{@link #start} is called when the operation's {@code Mono} is subscribed, with the
 * subscriber's Reactor {@link ContextView}. What the returned {@link Watch} adds to the Context
 * ({@link Watch#inner}) is what the operation's inner work sees: the cache read and the database
 * load of a query start with the query's inner Context, so an observer that puts its handle there
 * finds it again as their parent; and the {@link QueryExecutor} runs in the database load's inner
 * Context. Then exactly one of {@link Watch#succeeded}, {@link Watch#failed} or
 * {@link Watch#cancelled} ends the watch. A query that joins a load already in flight (for its
 * key, in this instance) has no database load of its own; a query answered by the near tier has no
 * cache read. Background refreshes (stale-while-revalidate, early refresh) are not watched.
 *
 * <p>Implementations must be thread safe, fast, non-blocking and must not throw: they are
 * called on the threads that signal (event loops).
 */
@FunctionalInterface
public interface CacheObserver {

    /** What is watched. */
    enum Operation {
        /** {@code query}: its {@link Watch#succeeded} detail is the tier that answered. */
        QUERY("query"),
        /** {@code refresh} (a query forced to skip the cache): detail as for a query. */
        REFRESH("refresh"),
        /** {@code invalidate} (one key) or {@code invalidateTable} (tables; no key). */
        INVALIDATION("invalidation"),
        /** {@code update} or {@code transaction}: the writes and the invalidation after them (no key). */
        WRITE("write"),
        /** A query's cache read, inside the query: its detail is what the read found. */
        CACHE_READ("cache.read"),
        /** A query's database load, inside the query or refresh. */
        DATABASE_LOAD("database.load");

        private final String label;

        Operation(String label) {
            this.label = label;
        }

        /** The lowercase name: {@code query}, {@code refresh}, {@code invalidation}, {@code write},
         *  {@code cache.read}, {@code database.load}. */
        public String label() {
            return label;
        }
    }

    /**
     * An operation begins.
     *
     * @param operation what begins
     * @param key       the cache key it concerns, or null (table invalidations, writes)
     * @param tables    the tables it reads or writes (normalized: no schema, quotes or case); may
     *                  be empty
     * @param context   the Reactor Context of the operation's subscriber; for a cache read or a
     *                  database load, the inner Context of its query
     * @return the watch of this operation; never null
     */
    Watch start(Operation operation, String key, Set<String> tables, ContextView context);

    /** One operation being watched; ended once. */
    interface Watch {

        /**
         * The Context the operation's inner work runs in: {@code outer} (the subscriber's) with
         * what this watch adds, such as itself as the parent of what runs inside. Called at most
         * once, right after {@link CacheObserver#start}. By default {@code outer}.
         */
        default Context inner(Context outer) {
            return outer;
        }

        /**
         * The operation ended with a value.
         *
         * @param detail for a query or refresh, the tier that answered: {@code hit},
         *               {@code near_hit}, {@code stale} or {@code miss}; for a cache read, what it
         *               found: {@code hit}, {@code absent}, {@code lease_won}, {@code lease_held}
         *               or {@code unreachable}; null for the other operations
         */
        void succeeded(String detail);

        /** The operation ended with {@code error} (for a query, the error its subscriber gets). */
        void failed(Throwable error);

        /** The subscriber cancelled before the operation ended. */
        void cancelled();
    }
}
