package dev.cacheaside.internal;

import dev.cacheaside.spi.CacheObserver;
import java.time.Duration;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import java.util.concurrent.atomic.AtomicReferenceFieldUpdater;
import org.reactivestreams.Subscription;
import reactor.core.CoreSubscriber;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Operators;

/**
 * The cache read of a query and, for a hit, its answer, as one subscriber per query: the read of
 * {@link LeaseProtocol#read}, guarded as {@link GuardedStore} guards a read (the cache timeout
 * unless the store bounds its reads itself, the circuit breaker, the recorder of timings), and
 * what it found as {@link LeaseProtocol#lookup} would report it. A hit that decodes is served
 * there and then ({@link QueryEngine#served}: stale while revalidating, or fresh and perhaps
 * refreshed early); anything else is handed to {@link QueryEngine#answer}, whose outcome the
 * subscriber relays. So a hit costs the store's own {@link Mono}, this subscriber and its result,
 * and no chain of operators.
 *
 * <p>The read starts at subscription and ends once: with its value, empty, with an error, at the
 * timeout, or when the subscriber cancels (which cancels the read, hands its permission back to
 * the breaker, and cancels whatever {@link QueryEngine#answer} started, as a {@code flatMap}
 * would). Like {@link LeaseProtocol#lookup} it never errors itself: a failed read is
 * {@link Found#UNREACHABLE}, answered by the database; only the answer's error reaches the
 * subscriber. The store and the answer see the subscriber's {@link reactor.util.context.Context}.
 * With a {@link CacheObserver}, the read is watched as {@link CacheObserver.Operation#CACHE_READ}
 * (the store reads in the watch's inner Context; the answer still in the subscriber's); without
 * one, nothing is allocated for it. Thread safe; one instance per engine.
 */
final class HitPath {

    private final QueryEngine engine;
    private final GuardedStore store;
    private final LeaseProtocol leases;
    private final EngineSettings options;
    /** Watches each read, or null. */
    private final CacheObserver observer;

    HitPath(QueryEngine engine, GuardedStore store, LeaseProtocol leases, EngineSettings options,
            CacheObserver observer) {
        this.observer = observer;
        this.engine = engine;
        this.store = store;
        this.leases = leases;
        this.options = options;
    }

    /** The answer to {@code call} through the cache; nothing happens until subscription. */
    Mono<Served> read(Call call) {
        return Read.of(this, call);
    }

    /** One query's read, lazy; each subscription reads again. */
    private static final class Read extends Mono<Served> {

        private final HitPath path;
        private final Call call;

        private Read(HitPath path, Call call) {
            this.path = path;
            this.call = call;
        }

        /** The read, passed through the assembly hooks as Reactor's own operators are. */
        static Mono<Served> of(HitPath path, Call call) {
            return onAssembly(new Read(path, call));
        }

        @Override
        public void subscribe(CoreSubscriber<? super Served> actual) {
            Reader reader = path.new Reader(actual, call);
            actual.onSubscribe(reader);
            reader.start();
        }
    }

    /**
     * The subscriber to the store's read and the subscription of the query's subscriber.
     * {@link #readState} decides which of value, empty, error, timeout and cancel ends the read.
     */
    private final class Reader extends Operators.MonoSubscriber<Object, Served> {

        private static final int IDLE = 0;
        private static final int READING = 1;
        private static final int ENDED = 2;

        private final Call call;
        /** {@link Recorder#NONE}, or the recorder installed when the read began. */
        private Recorder recorder = Recorder.NONE;
        /** When the read began, on the options' clock, for the recorder. */
        private long recordStart;
        /** When the breaker let the read through, on {@link System#nanoTime()}. */
        private long breakerStart;
        private Duration limit;
        /** The near tier's placeholder for this read, or null. */
        private NearTier.Pending pending;
        /** The observer's watch of this read, or null; ended (and cleared) with the read. */
        private CacheObserver.Watch watch;
        /** The Context the store reads in: the watch's inner one, or null for the subscriber's. */
        private reactor.util.context.Context readContext;

