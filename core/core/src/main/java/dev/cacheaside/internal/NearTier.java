package dev.cacheaside.internal;

import dev.cacheaside.spi.InvalidatingStore;
import java.util.Iterator;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The near tier: decoded entries of the shared store kept in process, bounded by an estimate of
 * their bytes, and kept exact by the store's invalidations ({@link InvalidatingStore}).
 *
 * <p>The race it closes: a read that began before a change must never leave its (old) value here
 * after the change. So a {@link Pending placeholder} is put under the key <em>before</em> the read
 * is sent ({@link #begin}); an invalidation of the key, or {@link #forgetAll()}, removes it; the
 * value read is kept ({@link #complete}) only if that very placeholder is still there and the tier
 * was not emptied in between. While the store does not confirm tracking, nothing is served or kept.
 *
 * <p>An entry is served until its fresh time plus the stale window (the longest the store keeps
 * it), so the entry's own freshness rules apply as on a remote hit; entries without a fresh time
 * are not kept. When the bytes exceed the bound, arbitrary entries are dropped (not LRU).
 * Thread safe; one instance per engine.
 */
final class NearTier implements InvalidatingStore.Listener {

    /** The estimated fixed cost of one entry beyond its bytes: key, map node, entry, rows. */
    static final int OVERHEAD = 160;

    /** A read in flight under a key; identity is what matters. */
    static final class Pending {
        /** The query read, whose tables a local table invalidation matches. */
        final Call call;

        Pending(Call call) {
            this.call = call;
        }
    }

    /** A kept entry. */
    static final class Held {
        final CachedEntry entry;
        final byte[] bytes;
        final long keptUntilMillis;
        final long weight;
        final Served hit;
        final Call call;

        Held(Call call, CachedEntry entry, byte[] bytes, long keptUntilMillis, long weight) {
            this.call = call;
            this.entry = entry;
            this.bytes = bytes;
            this.keptUntilMillis = keptUntilMillis;
            this.weight = weight;
            this.hit = new Served(entry.rows(), Origin.NEAR_HIT);
        }
    }

    private final long maxBytes;
    private final long staleMillis;
    private final ConcurrentHashMap<String, Object> entries = new ConcurrentHashMap<>();
    private final AtomicLong bytes = new AtomicLong();
    /** Whether the store confirmed tracking and has not lost it since. */
    private volatile boolean tracking;
    /** Changed by every {@link #forgetAll()}, so a read that spans one keeps nothing. */
    private volatile long epoch;

    NearTier(long maxBytes, long staleMillis) {
        this.maxBytes = maxBytes;
        this.staleMillis = staleMillis;
    }

    /** The entry kept under {@code key} and still within its time at {@code now}; null otherwise. */
    Held get(String key, long now) {
        if (!tracking) {
            return null;
        }
        Object o = entries.get(key);
        if (!(o instanceof Held)) {
            return null;
        }
        Held h = (Held) o;
        if (now >= h.keptUntilMillis) {
            remove(key, h);
            return null;
        }
        return h;
    }

    /**
     * Puts a placeholder under {@code key} before its read is sent; null when nothing may be
     * kept (tracking not confirmed, or another read or entry is there).
     */
    Pending begin(Call call) {
        if (!tracking) {
            return null;
        }
        String key = call.key();
        long e = epoch;
        Pending p = new Pending(call);
        if (entries.putIfAbsent(key, p) != null) {
            return null;
        }
        if (e != epoch || !tracking) {
            entries.remove(key, p);
            return null;
        }
        return p;
    }

    /**
     * Keeps {@code entry} read under {@code p}, if {@code p} is still the key's placeholder (no
     * invalidation and no {@link #forgetAll()} since {@link #begin}); otherwise only removes {@code p}.
     */
    void complete(String key, Pending p, CachedEntry entry, byte[] encoded) {
        long weight = 2L * encoded.length + 2L * key.length() + OVERHEAD;
        if (entry.freshUntilMillis() == 0 || weight > maxBytes) {
            entries.remove(key, p);
            return;
        }
        long e = epoch;
        Held h = new Held(p.call, entry, encoded, entry.freshUntilMillis() + staleMillis, weight);
        if (!entries.replace(key, p, h)) {
            return;
        }
        long total = bytes.addAndGet(weight);
        if (e != epoch || !tracking) {
            // emptied while it was being kept
            remove(key, h);
            return;
        }
        if (total > maxBytes) {
            shrink();
        }
    }

    /** Removes the placeholder {@code p} of a read that keeps nothing. */
    void abandon(String key, Pending p) {
        if (p != null) {
            entries.remove(key, p);
        }
    }

    /** Removes whatever is under {@code key}: a kept entry or a placeholder. */
    @Override
    public void invalidated(String key) {
        Object o = entries.remove(key);
        if (o instanceof Held) {
            bytes.addAndGet(-((Held) o).weight);
        }
    }

    /**
     * Removes every entry and placeholder of a query over any of {@code tables}: this instance's
     * own table invalidation, so that it reads its own writes before the server's push arrives.
     * A scan of the whole tier.
     */
    void forgetTables(java.util.Set<String> tables) {
        for (java.util.Map.Entry<String, Object> e : entries.entrySet()) {
            Object o = e.getValue();
            Call call = o instanceof Held ? ((Held) o).call : ((Pending) o).call;
            if (!java.util.Collections.disjoint(call.tables(), tables)) {
                if (o instanceof Held) {
                    remove(e.getKey(), (Held) o);
                } else {
                    entries.remove(e.getKey(), o);
                }
            }
        }
    }

    @Override
    public synchronized void forgetAll() {
        tracking = false;
        epoch++;
        clear();
    }

    @Override
    public synchronized void tracking() {
        epoch++;
        clear();
        tracking = true;
    }

    /** Whether the tier serves and keeps entries now. */
    boolean isTracking() {
        return tracking;
    }

    /** The number of kept entries (placeholders not counted). */
    long size() {
        return entries.values().stream().filter(o -> o instanceof Held).count();
    }

    /** The estimated bytes of kept entries. */
    long bytes() {
        return bytes.get();
    }

    private void clear() {
        Iterator<Object> it = entries.values().iterator();
        while (it.hasNext()) {
            Object o = it.next();
            it.remove();
            if (o instanceof Held) {
                bytes.addAndGet(-((Held) o).weight);
            }
        }
    }

    private void remove(String key, Held h) {
        if (entries.remove(key, h)) {
            bytes.addAndGet(-h.weight);
        }
    }

    private void shrink() {
        Iterator<java.util.Map.Entry<String, Object>> it = entries.entrySet().iterator();
        while (bytes.get() > maxBytes && it.hasNext()) {
            java.util.Map.Entry<String, Object> e = it.next();
            if (e.getValue() instanceof Held) {
                remove(e.getKey(), (Held) e.getValue());
            }
        }
    }
}
