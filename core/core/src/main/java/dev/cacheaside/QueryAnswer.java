package dev.cacheaside;

import dev.cacheaside.internal.Observing;
import dev.cacheaside.internal.Served;
import dev.cacheaside.internal.TableInvalidator;
import dev.cacheaside.spi.CacheObserver;
import java.util.concurrent.atomic.AtomicBoolean;
import org.reactivestreams.Subscription;
import reactor.core.CoreSubscriber;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Operators;

/**
 * {@link CacheAside#query(Query)}'s {@link Mono}: at each subscription it notes the start, asks the
 * engine ({@link ReadPath#serve}) and turns what the engine served into a {@link QueryResult},
 * as {@code Mono.defer(..).map(..)} would, with one subscriber per subscription and no operator
 * chain. Lazy; each subscription asks again. Cancelling cancels the engine's answer. A failure to
 * start (the instance is closed, or a bug) reaches the subscriber as an error, as from
 * {@code Mono.defer}. With a {@link CacheObserver}, each subscription is watched as a query (or a
 * refresh), and the engine answers in the watch's inner Context; without one, nothing more is
 * allocated.
 */
final class QueryAnswer extends Mono<QueryResult> {

    private final ReadPath cache;
    private final Query query;

    private QueryAnswer(ReadPath cache, Query query) {
        this.cache = cache;
        this.query = query;
    }

    /** The answer to {@code query}, passed through the assembly hooks as Reactor's own operators are. */
    static Mono<QueryResult> of(ReadPath cache, Query query) {
        return onAssembly(new QueryAnswer(cache, query));
    }

    @Override
    public void subscribe(CoreSubscriber<? super QueryResult> actual) {
        long start = cache.nanoTime();
        String key;
        Mono<Served> served;
        ToResult relay = null;
        try {
            key = cache.keyFor(query);
            CacheObserver observer = cache.observer();
            relay = observer == null ? new ToResult(actual, key, start) : watched(observer, actual, key, start);
            served = cache.serve(query, key);
        } catch (Throwable e) {
            Throwable error = Operators.onOperatorError(e, actual.currentContext());
            if (relay != null) {
                relay.failed(error);
            }
            Operators.error(actual, error);
            return;
        }
        served.subscribe(relay);
    }

    private Watched watched(CacheObserver observer, CoreSubscriber<? super QueryResult> actual, String key,
                            long start) {
        CacheObserver.Watch watch = observer.start(
                query.forceRefresh() ? CacheObserver.Operation.REFRESH : CacheObserver.Operation.QUERY,
                key, TableInvalidator.tablesOf(query.sql(), query.tables()), actual.currentContext());
        return new Watched(actual, key, start, watch, watch.inner(actual.currentContext()));
    }

    /** Relays the engine's answer as the query's result. */
    private class ToResult extends Operators.MonoSubscriber<Served, QueryResult> {

        private final String key;
        private final long start;
        private Subscription upstream;
        private boolean done;

        ToResult(CoreSubscriber<? super QueryResult> actual, String key, long start) {
            super(actual);
            this.key = key;
            this.start = start;
        }

        @Override
        public void onSubscribe(Subscription s) {
            if (Operators.validate(upstream, s)) {
                upstream = s;
                actual.onSubscribe(this);
                s.request(Long.MAX_VALUE);
            }
        }

        @Override
        public void onNext(Served served) {
            if (done) {
                Operators.onNextDropped(served, currentContext());
                return;
            }
            done = true;
            QueryResult result;
            try {
                result = cache.result(key, served, start);
            } catch (Throwable e) {
                Throwable error = Operators.onOperatorError(upstream, e, served, currentContext());
                failed(error);
                actual.onError(error);
                return;
            }
            succeeded(served);
            complete(result);
        }

        /** The engine served {@code served} (null: nothing); before the subscriber gets it. */
        void succeeded(Served served) {
        }

        /** The query fails with {@code e}; before the subscriber gets it. */
        void failed(Throwable e) {
        }

        /** The subscriber cancelled. */
        void cancelled() {
        }

        @Override
        public void onError(Throwable e) {
            if (done) {
                Operators.onErrorDropped(e, currentContext());
                return;
            }
            done = true;
            failed(e);
            actual.onError(e);
        }

        @Override
        public void onComplete() {
            if (done) {
                return;
            }
            done = true;
            succeeded(null);
            actual.onComplete();
        }

        @Override
        public void cancel() {
            super.cancel();
            upstream.cancel();
            cancelled();
        }
    }

    /**
     * A {@link ToResult} whose subscription the observer watches: the engine answers in the
     * watch's inner Context, and the first of served, error and cancel ends the watch.
     */
    private final class Watched extends ToResult {

        private final CacheObserver.Watch watch;
        private final reactor.util.context.Context context;
        private final AtomicBoolean ended = new AtomicBoolean();

        Watched(CoreSubscriber<? super QueryResult> actual, String key, long start, CacheObserver.Watch watch,
                reactor.util.context.Context context) {
            super(actual, key, start);
            this.watch = watch;
            this.context = context;
        }

        @Override
        public reactor.util.context.Context currentContext() {
            return context;
        }

        @Override
        void succeeded(Served served) {
            if (ended.compareAndSet(false, true)) {
                watch.succeeded(served == null ? null : Observing.tier(served.source()));
            }
        }

        @Override
        void failed(Throwable e) {
            if (ended.compareAndSet(false, true)) {
                watch.failed(e);
            }
        }

        @Override
        void cancelled() {
            if (ended.compareAndSet(false, true)) {
                watch.cancelled();
            }
        }
    }
}
