package dev.cacheaside.internal;

import dev.cacheaside.internal.RowCodec.CorruptEntryException;
import dev.cacheaside.internal.RowCodec.EntryTooLargeException;
import dev.cacheaside.internal.RowCodec.UnsupportedValueException;
import java.time.Duration;
import org.slf4j.Logger;

/**
 * Turns a load's rows into a cache entry and back ({@link RowCodec}), within
 * {@link EngineSettings#maxEntryBytes()}: what cannot be encoded or decoded is counted, logged
 * and treated as uncacheable or as a miss, never as an error of the query.
 */
final class EntryCodec {

    /** Logs under the facade's name, which applications configure. */
    private static final Logger log = EngineLog.logger();

    private final EngineSettings options;
    private final Counters counters;
    private final Freshness freshness;

    EntryCodec(EngineSettings options, Counters counters, Freshness freshness) {
        this.options = options;
        this.counters = counters;
        this.freshness = freshness;
    }

    /** An entry ready for the store: its bytes and the time to live the store keeps it. */
    record Encoded(byte[] bytes, Duration ttl) {
    }

    /** The entry under {@code key}; null when its bytes do not decode (counted and logged). */
    CachedEntry decode(String key, byte[] bytes) {
        try {
            return RowCodec.decodeEntry(bytes, options.maxEntryBytes());
        } catch (CorruptEntryException e) {
            counters.corruptEntries.increment();
            log.warn("cache entry {} does not decode ({}); treating it as a miss and replacing it",
                    key, e.getMessage());
            return null;
        } catch (Throwable e) {
            // never expected for bytes the size check let through; an Error here must not leave
            // the caller without a signal, so the entry is treated as corrupt
            counters.corruptEntries.increment();
            log.warn("cache entry {} does not decode ({}); treating it as a miss and replacing it",
                    key, e.toString());
            return null;
        }
    }

    /** Encodes a load's rows with their fresh time; null when the result is not to be cached. */
    Encoded encode(String key, Loaded loaded, Duration ttl) {
        long now = freshness.now();
        Duration fresh = freshness.jitter(ttl);
        byte[] bytes;
        try {
            // stops as soon as the entry passes the limit: a huge result never becomes a huge array
            bytes = RowCodec.encode(loaded.rows(), now, now + fresh.toMillis(), loaded.millis(), options.maxEntryBytes());
        } catch (UnsupportedValueException e) {
            counters.uncacheable.increment();
            log.warn("result of {} is not cached: {}", key, e.getMessage());
            return null;
        } catch (EntryTooLargeException e) {
            counters.uncacheable.increment();
            log.warn("result of {} ({} rows) is not cached: its entry is over the limit of {} bytes (maxEntryBytes,"
                    + " CACHE_MAX_ENTRY_BYTES)", key, loaded.rows().size(), options.maxEntryBytes());
            return null;
        } catch (Throwable e) {
            // an Error (OutOfMemoryError, StackOverflowError) must not end the load without a signal:
            // Reactor would rethrow it past every subscriber and leave the key's load in flight
            counters.uncacheable.increment();
            log.warn("result of {} is not cached: encoding it failed with {}", key, e.toString());
            return null;
        }
        return new Encoded(bytes, freshness.kept(fresh));
    }
}