        /** {@link #IDLE} until the breaker lets the read through, then {@link #READING}, then {@link #ENDED}. */
        volatile int readState;
        static final AtomicIntegerFieldUpdater<Reader> READ_STATE =
                AtomicIntegerFieldUpdater.newUpdater(Reader.class, "readState");
        /** The store's subscription, once it is there. */
        volatile Subscription read;
        volatile Disposable timer;
        /** The subscription to the answer of a read that was not a served hit. */
        volatile Subscription answer;
        static final AtomicReferenceFieldUpdater<Reader, Subscription> ANSWER =
                AtomicReferenceFieldUpdater.newUpdater(Reader.class, Subscription.class, "answer");

        Reader(CoreSubscriber<? super Served> actual, Call call) {
            super(actual);
            this.call = call;
        }

        /** Begins the read, as {@link GuardedStore} begins a guarded one. */
        void start() {
            if (isCancelled()) {
                return;
            }
            if (observer != null) {
                watch = observer.start(CacheObserver.Operation.CACHE_READ, call.key(), call.tables(),
                        actual.currentContext());
                readContext = watch.inner(actual.currentContext());
            }
            Recorder r = store.recorder();
            if (r != Recorder.NONE) {
                recorder = r;
                recordStart = options.nanoTime().getAsLong();
            }
            if (!store.permitRead()) {
                readState = ENDED;
                failed(store.readRefused());
                return;
            }
            breakerStart = System.nanoTime();
            limit = store.readLimit();
            // the near tier's placeholder goes in before the read is sent (and before a cancel can see it)
            pending = engine.nearBegin(call);
            readState = READING;
            if (isCancelled()) {
                // cancelled while the read was being permitted
                if (READ_STATE.compareAndSet(this, READING, ENDED)) {
                    engine.nearAbandon(call, pending);
                    store.readAbandoned();
                    record(true);
                    watchCancelled();
                }
                return;
            }
            Mono<?> source;
            try {
                source = leases.read(call.key());
            } catch (Throwable e) {
                // as Mono.defer signals a supplier that throws
                if (READ_STATE.compareAndSet(this, READING, ENDED)) {
                    Throwable error = Operators.onOperatorError(e, currentContext());
                    store.readEnded(breakerStart, error);
                    failed(error);
                }
                return;
            }
            source.subscribe(this);
            if (limit != null && readState == READING) {
                schedule(limit);
            }
        }

        private void schedule(Duration limit) {
            Disposable t;
            try {
                t = options.scheduler().schedule(this::timedOut, limit.toNanos(), TimeUnit.NANOSECONDS);
            } catch (RejectedExecutionException e) {
                if (READ_STATE.compareAndSet(this, READING, ENDED)) {
                    cancelRead();
                    store.readEnded(breakerStart, e);
                    failed(Operators.onRejectedExecution(e, currentContext()));
                }
                return;
            }
            timer = t;
            if (readState != READING) {
                // the read ended while the timer was being set
                t.dispose();
            }
        }

        @Override
        public reactor.util.context.Context currentContext() {
            reactor.util.context.Context c = readContext;
            return c != null ? c : actual.currentContext();
        }

        @Override
        public void onSubscribe(Subscription s) {
            if (!Operators.validate(read, s)) {
                return;
            }
            read = s;
            if (readState != READING) {
                // cancelled or timed out before the store's subscription arrived
                s.cancel();
                return;
            }
            s.request(Long.MAX_VALUE);
        }

        @Override
        public void onNext(Object value) {
            if (!READ_STATE.compareAndSet(this, READING, ENDED)) {
                Operators.onNextDropped(value, currentContext());
                return;
            }
            answered(value);
        }

        @Override
        public void onComplete() {
            if (READ_STATE.compareAndSet(this, READING, ENDED)) {
                answered(null);
            }
        }

