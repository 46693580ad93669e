package dev.cacheaside.debezium;

import dev.cacheaside.spi.ChangeSink;
import dev.cacheaside.spi.ChangeSource;
import dev.cacheaside.spi.CompareAndSetStore;
import java.time.Duration;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * Runs one {@link ChangeSource} per deployment: every instance runs a consumer, and the one that
 * holds the leader lease in the shared cache ({@link Builder#leaseKey}) runs the source; the
 * others stand by. The leader renews its lease every third of {@link Builder#leaseTtl}; when it
 * cannot renew for two thirds of it, it stops its source (before the lease can expire, so two
 * sources never overlap while the cache answers); when it dies, its lease expires and another
 * instance takes over within the lease's time to live plus one renewal period. A leader whose
 * lease lapsed (its renewals came too late) takes it again when nobody else took it meanwhile, and
 * its source goes on ({@link #leaseLapses()}); when another holds it, it stops its source. A source that
 * fails is started again after {@link Builder#retryBackoff} while this instance leads; it
 * resumes from its stored position.
 *
 * <p>{@link #status()} says whether a source runs here, for health checks and metrics. Timers run
 * on {@link Schedulers#parallel()}, stopping a source (which blocks until its engine closed) on
 * {@link Schedulers#boundedElastic()}: nothing here blocks an event loop. Thread safe.
 */
public final class ChangeStreamConsumer implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ChangeStreamConsumer.class);

    /** Whether a change source runs in this instance. */
    public enum Status {
        /** Not started, or closed. */
        STOPPED,
        /** Another instance holds the lease (or none could be taken yet): no source runs here. */
        STANDBY,
        /** This instance holds the lease and its source streams changes. */
        RUNNING,
        /** This instance holds the lease but its source failed; it is started again after the backoff. */
        FAILED
    }

    public static final Duration DEFAULT_LEASE_TTL = Duration.ofSeconds(10);
    public static final Duration DEFAULT_RETRY_BACKOFF = Duration.ofSeconds(1);

    private final ChangeSource source;
    private final ChangeSink sink;
    private final LeaderLease lease;
    private final Duration leaseTtl;
    private final Duration retryBackoff;
    private final Scheduler timer;
    private final LongSupplier nanoTime = System::nanoTime;
    private final String instanceId;

    private final AtomicLong invalidations = new AtomicLong();
    private final AtomicLong conservativeInvalidations = new AtomicLong();
    private final AtomicLong sourceFailures = new AtomicLong();
    private final AtomicLong leaderships = new AtomicLong();
    private final AtomicLong leaseLapses = new AtomicLong();

    private volatile Status status = Status.STOPPED;
    private volatile boolean leading;
    private volatile long lastRenewed;
    private volatile long retryAt;
    private volatile Disposable run;
    private volatile boolean runEnded = true;
    private volatile Throwable lastError;
    private volatile Disposable loop;

    private ChangeStreamConsumer(Builder b) {
        this.source = b.source;
        this.leaseTtl = b.leaseTtl;
        this.retryBackoff = b.retryBackoff;
        this.timer = b.timer;
        this.instanceId = b.instanceId;
        this.lease = new LeaderLease(b.store, b.leaseKey, instanceId, leaseTtl);
        ChangeSink target = b.sink;
        this.sink = changes -> target.accept(changes).doOnSuccess(v -> {
            invalidations.incrementAndGet();
            if (changes.conservative()) {
                conservativeInvalidations.incrementAndGet();
            }
        });
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Starts taking part in the election; idempotent. Returns at once. */
    public synchronized ChangeStreamConsumer start() {
        if (loop == null) {
            status = Status.STANDBY;
            Duration period = leaseTtl.dividedBy(3);
            loop = Flux.interval(Duration.ZERO, period, timer)
                    .onBackpressureDrop()
                    .concatMap(tick -> step(period).onErrorResume(e -> {
                        log.warn("change stream consumer step failed: {}", e.toString());
                        return Mono.empty();
                    }), 1)
                    .subscribe();
        }
        return this;
    }

    private Mono<Void> step(Duration period) {
        if (leading) {
            // 1: renewed, 0: another holds the lease (or none does), -1: the store did not answer
            return lease.renew().map(held -> held ? 1 : 0).timeout(period).onErrorReturn(-1).flatMap(outcome -> {
                long now = nanoTime.getAsLong();
                if (outcome == 1) {
                    lastRenewed = now;
                    if (runEnded && now - retryAt >= 0) {
                        startSource();
                    }
                    return Mono.empty();
                }
                if (outcome == 0) {
                    return retakeOrStepDown(period);
                }
                if (now - lastRenewed > leaseTtl.toNanos() * 2 / 3) {
                    log.warn("change stream consumer {} could not renew its lease {} for two thirds of its TTL;"
                            + " stopping its source", instanceId, lease.key());
                    return stepDown();
                }
                return Mono.empty();
            });
        }
        return lease.tryAcquire().timeout(period).onErrorReturn(false).flatMap(won -> {
            if (won) {
                leading = true;
                lastRenewed = nanoTime.getAsLong();
                leaderships.incrementAndGet();
                log.info("change stream consumer {} leads ({}); starting {}", instanceId, lease.key(), source.description());
                startSource();
            }
            return Mono.empty();
        });
    }

    /**
     * The renewal found the lease not ours. Either another instance took it (it runs the source
     * now: stop ours), or it lapsed: it expired because this instance's renewals reached the store
     * too late (a pause of this process, of the host or of the store longer than the TTL's slack)
     * and nobody took it meanwhile. Then no other instance started a source since it expired (one
     * starts only after taking the lease), so this one takes the lease again and its source goes
     * on: stopping it and starting it again would leave the stream unread for seconds (a stop, the
     * start's checks, the resume from the stored position) for nothing.
     */
    private Mono<Void> retakeOrStepDown(Duration period) {
        return lease.tryAcquire().timeout(period).onErrorReturn(false).flatMap(retaken -> {
            if (retaken) {
                lastRenewed = nanoTime.getAsLong();
                leaseLapses.incrementAndGet();
                log.warn("change stream consumer {}: its lease {} had lapsed (renewals too late) and nobody held it;"
                        + " took it again, its source goes on", instanceId, lease.key());
                return Mono.empty();
            }
            log.warn("change stream consumer {} lost its lease {}; stopping its source", instanceId, lease.key());
            return stepDown();
        });
    }

    private synchronized void startSource() {
        if (loop == null) {
            return; // closed meanwhile
        }
        runEnded = false;
        status = Status.RUNNING;
        run = source.run(sink).subscribeOn(Schedulers.boundedElastic()).subscribe(v -> { }, e -> {
            sourceFailures.incrementAndGet();
            lastError = e;
            log.warn("change source failed; starting it again in {}: {}", retryBackoff, e.toString());
            retryAt = nanoTime.getAsLong() + retryBackoff.toNanos();
            runEnded = true;
            if (leading) {
                status = Status.FAILED;
            }
        }, () -> {
            retryAt = nanoTime.getAsLong() + retryBackoff.toNanos();
            runEnded = true;
        });
    }

    /** Stops the source (waiting for its engine to close, off the event loops) and stands by. */
    private Mono<Void> stepDown() {
        leading = false;
        status = Status.STANDBY;
        return stopSource();
    }

    private Mono<Void> stopSource() {
        Disposable r = run;
        run = null;
        runEnded = true;
        return r == null ? Mono.empty() : Mono.fromRunnable(r::dispose).subscribeOn(Schedulers.boundedElastic()).then();
    }

    /** Whether a source runs here. */
    public Status status() {
        return status;
    }

    /** Whether this instance holds the leader lease. */
    public boolean leading() {
        return leading;
    }

    /** This instance's id in the lease. */
    public String instanceId() {
        return instanceId;
    }

    /** The number of invalidations delivered by this instance's source (conservative ones included). */
    public long invalidations() {
        return invalidations.get();
    }

    /** The number of conservative invalidations (of every watched table) this instance's source made. */
    public long conservativeInvalidations() {
        return conservativeInvalidations.get();
    }

    /** How many times this instance took the lease. */
    public long leaderships() {
        return leaderships.get();
    }

    /**
     * How many times this instance, leading, found its lease lapsed (expired, its renewals too
     * late, and nobody else holding it) and took it again without stopping its source.
     */
    public long leaseLapses() {
        return leaseLapses.get();
    }

    /** How many times this instance's source failed. */
    public long sourceFailures() {
        return sourceFailures.get();
    }

    /** The last failure of the source here, or null. */
    public Throwable lastError() {
        return lastError;
    }

    /**
     * Stops: the source is stopped (its engine closed), then the lease is released when it was
     * renewed recently, so another instance takes over at once. Idempotent.
     */
    public Mono<Void> closeAsync() {
        return Mono.defer(() -> {
            Disposable l;
            synchronized (this) {
                l = loop;
                loop = null;
            }
            if (l == null) {
                return Mono.empty();
            }
            l.dispose();
            boolean wasLeading = leading;
            boolean fresh = nanoTime.getAsLong() - lastRenewed < leaseTtl.toNanos() / 2;
            leading = false;
            status = Status.STOPPED;
            Mono<Void> release = wasLeading && fresh ? lease.release().onErrorReturn(false).then() : Mono.empty();
            return stopSource().then(release);
        });
    }

    /** Blocking twin of {@link #closeAsync()}; never call it on an event-loop thread. */
    @Override
    public void close() {
        closeAsync().block();
    }

    /** For tests: dies as a killed process would, its source stopped and its lease left to expire. */
    Mono<Void> abandon() {
        return Mono.defer(() -> {
            Disposable l;
            synchronized (this) {
                l = loop;
                loop = null;
            }
            if (l != null) {
                l.dispose();
            }
            leading = false;
            status = Status.STOPPED;
            return stopSource();
        });
    }

    @Override
    public String toString() {
        return "ChangeStreamConsumer[" + instanceId + " " + status + " lease=" + lease.key() + "]";
    }

    /** Builds a {@link ChangeStreamConsumer}; not thread safe. */
    public static final class Builder {
        private ChangeSource source;
        private ChangeSink sink;
        private CompareAndSetStore store;
        private String leaseKey;
        private Duration leaseTtl = DEFAULT_LEASE_TTL;
        private Duration retryBackoff = DEFAULT_RETRY_BACKOFF;
        private Scheduler timer = Schedulers.parallel();
        private String instanceId = UUID.randomUUID().toString();

        private Builder() {
        }

        /** The change source the leader runs; required. */
        public Builder source(ChangeSource source) { this.source = source; return this; }
        /** Where changes go, usually {@code CacheAside.changeSink()}; required. */
        public Builder sink(ChangeSink sink) { this.sink = sink; return this; }
        /** The shared cache the lease lives in (every store of this library qualifies); required. */
        public Builder leaseStore(CompareAndSetStore store) { this.store = store; return this; }
        /** The lease's key, the same in every instance of a deployment (for example prefix + "cdc-leader:" + name); required. */
        public Builder leaseKey(String key) { this.leaseKey = key; return this; }
        /** The lease's time to live: the longest a dead leader's absence lasts before another takes over. */
        public Builder leaseTtl(Duration ttl) { this.leaseTtl = ttl; return this; }
        /** The pause before a failed source is started again. */
        public Builder retryBackoff(Duration backoff) { this.retryBackoff = backoff; return this; }
        /** The scheduler of the lease timer. */
        public Builder timer(Scheduler timer) { this.timer = timer; return this; }
        /** This instance's id in the lease; a random UUID by default. */
        public Builder instanceId(String id) { this.instanceId = id; return this; }

        /**
         * The consumer, not started.
         *
         * @throws IllegalArgumentException naming what is missing or invalid
         */
        public ChangeStreamConsumer build() {
            if (source == null || sink == null || store == null) {
                throw new IllegalArgumentException("source, sink and leaseStore must be set");
            }
            if (leaseKey == null || leaseKey.isBlank() || leaseKey.length() > 200 || leaseKey.contains(" ")) {
                throw new IllegalArgumentException("leaseKey must be 1..200 characters without spaces, was '" + leaseKey + "'");
            }
            if (leaseTtl == null || leaseTtl.compareTo(Duration.ofSeconds(3)) < 0) {
                throw new IllegalArgumentException("leaseTtl must be at least 3s (stores count in seconds), was " + leaseTtl);
            }
            if (retryBackoff == null || retryBackoff.isNegative()) {
                throw new IllegalArgumentException("retryBackoff must not be negative, was " + retryBackoff);
            }
            Objects.requireNonNull(timer, "timer");
            Objects.requireNonNull(instanceId, "instanceId");
            return new ChangeStreamConsumer(this);
        }
    }
}
