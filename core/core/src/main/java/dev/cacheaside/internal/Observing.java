package dev.cacheaside.internal;

import dev.cacheaside.spi.CacheObserver;
import dev.cacheaside.spi.CacheObserver.Operation;
import dev.cacheaside.spi.CacheObserver.Watch;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import reactor.core.publisher.Mono;

/**
 * Wraps an operation's {@link Mono} in a {@link CacheObserver}'s watch: started at subscription
 * with the subscriber's Context, the source run in the watch's inner Context, and the watch ended
 * once, by the first of value or empty, error and cancel.
 */
public final class Observing {

    private Observing() {
    }

    /**
     * {@code source} watched by {@code observer} as {@code operation}; {@code source} itself when
     * {@code observer} is null.
     */
    public static <T> Mono<T> watch(CacheObserver observer, Operation operation, String key, Set<String> tables,
                                    Mono<T> source) {
        if (observer == null) {
            return source;
        }
        return Mono.deferContextual(context -> {
            Watch watch = observer.start(operation, key, tables, context);
            AtomicBoolean ended = new AtomicBoolean();
            return source.contextWrite(watch::inner)
                    .doOnSuccess(value -> {
                        if (ended.compareAndSet(false, true)) {
                            watch.succeeded(null);
                        }
                    })
                    .doOnError(e -> {
                        if (ended.compareAndSet(false, true)) {
                            watch.failed(e);
                        }
                    })
                    .doOnCancel(() -> {
                        if (ended.compareAndSet(false, true)) {
                            watch.cancelled();
                        }
                    });
        });
    }

    /** The lowercase name of what a query was answered from, as {@link Watch#succeeded} reports it. */
    public static String tier(Origin origin) {
        return switch (origin) {
            case CACHE_HIT -> "hit";
            case NEAR_HIT -> "near_hit";
            case CACHE_STALE -> "stale";
            case CACHE_MISS -> "miss";
        };
    }

    /** What a cache read found, as {@link Watch#succeeded} reports it. */
    static String found(Found.Kind kind) {
        return switch (kind) {
            case HIT -> "hit";
            case ABSENT -> "absent";
            case WON -> "lease_won";
            case HELD -> "lease_held";
            case UNREACHABLE -> "unreachable";
        };
    }
}
