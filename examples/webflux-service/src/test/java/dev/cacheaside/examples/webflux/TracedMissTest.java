package dev.cacheaside.examples.webflux;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import io.micrometer.tracing.Span;
import io.micrometer.tracing.test.simple.SimpleSpan;
import io.micrometer.tracing.test.simple.SimpleTracer;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.webtestclient.autoconfigure.AutoConfigureWebTestClient;
import org.springframework.context.annotation.Bean;
import org.springframework.test.web.reactive.server.WebTestClient;

/**
 * The service on its embedded default (H2 in memory with the sample, the in-process cache; no
 * servers), traced as application.properties sets it up, with Micrometer Tracing's test tracer in
 * place of the example's Brave: a miss is a {@code cacheaside query} span under the request's
 * span, and the span that is current while the controller logs the miss is in the request's trace
 * (the span a tracer bridge copies into the MDC of that log line); the observations reach
 * Actuator's metrics as {@code cacheaside.query}.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {"cacheaside.key-prefix=traced-miss:", "DB_ENGINE=h2", "CACHE_ENGINE=local",
            // the test tracer in place of the example's Brave (TraceIdInLogTest runs with Brave)
            "spring.autoconfigure.exclude=org.springframework.boot.micrometer.tracing.brave.autoconfigure.BraveAutoConfiguration,"
                    + "org.springframework.boot.micrometer.tracing.brave.autoconfigure.zipkin.ZipkinWithBraveTracingAutoConfiguration"})
@AutoConfigureWebTestClient
class TracedMissTest {

    @TestConfiguration(proxyBeanMethods = false)
    static class Tracing {
        @Bean
        SimpleTracer tracer() {
            return new SimpleTracer();
        }
    }

    @Autowired
    WebTestClient http;

    @Autowired
    SimpleTracer tracer;

    /** The span current on the thread that logs each "cache miss" line, as it logs it. */
    final List<Span> currentWhenLogged = new CopyOnWriteArrayList<>();

    @Test
    void aMissIsASpanOfTheRequestsTraceAndIsLoggedInIt() {
        AppenderBase<ILoggingEvent> appender = new AppenderBase<>() {
            @Override
            protected void append(ILoggingEvent event) {
                if (event.getFormattedMessage().startsWith("cache miss:")) {
                    currentWhenLogged.add(tracer.currentSpan());
                }
            }
        };
        appender.start();
        Logger controllerLog = (Logger) LoggerFactory.getLogger(AirportController.class);
        controllerLog.addAppender(appender);
        try {
            http.mutate().responseTimeout(WebfluxServiceIT.REQUEST_BOUND).build()
                    .get().uri("/airlines/1").exchange()
                    .expectStatus().isOk().expectHeader().valueEquals("X-Cache", "MISS");
        } finally {
            controllerLog.detachAppender(appender);
        }

        // the server names and ends its request span as it stops observing the exchange, which
        // may come after the client has the response: wait for it, within the request's bound
        long deadline = System.nanoTime() + WebfluxServiceIT.REQUEST_BOUND.toNanos();
        while (named("http get").isEmpty() && System.nanoTime() < deadline) {
            java.util.concurrent.locks.LockSupport.parkNanos(5_000_000L);
        }
        SimpleSpan request = named("http get")
                .orElseThrow(() -> new AssertionError("no request span among " + tracer.getSpans()));
        SimpleSpan query = tracer.getSpans().stream().filter(s -> "cacheaside query".equals(s.getName()))
                .findFirst().orElseThrow(() -> new AssertionError("no query span among " + tracer.getSpans()));
        assertThat(query.getTraceId()).as("the query's trace").isEqualTo(request.getTraceId());
        assertThat(query.getParentId()).as("the query is under the request").isEqualTo(request.getSpanId());
        assertThat(query.getTags()).containsEntry("cacheaside.source", "miss");
        assertThat(currentWhenLogged).as("one miss logged").hasSize(1);
        assertThat(currentWhenLogged.get(0)).as("a span is current while the miss is logged").isNotNull();
        assertThat(currentWhenLogged.get(0).context().traceId()).as("in the request's trace")
                .isEqualTo(request.getTraceId());

        http.get().uri("/actuator/metrics/cacheaside.query").exchange().expectStatus().isOk()
                .expectBody(String.class).value(body -> assertThat(body).contains("cacheaside.source", "miss"));
    }

    /** The first finished span whose name starts with {@code prefix}. */
    private java.util.Optional<SimpleSpan> named(String prefix) {
        return tracer.getSpans().stream().filter(s -> s.getName() != null && s.getName().startsWith(prefix)).findFirst();
    }
}
