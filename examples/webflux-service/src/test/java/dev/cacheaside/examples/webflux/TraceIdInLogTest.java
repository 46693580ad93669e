package dev.cacheaside.examples.webflux;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.webtestclient.autoconfigure.AutoConfigureWebTestClient;
import org.springframework.test.web.reactive.server.WebTestClient;

/**
 * The service as it runs, with Brave's tracer (no test tracer), on its embedded default: a request
 * that carries a W3C {@code traceparent} is a miss, and the line the controller logs for the miss
 * has the caller's trace id in its MDC, which Spring Boot's log pattern prints.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {"cacheaside.key-prefix=trace-id-in-log:", "DB_ENGINE=h2", "CACHE_ENGINE=local"})
@AutoConfigureWebTestClient
class TraceIdInLogTest {

    private static final String TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";

    @Autowired
    WebTestClient http;

    @Test
    void theCallersTraceIdIsInTheMdcOfTheMissLogLine() {
        List<Map<String, String>> mdcOfMisses = new CopyOnWriteArrayList<>();
        AppenderBase<ILoggingEvent> appender = new AppenderBase<>() {
            @Override
            protected void append(ILoggingEvent event) {
                if (event.getFormattedMessage().startsWith("cache miss:")) {
                    mdcOfMisses.add(Map.copyOf(event.getMDCPropertyMap()));
                }
            }
        };
        appender.start();
        Logger controllerLog = (Logger) LoggerFactory.getLogger(AirportController.class);
        controllerLog.addAppender(appender);
        try {
            http.mutate().responseTimeout(WebfluxServiceIT.REQUEST_BOUND).build()
                    .get().uri("/airlines/2").header("traceparent", "00-" + TRACE_ID + "-00f067aa0ba902b7-01")
                    .exchange().expectStatus().isOk().expectHeader().valueEquals("X-Cache", "MISS");
        } finally {
            controllerLog.detachAppender(appender);
        }
        assertThat(mdcOfMisses).as("one miss logged").hasSize(1);
        assertThat(mdcOfMisses.get(0)).as("the MDC of the miss's log line").containsEntry("traceId", TRACE_ID)
                .containsKey("spanId");
    }
}
