package dev.cacheaside.spring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cacheaside.CacheAside;
import dev.cacheaside.spi.QueryExecutor;
import dev.cacheaside.spi.Rows;
import dev.cacheaside.testing.InMemoryCacheStore;
import io.micrometer.observation.Observation;
import io.micrometer.observation.contextpropagation.ObservationThreadLocalAccessor;
import io.micrometer.observation.tck.TestObservationRegistry;
import io.micrometer.tracing.Span;
import io.micrometer.tracing.handler.DefaultTracingObservationHandler;
import io.micrometer.tracing.test.simple.SimpleSpan;
import io.micrometer.tracing.test.simple.SimpleTracer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.reactivestreams.Publisher;
import org.reactivestreams.Subscription;
import reactor.core.publisher.Hooks;
import reactor.core.publisher.Mono;

/**
 * With Micrometer Tracing (its test tracer here, Brave or OpenTelemetry in an application), a
 * query is a span under the caller's, its cache read and database load are spans under it, all
 * with the caller's trace id; and with Reactor's automatic context propagation, code that runs on
 * the database driver's thread during the miss sees the load's span as the current one (which is
 * what puts the trace id in the MDC of its log lines).
 */
class CacheAsideTracingTest {

    static final String SQL = "SELECT * FROM airline WHERE airline_id = 1";
    static final Rows AIRLINE = Rows.of(List.of("airline_id"), List.<Object[]>of(new Object[] {1}));

    final SimpleTracer tracer = new SimpleTracer();
    final TestObservationRegistry registry = TestObservationRegistry.create();
    /** A driver's own thread, which the rows arrive on. */
    final ExecutorService driverThread = Executors.newSingleThreadExecutor(r -> new Thread(r, "fake-driver"));
    final AtomicReference<Span> spanOnDriverThread = new AtomicReference<>();
    final AtomicReference<String> driverThreadName = new AtomicReference<>();

    /** Answers from a Publisher that is not Reactor's, on its own thread, as an R2DBC driver does. */
    final QueryExecutor database = new QueryExecutor() {
        @Override
        public Mono<Rows> execute(String sql, List<?> parameters) {
            Publisher<Rows> driver = subscriber -> subscriber.onSubscribe(new Subscription() {
                @Override
                public void request(long n) {
                    driverThread.execute(() -> {
                        subscriber.onNext(AIRLINE);
                        subscriber.onComplete();
                    });
                }

                @Override
                public void cancel() {
                }
            });
            return Mono.from(driver).map(rows -> {
                // what a log line written here would carry in its MDC
                driverThreadName.set(Thread.currentThread().getName());
                spanOnDriverThread.set(tracer.currentSpan());
                return rows;
            });
        }

        @Override
        public Mono<Void> closeAsync() {
            return Mono.empty();
        }
    };

    @BeforeEach
    void tracing() {
        registry.observationConfig().observationHandler(new DefaultTracingObservationHandler(tracer));
        Hooks.enableAutomaticContextPropagation();
    }

    @AfterEach
    void reset() {
        Hooks.disableAutomaticContextPropagation();
        driverThread.shutdownNow();
    }

    @Test
    void aMissIsASpanUnderTheCallersWithTheCacheReadAndTheDatabaseLoadUnderIt() {
        try (CacheAside cache = CacheAside.builder().database(database).cache(new InMemoryCacheStore())
                .observer(CacheAsideObservations.create(registry, "h2", "local")).build()) {
            Observation request = Observation.start("http.server.requests", registry);
            cache.query(SQL).contextWrite(c -> c.put(ObservationThreadLocalAccessor.KEY, request))
                    .block(Duration.ofSeconds(10));
            request.stop();
        }

        SimpleSpan requestSpan = span("http.server.requests");
        SimpleSpan query = span("cacheaside query");
        SimpleSpan read = span("cacheaside cache.read");
        SimpleSpan load = span("cacheaside database.load");
        assertThat(List.of(query, read, load)).as("every span has the caller's trace id")
                .allSatisfy(s -> assertThat(s.getTraceId()).isEqualTo(requestSpan.getTraceId()));
        assertThat(query.getParentId()).as("the query is under the caller's span").isEqualTo(requestSpan.getSpanId());
        assertThat(read.getParentId()).as("the cache read is under the query").isEqualTo(query.getSpanId());
        assertThat(load.getParentId()).as("the database load is under the query").isEqualTo(query.getSpanId());
        assertThat(query.getTags()).containsEntry(CacheAsideObservations.SOURCE, "miss")
                .containsEntry(CacheAsideObservations.KEY, "query:" + query.getTags().get(CacheAsideObservations.KEY)
                        .substring("query:".length()));

        assertThat(driverThreadName.get()).as("the rows arrived on the driver's thread").isEqualTo("fake-driver");
        assertThat(spanOnDriverThread.get()).as("the current span on the driver's thread").isNotNull();
        assertThat(spanOnDriverThread.get().context().spanId()).as("is the database load's")
                .isEqualTo(load.getSpanId());
        assertThat(spanOnDriverThread.get().context().traceId()).isEqualTo(requestSpan.getTraceId());
    }

    private SimpleSpan span(String name) {
        List<SimpleSpan> named = tracer.getSpans().stream().filter(s -> name.equals(s.getName())).toList();
        assertThat(named).as("spans named " + name + " among " + tracer.getSpans()).hasSize(1);
        return named.get(0);
    }
}
