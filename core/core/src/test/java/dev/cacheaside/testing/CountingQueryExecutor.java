package dev.cacheaside.testing;

import dev.cacheaside.spi.QueryExecutor;
import dev.cacheaside.spi.Rows;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BiFunction;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

/**
 * A {@link QueryExecutor} for tests: answers from a function, counts executions and
 * cancellations, can fail on purpose, and can hold every answer back until the test releases it.
 * Thread safe.
 */
public final class CountingQueryExecutor implements QueryExecutor {

    private final BiFunction<String, List<?>, Rows> answer;
    /** Executions that reached this executor (subscriptions to execute). */
    public final AtomicInteger executions = new AtomicInteger();
    /** Executions cancelled before they answered. */
    public final AtomicInteger cancellations = new AtomicInteger();
    private final AtomicReference<RuntimeException> failure = new AtomicReference<>();
    private final AtomicReference<Sinks.Empty<Void>> gate = new AtomicReference<>();
    private final Map<String, Integer> executionsBySql = new ConcurrentHashMap<>();
    private final AtomicBoolean closed = new AtomicBoolean();

    /** An executor answering every query with {@code answer.apply(sql, parameters)}. */
    public CountingQueryExecutor(BiFunction<String, List<?>, Rows> answer) {
        this.answer = answer;
    }

    /** An executor answering every query with the same rows. */
    public static CountingQueryExecutor answering(Rows rows) {
        return new CountingQueryExecutor((sql, params) -> rows);
    }

    /** Makes every execution fail with {@code error} (null to stop). */
    public void fail(RuntimeException error) {
        failure.set(error);
    }

    /** Holds every answer back until {@link #release()}. */
    public void hold() {
        gate.set(Sinks.empty());
    }

    /** Lets every held answer go. */
    public void release() {
        Sinks.Empty<Void> g = gate.getAndSet(null);
        if (g != null) {
            g.tryEmitEmpty();
        }
    }

    /** How many executions ran {@code sql}. */
    public int executionsOf(String sql) {
        return executionsBySql.getOrDefault(sql, 0);
    }

    @Override
    public Mono<Rows> execute(String sql, List<?> parameters) {
        return Mono.defer(() -> {
            executions.incrementAndGet();
            executionsBySql.merge(sql, 1, Integer::sum);
            Sinks.Empty<Void> g = gate.get();
            Mono<Void> wait = g == null ? Mono.empty() : g.asMono();
            return wait.then(Mono.defer(() -> {
                RuntimeException f = failure.get();
                return f != null ? Mono.<Rows>error(f) : Mono.just(answer.apply(sql, parameters));
            }));
        }).doOnCancel(cancellations::incrementAndGet);
    }

    @Override
    public Mono<Void> closeAsync() {
        return Mono.fromRunnable(() -> closed.set(true));
    }

    /** Whether {@link #closeAsync()} ran. */
    public boolean isClosed() {
        return closed.get();
    }
}