        @Override
        public void onError(Throwable e) {
            if (!READ_STATE.compareAndSet(this, READING, ENDED)) {
                Operators.onErrorDropped(e, currentContext());
                return;
            }
            stopTimer();
            store.readEnded(breakerStart, e);
            failed(e);
        }

        /** The timer went off first: the read is cancelled and fails as Reactor's {@code timeout} fails it. */
        private void timedOut() {
            if (!READ_STATE.compareAndSet(this, READING, ENDED)) {
                return;
            }
            cancelRead();
            TimeoutException e = new TimeoutException("Did not observe any item or terminal signal within "
                    + limit.toMillis() + "ms in 'cache read' (and no fallback has been configured)");
            store.readEnded(breakerStart, e);
            failed(e);
        }

        @Override
        public void cancel() {
            super.cancel();
            if (READ_STATE.compareAndSet(this, READING, ENDED)) {
                stopTimer();
                cancelRead();
                store.readAbandoned();
                record(true);
                watchCancelled();
                engine.nearAbandon(call, pending);
            }
            Operators.terminate(ANSWER, this);
        }

        /** The read answered with {@code value} (null: empty). */
        private void answered(Object value) {
            stopTimer();
            store.readEnded(breakerStart, null);
            record(true);
            Found found = leases.answered(call.key(), value);
            CacheObserver.Watch w = watch;
            if (w != null) {
                watch = null;
                w.succeeded(Observing.found(found.kind));
            }
            proceed(found);
        }

        /** The read failed with {@code e} (the breaker has seen it, unless it refused the read). */
        private void failed(Throwable e) {
            record(false);
            CacheObserver.Watch w = watch;
            if (w != null) {
                watch = null;
                w.failed(e);
            }
            proceed(leases.unreachable(call.key(), e));
        }

        /** Serves a hit, or subscribes to the answer to anything else. */
        private void proceed(Found found) {
            Mono<Served> next;
            try {
                Served served = engine.served(call, found, pending);
                if (served != null) {
                    complete(served);
                    return;
                }
                next = engine.answer(call, found);
            } catch (Throwable e) {
                Throwable error = Operators.onOperatorError(e, currentContext());
                if (isCancelled()) {
                    Operators.onErrorDropped(error, currentContext());
                } else {
                    actual.onError(error);
                }
                return;
            }
            next.subscribe(new Answer());
        }

        private void record(boolean success) {
            Recorder r = recorder;
            if (r != Recorder.NONE) {
                r.cache(StoreOperation.READ.metric(), options.nanoTime().getAsLong() - recordStart, success);
            }
        }

        private void watchCancelled() {
            CacheObserver.Watch w = watch;
            if (w != null) {
                watch = null;
                w.cancelled();
            }
        }

        private void stopTimer() {
            Disposable t = timer;
            if (t != null) {
                t.dispose();
            }
        }

        private void cancelRead() {
            Subscription s = read;
            if (s != null) {
                s.cancel();
            }
        }

        /** Relays the answer to a read that was not a served hit, in the subscriber's context. */
        private final class Answer implements CoreSubscriber<Served> {

            private boolean hasValue;

            @Override
            public reactor.util.context.Context currentContext() {
                return actual.currentContext();
            }

            @Override
            public void onSubscribe(Subscription s) {
                if (Operators.setOnce(ANSWER, Reader.this, s)) {
                    s.request(Long.MAX_VALUE);
                }
            }

            @Override
            public void onNext(Served served) {
                hasValue = true;
                complete(served);
            }

            @Override
            public void onError(Throwable e) {
                if (isCancelled()) {
                    Operators.onErrorDropped(e, currentContext());
                    return;
                }
                actual.onError(e);
            }

            @Override
            public void onComplete() {
                if (!hasValue && !isCancelled()) {
                    actual.onComplete();
                }
            }
        }
    }
}
