package dev.cacheaside.internal;

import dev.cacheaside.spi.CacheStore;
import java.time.Duration;
import org.slf4j.Logger;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.util.retry.Retry;

/**
 * Opens a cache store's connections ahead of the first query by probing it: a read of a key that
 * holds nothing, straight to the store (no circuit breaker, no timing), repeated until one
 * answers or the time given has passed.
 */
public final class StoreProbe {

    /** Logs under the facade's name, which applications configure. */
    private static final Logger log = EngineLog.logger();

    private StoreProbe() {
    }

    /**
     * Probes {@code cache} (each probe bounded by a second, or {@code within} when shorter) until
     * one answers or {@code within} has passed.
     *
     * @return a {@link Mono} of {@code true} once the cache answers, {@code false} when it did not
     *     answer in time; it never errors
     */
    public static Mono<Boolean> connect(CacheStore cache, EngineSettings options, Duration within) {
        String probe = options.keyPrefix() + "connect-probe";
        Duration perProbe = within.compareTo(Duration.ofSeconds(1)) < 0 ? within : Duration.ofSeconds(1);
        return Mono.defer(() -> {
            long deadline = options.nanoTime().getAsLong() + within.toNanos();
            return Mono.defer(() -> cache.get(probe))
                    .timeout(perProbe, options.scheduler())
                    .then(Mono.just(true))
                    .retryWhen(Retry.fixedDelay(Long.MAX_VALUE, Duration.ofMillis(50)).scheduler(options.scheduler())
                            .filter(e -> options.nanoTime().getAsLong() < deadline))
                    .onErrorReturn(false);
        });
    }

    /**
     * Runs {@code connecting} (a {@link #connect} within {@link EngineSettings#connectTimeout()})
     * as part of a start: a cache that does not answer in time is logged once (WARN) and never
     * fails the start. On a thread that must not block (an event loop) it runs in
     * {@code background} instead of being waited for.
     */
    public static void atStart(CacheStore cache, EngineSettings options, Mono<Boolean> connecting,
                               BackgroundTasks background) {
        Duration within = options.connectTimeout();
        Mono<Boolean> logged = connecting.doOnNext(connected -> {
            if (!connected) {
                log.warn("the cache ({}) did not answer within {} at start; queries go to the database until it does",
                        cache, within);
            }
        });
        if (Schedulers.isInNonBlockingThread()) {
            background.run(logged);
            return;
        }
        // connect() never errors and ends by its own deadline; the extra second only guards a store that ignores cancel
        logged.block(within.plusSeconds(1));
    }
}
