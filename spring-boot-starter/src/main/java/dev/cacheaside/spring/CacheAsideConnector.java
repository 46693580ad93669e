package dev.cacheaside.spring;

import dev.cacheaside.CacheAside;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

/**
 * Opens the cache connection as part of the application's start, before the web server takes
 * requests: {@link CacheAside#connect(Duration)} bounded by the instance's
 * {@linkplain dev.cacheaside.CacheAsideOptions#connectTimeout() connect timeout}
 * ({@code cacheaside.connect-timeout}, 5 s by default). A cache that does not answer in time is
 * logged once (WARN) and never fails the start: queries go to the database until it answers.
 */
final class CacheAsideConnector implements SmartLifecycle {

    /** Before Spring Boot's web server starts (its phase is {@code DEFAULT_PHASE - 2048}). */
    static final int PHASE = SmartLifecycle.DEFAULT_PHASE - 4096;

    private static final Logger log = LoggerFactory.getLogger(CacheAsideConnector.class);

    private final CacheAside cacheAside;
    private volatile boolean running;
    private volatile Boolean connected;

    CacheAsideConnector(CacheAside cacheAside) {
        this.cacheAside = cacheAside;
    }

    @Override
    public void start() {
        running = true;
        if (cacheAside == null) {
            return;
        }
        Duration within = cacheAside.options().connectTimeout();
        // connect() never errors and ends by its own deadline; the extra second only guards a store that ignores cancel
        Boolean answered = cacheAside.connect(within).block(within.plusSeconds(1));
        connected = Boolean.TRUE.equals(answered);
        if (!connected) {
            log.warn("the cache did not answer within {} at start; queries go to the database until it does", within);
        }
    }

    /** Whether the cache answered at start; null before {@link #start()} or without a single CacheAside bean. */
    Boolean connected() {
        return connected;
    }

    @Override
    public void stop() {
        running = false;
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    @Override
    public int getPhase() {
        return PHASE;
    }
}
