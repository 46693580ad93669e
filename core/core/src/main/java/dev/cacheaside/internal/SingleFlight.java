package dev.cacheaside.internal;

import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

/**
 * The loads in flight in this instance, one per key: a miss joins the key's load or starts it,
 * so concurrent misses on one key run one load and every caller gets its outcome.
 *
 * <p>A load runs on its own subscription, so no caller's cancel cancels it, with the Reactor
 * Context of the caller that started it. It leaves the registry when it ends, whatever its
 * outcome. A load older than {@link EngineSettings#leaseTtl()} is never joined (a JVM-fatal
 * error thrown past its subscriber may leave it never ending): the next miss starts another,
 * which adopts the old one's callers. An invalidation {@linkplain #forget forgets} a key's load,
 * marking it so that it does not write what it read. Thread safe.
 */
public final class SingleFlight {

    /** Logs under the facade's name, which applications configure. */
    private static final Logger log = EngineLog.logger();

    private final ConcurrentHashMap<String, Load> loads = new ConcurrentHashMap<>();
    private final EngineSettings options;
    private final Counters counters;

    public SingleFlight(EngineSettings options, Counters counters) {
        this.options = options;
        this.counters = counters;
    }

    /** The outcome of the load in flight for {@code key}, joined; null when there is none to join. */
    Mono<Served> join(String key) {
        Load inFlight = loads.get(key);
        if (inFlight != null && joinable(inFlight)) {
            return inFlight.join(counters);
        }
        return null;
    }

    /**
     * Joins the load in flight for {@code call}'s key or, when there is none to join, registers a
     * new one and runs {@code work} for it.
     *
     * @param work     what the load does, given the load (its {@link Load#invalidated} flag)
     * @param ifThrown run when the work throws on subscription instead of signalling; may be null
     */
    Mono<Served> joinOrStart(Call call, Function<Load, Mono<Served>> work, Runnable ifThrown) {
        String key = call.key();
        Load fresh = new Load(call.tables(), options.nanoTime().getAsLong());
        for (;;) {
            Load existing = loads.putIfAbsent(key, fresh);
            if (existing == null) {
                break;
            }
            if (joinable(existing)) {
                return existing.join(counters);
            }
            if (loads.replace(key, existing, fresh)) {
                // a load older than the lease TTL may be dead (an Error thrown past its
                // subscriber leaves no signal): run a new one and give its callers the result
                log.warn("the load of {} has run longer than the lease TTL {}; starting another", key, options.leaseTtl());
                fresh.adopt(existing);
                break;
            }
        }
        return run(key, fresh, work.apply(fresh), ifThrown);
    }

    /**
     * Starts a load that this caller must run itself (it holds the lease); when {@code register},
     * it replaces the key's load in flight (whose callers it adopts, unless it was invalidated)
     * and later callers join it.
     */
    Mono<Served> start(Call call, boolean register, Function<Load, Mono<Served>> work, Runnable ifThrown) {
        String key = call.key();
        Load fresh = new Load(call.tables(), options.nanoTime().getAsLong());
        if (register) {
            Load replaced = loads.put(key, fresh);
            if (replaced != null && !replaced.invalidated) {
                // callers here waiting on another's lease get this load's rows as soon as it ends
                fresh.adopt(replaced);
            }
        }
        return run(key, fresh, work.apply(fresh), ifThrown);
    }

    private Mono<Served> run(String key, Load load, Mono<Served> work, Runnable ifThrown) {
        // the load runs on its own subscription, so no subscriber's cancel can cancel it; it runs
        // with the Context of the caller that started it (trace ids, MDC), so the database
        // driver sees what that caller wrote with contextWrite. The returned Mono is subscribed
        // at once by the flatMap that called this method, which starts the load.
        return Mono.deferContextual(callerContext -> {
            try {
                load.subscription = work.contextWrite(callerContext).subscribe(served -> {
                    loads.remove(key, load);
                    load.complete(served);
                }, error -> {
                    loads.remove(key, load);
                    load.fail(error);
                });
            } catch (Throwable e) {
                // Reactor rethrows JVM-fatal errors (Exceptions.throwIfJvmFatal) instead of signalling
                // them: the work threw on this thread, so nobody else will end this load
                loads.remove(key, load);
                if (ifThrown != null) {
                    ifThrown.run();
                }
                log.warn("the load of {} failed with {}", key, e.toString());
                load.fail(e);
            }
            return load.sink.asMono();
        });
    }

    /**
     * Whether a new caller may share {@code load}: only while it is younger than the lease TTL,
     * the longest a load is trusted to hold its key in any instance. An older one may never end
     * (a JVM-fatal error thrown past its subscriber), so a key can never stay dead behind it.
     */
    private boolean joinable(Load load) {
        return options.nanoTime().getAsLong() - load.startedNanos < options.leaseTtl().toNanos();
    }

    /** Removes the load of {@code key}, marked so that it does not write what it read (an invalidation came). */
    void forget(String key) {
        Load pending = loads.remove(key);
        if (pending != null) {
            pending.invalidated = true;
        }
    }

    /** Removes, marked like {@link #forget}, every load whose query reads any of {@code tables}. */
    void forgetReading(Set<String> tables) {
        loads.forEach((key, load) -> {
            if (!Collections.disjoint(load.tables, tables) && loads.remove(key, load)) {
                load.invalidated = true;
            }
        });
    }

    /** Ends every load in flight with an error of its own from {@code error}, cancelling its work. */
    public void closeAll(Supplier<? extends RuntimeException> error) {
        loads.forEach((key, load) -> {
            if (loads.remove(key, load)) {
                Disposable subscription = load.subscription;
                if (subscription != null) {
                    subscription.dispose();
                }
                load.sink.tryEmitError(error.get());
            }
        });
    }

    /** The number of loads in flight. */
    public int size() {
        return loads.size();
    }

    /** How many callers share the load in flight for {@code key} (0 when none). */
    public int callersOf(String key) {
        Load load = loads.get(key);
        return load == null ? 0 : load.callers.get();
    }

    /** One load in flight, shared by every concurrent miss of its key in this instance. */
    static final class Load {
        final Sinks.One<Served> sink = Sinks.one();
        final AtomicInteger callers = new AtomicInteger(1);
        final Set<String> tables;
        /** When the load started, on {@link EngineSettings#nanoTime()}. */
        final long startedNanos;
        volatile Disposable subscription;
        /** Set when an invalidation came during the load: it must not write what it read. */
        volatile boolean invalidated;

        private final List<Load> adopted = new CopyOnWriteArrayList<>();

        Load(Set<String> tables, long startedNanos) {
            this.tables = tables;
            this.startedNanos = startedNanos;
        }

        /** Takes over {@code other}'s callers: they get this load's outcome, and its own work stops. */
        void adopt(Load other) {
            callers.addAndGet(other.callers.get());
            adopted.add(other);
            // its callers now wait on this load: stop its own polling
            Disposable subscription = other.subscription;
            if (subscription != null) {
                subscription.dispose();
            }
        }

        void complete(Served served) {
            sink.tryEmitValue(served);
            for (Load other : adopted) {
                Disposable subscription = other.subscription;
                if (subscription != null) {
                    subscription.dispose();
                }
                other.complete(served);
            }
        }

        void fail(Throwable error) {
            sink.tryEmitError(error);
            for (Load other : adopted) {
                Disposable subscription = other.subscription;
                if (subscription != null) {
                    subscription.dispose();
                }
                other.fail(error);
            }
        }

        Mono<Served> join(Counters counters) {
            callers.incrementAndGet();
            counters.coalesced.increment();
            return sink.asMono();
        }
    }
}
