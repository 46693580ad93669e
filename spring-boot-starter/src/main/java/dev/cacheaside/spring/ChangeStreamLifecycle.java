package dev.cacheaside.spring;

import dev.cacheaside.debezium.ChangeStreamConsumer;
import dev.cacheaside.spi.CacheStore;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import reactor.core.publisher.Mono;

/**
 * Runs the starter's {@link ChangeStreamConsumer} with the application: started after the cache
 * connection opened ({@link CacheAsideConnector}'s phase + 1, before the web server), stopped
 * before it, and so before the {@code CacheAside} bean and its store close. Stopping closes the
 * consumer (its engine stopped, its lease released) and then the lease store when the starter
 * opened one of its own for it. Thread safe.
 */
final class ChangeStreamLifecycle implements SmartLifecycle, ChangeStreamStatus {

    /** After {@link CacheAsideConnector#PHASE}: a higher phase starts later and stops earlier. */
    static final int PHASE = CacheAsideConnector.PHASE + 1;

    private static final Logger log = LoggerFactory.getLogger(ChangeStreamLifecycle.class);

    private final ChangeStreamConsumer consumer;
    private final CacheStore ownStore;
    private final Duration stopTimeout;
    private volatile boolean running;

    /**
     * @param ownStore    a lease store opened for the consumer alone (closed after it), or null
     *                    when the lease lives in the {@code CacheAside}'s own store
     * @param stopTimeout the longest {@link #stop()} waits for the engine to close
     */
    ChangeStreamLifecycle(ChangeStreamConsumer consumer, CacheStore ownStore, Duration stopTimeout) {
        this.consumer = consumer;
        this.ownStore = ownStore;
        this.stopTimeout = stopTimeout;
    }

    @Override
    public void start() {
        consumer.start();
        running = true;
        log.info("change-stream invalidation started: {}", consumer);
    }

    @Override
    public void stop(Runnable callback) {
        running = false;
        closing().subscribe(null, e -> {
            log.warn("closing the change-stream consumer failed: {}", e.toString());
            callback.run();
        }, callback);
    }

    @Override
    public void stop() {
        running = false;
        try {
            closing().block(stopTimeout);
        } catch (RuntimeException e) {
            log.warn("closing the change-stream consumer failed: {}", e.toString());
        }
    }

    private Mono<Void> closing() {
        Mono<Void> closeStore = ownStore == null ? Mono.empty()
                : Mono.defer(ownStore::closeAsync).onErrorResume(e -> Mono.empty());
        return consumer.closeAsync().then(closeStore);
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    @Override
    public int getPhase() {
        return PHASE;
    }

    ChangeStreamConsumer consumer() {
        return consumer;
    }

    @Override
    public String status() {
        return consumer.status().name();
    }

    @Override
    public boolean leading() {
        return consumer.leading();
    }

    @Override
    public long invalidations() {
        return consumer.invalidations();
    }

    @Override
    public long conservativeInvalidations() {
        return consumer.conservativeInvalidations();
    }

    @Override
    public long leaderships() {
        return consumer.leaderships();
    }

    @Override
    public long sourceFailures() {
        return consumer.sourceFailures();
    }

    @Override
    public String lastError() {
        Throwable e = consumer.lastError();
        return e == null ? null : e.getClass().getName();
    }

    @Override
    public String toString() {
        return "ChangeStreamLifecycle[" + consumer + "]";
    }
}
