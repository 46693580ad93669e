package dev.cacheaside.internal;

/**
 * The kinds of call {@link GuardedStore} makes to the cache: each says whether the circuit
 * breaker may refuse it and under which name its time is recorded.
 */
enum StoreOperation {

    /**
     * A read ({@code get}, {@code getOrLease}): through the breaker; a store that bounds its
     * reads itself gets no timer of the engine's.
     */
    READ("read", true),
    /** An unconditional or compare-and-set write ({@code set}, {@code replace}): through the breaker. */
    WRITE("write", true),
    /** The registration of a key under its tables ({@code tag}): through the breaker. */
    TAG("tag", true),
    /** A delete that begins something (before a forced refresh, of a refresh lock): through the breaker. */
    DELETE("delete", true),
    /**
     * The fill of a lease this caller holds: it ends what a permitted read began, so a half-open
     * breaker must not refuse it.
     */
    LEASE_FILL("write", false),
    /**
     * The release of a lease this caller holds: bypasses the breaker, since a refused release
     * would leave the lease to block the key.
     */
    LEASE_RELEASE("delete", false),
    /**
     * An invalidation (and a lease released like one): bypasses the breaker, which protects reads;
     * a refused invalidation would leave the caller unsure whether stale data remains. Its time
     * limit is the caller's.
     */
    INVALIDATE("invalidate", false);

    private final String metric;
    private final boolean throughBreaker;

    StoreOperation(String metric, boolean throughBreaker) {
        this.metric = metric;
        this.throughBreaker = throughBreaker;
    }

    /** The name its time is recorded under ({@link Recorder#cache}): read, write, tag, delete, invalidate. */
    String metric() {
        return metric;
    }

    /** Whether an open circuit breaker refuses it. */
    boolean throughBreaker() {
        return throughBreaker;
    }
}
