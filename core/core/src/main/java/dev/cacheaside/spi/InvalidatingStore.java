package dev.cacheaside.spi;

/**
 * A {@link CacheStore} that tells the engine which keys changed on the server, so that the engine
 * may keep decoded copies of hot entries in process (the near tier) and stay exact: Redis and
 * Valkey through RESP3 {@code CLIENT TRACKING}, for example.
 *
 * <p>The contract that makes a near copy safe: between {@link Listener#tracking()} and the next
 * {@link Listener#forgetAll()}, for every key this store has read (with {@link #get} or
 * {@link #getOrLease}) the store calls {@link Listener#invalidated} after any change of that key
 * on the server (write, delete, expiry, eviction), and it delivers that call <em>before</em> the
 * reply of any read sent after the change. A store that cannot keep this promise at some moment
 * (connection lost, server restarted or flushed, failover) calls {@link Listener#forgetAll()} at
 * once and {@link Listener#tracking()} only when the promise holds again.
 */
public interface InvalidatingStore extends CacheStore {

    /**
     * Starts reporting to {@code listener}; the engine calls it once, when it is built. Until the
     * store calls {@link Listener#tracking()} the listener assumes nothing is tracked. Every key
     * the engine reads starts with {@code keyPrefix}, so a store may track that prefix only.
     *
     * @throws UnsupportedOperationException with a message saying why, when this store's
     *     deployment cannot report changes (then the engine refuses to start with a near tier)
     */
    void listen(String keyPrefix, Listener listener);

    /** What the store reports; every method is quick, never blocks and may run on an event loop. */
    interface Listener {

        /** {@code key} changed on the server (or may have): a copy read before is no longer valid. */
        void invalidated(String key);

        /** Every copy may be stale (tracking lost, server restarted or flushed): forget them all. */
        void forgetAll();

        /** Tracking is in place again: reads from now on are reported as {@link #invalidated}. */
        void tracking();
    }
}
