package dev.cacheaside.bench;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;
import reactor.core.publisher.Mono;

/**
 * A closed-loop load generator: {@code concurrency} virtual users, each sending one operation,
 * waiting for its answer and sending the next at once, until a deadline or a number of
 * operations. Each user's next operation is sent from the thread that completed the previous one
 * (usually the client's I/O thread), as a reactive caller would. Latency is taken from
 * subscription to completion, in nanoseconds, into an HdrHistogram {@link Recorder}.
 *
 * <p>An operation that errors is counted and the user goes on; {@link Cell#errors()} tells.
 */
final class ClosedLoop {

    private ClosedLoop() {
    }

    /** What one run measured. */
    record Cell(long ops, long errors, double seconds, Histogram latency) {

        double throughput() {
            return ops / seconds;
        }

        /** Median latency in microseconds. */
        double p50Micros() {
            return latency.getValueAtPercentile(50) / 1_000.0;
        }

        /** 99th percentile latency in microseconds. */
        double p99Micros() {
            return latency.getValueAtPercentile(99) / 1_000.0;
        }
    }

    /**
     * Runs {@code operation} by {@code concurrency} users until {@code duration} has passed or
     * {@code maxOps} operations were started, whichever comes first, and waits for the last ones.
     */
    static Cell run(int concurrency, Duration duration, long maxOps, Supplier<Mono<?>> operation) {
        return run(concurrency, duration, maxOps, operation, null);
    }

    /**
     * As {@link #run(int, Duration, long, Supplier)}, but each user's first operation is sent
     * from {@code firstOn} (when not null): an operation that completes on the caller's thread (a
     * near hit) would otherwise run every user one after the other on this thread. Then the users
     * share the scheduler's threads, so the concurrency the cores see is at most their number.
     */
    static Cell run(int concurrency, Duration duration, long maxOps, Supplier<Mono<?>> operation,
                    reactor.core.scheduler.Scheduler firstOn) {
        Recorder recorder = new Recorder(3);
        AtomicLong started = new AtomicLong();
        AtomicLong errors = new AtomicLong();
        CountDownLatch done = new CountDownLatch(concurrency);
        long start = System.nanoTime();
        long deadline = start + duration.toNanos();
        for (int u = 0; u < concurrency; u++) {
            Mono.defer(() -> {
                started.incrementAndGet();
                long t0 = System.nanoTime();
                return operation.get()
                        .doOnSuccess(ignored -> recorder.recordValue(Math.max(1, System.nanoTime() - t0)))
                        .onErrorResume(e -> {
                            errors.incrementAndGet();
                            return Mono.empty();
                        })
                        .then();
            })
                    .repeat(() -> System.nanoTime() < deadline && started.get() < maxOps)
                    .as(users -> firstOn == null ? users : users.subscribeOn(firstOn))
                    .doFinally(signal -> done.countDown())
                    .subscribe();
        }
        try {
            if (!done.await(duration.toMillis() + 60_000, TimeUnit.MILLISECONDS)) {
                throw new IllegalStateException("operations still running a minute after the deadline of " + duration);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        Histogram histogram = recorder.getIntervalHistogram();
        return new Cell(histogram.getTotalCount(), errors.get(), seconds, histogram);
    }
}
