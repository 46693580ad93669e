package dev.cacheaside;

import dev.cacheaside.internal.Served;
import org.reactivestreams.Subscription;
import reactor.core.CoreSubscriber;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Operators;

/**
 * {@link CacheAside#query(Query)}'s {@link Mono}: at each subscription it notes the start, asks the
 * engine ({@link CacheAside#serve}) and turns what the engine served into a {@link QueryResult},
 * as {@code Mono.defer(..).map(..)} would, with one subscriber per subscription and no operator
 * chain. Lazy; each subscription asks again. Cancelling cancels the engine's answer. A failure to
 * start (the instance is closed, or a bug) reaches the subscriber as an error, as from
 * {@code Mono.defer}.
 */
final class QueryAnswer extends Mono<QueryResult> {

    private final CacheAside cache;
    private final Query query;

    private QueryAnswer(CacheAside cache, Query query) {
        this.cache = cache;
        this.query = query;
    }

    /** The answer to {@code query}, passed through the assembly hooks as Reactor's own operators are. */
    static Mono<QueryResult> of(CacheAside cache, Query query) {
        return onAssembly(new QueryAnswer(cache, query));
    }

    @Override
    public void subscribe(CoreSubscriber<? super QueryResult> actual) {
        long start = cache.nanoTime();
        String key;
        Mono<Served> served;
        try {
            key = cache.keyFor(query);
            served = cache.serve(query, key);
        } catch (Throwable e) {
            Operators.error(actual, Operators.onOperatorError(e, actual.currentContext()));
            return;
        }
        served.subscribe(new ToResult(actual, key, start));
    }

    /** Relays the engine's answer as the query's result. */
    private final class ToResult extends Operators.MonoSubscriber<Served, QueryResult> {

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
                actual.onError(Operators.onOperatorError(upstream, e, served, currentContext()));
                return;
            }
            complete(result);
        }

        @Override
        public void onError(Throwable e) {
            if (done) {
                Operators.onErrorDropped(e, currentContext());
                return;
            }
            done = true;
            actual.onError(e);
        }

        @Override
        public void onComplete() {
            if (done) {
                return;
            }
            done = true;
            actual.onComplete();
        }

        @Override
        public void cancel() {
            super.cancel();
            upstream.cancel();
        }
    }
}
