package dev.cacheaside.debezium;

import dev.cacheaside.spi.CompareAndSetStore;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Objects;
import reactor.core.publisher.Mono;

/**
 * A leader lease in the shared cache: one key, with a time to live, holding the holder's id.
 * Taken with the store's own lease ({@link CompareAndSetStore#getOrLease}, then
 * {@link CompareAndSetStore#fill} with the id), so exactly one of several instances asking at once
 * gets it; renewed with a compare-and-set of the id on itself ({@link CompareAndSetStore#replace}),
 * which also resets the time to live; expires by itself when its holder stops renewing.
 *
 * <p>Every method is lazy and never blocks. Thread safe.
 */
final class LeaderLease {

    private final CompareAndSetStore store;
    private final String key;
    private final byte[] id;
    private final Duration ttl;

    LeaderLease(CompareAndSetStore store, String key, String id, Duration ttl) {
        this.store = Objects.requireNonNull(store, "store");
        this.key = key;
        this.id = id.getBytes(StandardCharsets.UTF_8);
        this.ttl = ttl;
    }

    /** Takes the lease when nobody holds it: {@code true} when this instance holds it now. */
    Mono<Boolean> tryAcquire() {
        return store.getOrLease(key, ttl).flatMap(found -> switch (found.kind()) {
            case HIT -> Mono.just(Arrays.equals(found.value(), id));
            case LEASE_HELD -> Mono.just(false);
            case LEASE_WON -> store.fill(key, found.token(), id, ttl);
        });
    }

    /** Renews the lease for another time to live: {@code false} when this instance no longer holds it. */
    Mono<Boolean> renew() {
        return store.replace(key, id, id, ttl);
    }

    /**
     * Gives the lease up so another instance takes over at once; call it only while the lease was
     * renewed recently (well within its time to live), as a delete cannot compare the holder.
     */
    Mono<Boolean> release() {
        return store.get(key).flatMap(v -> Arrays.equals(v, id) ? store.delete(key) : Mono.just(false))
                .defaultIfEmpty(false);
    }

    String key() {
        return key;
    }
}
