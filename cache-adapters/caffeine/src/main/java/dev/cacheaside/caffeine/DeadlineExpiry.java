package dev.cacheaside.caffeine;

import com.github.benmanes.caffeine.cache.Expiry;

/** The expiry policy of {@link LocalCacheStore}: each entry lapses at the deadline it carries, whatever operation touched it last. */
final class DeadlineExpiry implements Expiry<String, Entry> {

    @Override
    public long expireAfterCreate(String key, Entry entry, long currentTime) {
        return Math.max(0, entry.expiresAt() - currentTime);
    }

    @Override
    public long expireAfterUpdate(String key, Entry entry, long currentTime, long currentDuration) {
        return Math.max(0, entry.expiresAt() - currentTime);
    }

    @Override
    public long expireAfterRead(String key, Entry entry, long currentTime, long currentDuration) {
        return currentDuration;
    }
}
