package dev.cacheaside.spring;

import dev.cacheaside.QueryResult;
import dev.cacheaside.Source;
import java.util.Locale;
import java.util.Objects;
import java.util.function.Function;
import org.springframework.http.HttpHeaders;
import org.springframework.http.ResponseEntity;
import reactor.core.publisher.Mono;

/**
 * HTTP responses from a {@link QueryResult}, with the same two headers everywhere:
 * {@code X-Cache} says where the rows came from ({@code HIT}, {@code MISS} or {@code STALE}, see
 * {@link #xCache(Source)}) and {@code Server-Timing} how long the query took
 * ({@code cache;dur=0.42}, milliseconds, see {@link #serverTiming(QueryResult)}). For WebFlux
 * (and Spring MVC) controllers:
 *
 * <pre>{@code
 * @GetMapping("/airlines/{id}")
 * Mono<ResponseEntity<List<Map<String, Object>>>> airline(@PathVariable int id) {
 *     return CacheAsideResponses.ok(cache.query("SELECT * FROM airline WHERE airline_id = ?", id),
 *             r -> r.rows().asMaps());
 * }
 * }</pre>
 *
 * <p>Needs Spring Web ({@code spring-web}, which every WebFlux or MVC application has); the
 * starter itself does not. Nothing happens until the returned {@link Mono} is subscribed; an
 * error of the query, or of the body function, reaches the subscriber as it is (the framework's
 * error handling answers it). Stateless and thread safe.
 */
public final class CacheAsideResponses {

    /** The header that says where the rows came from. */
    public static final String X_CACHE = "X-Cache";

    /** The standard header that carries the query's duration. */
    public static final String SERVER_TIMING = "Server-Timing";

    private CacheAsideResponses() {
    }

    /**
     * {@code 200 OK} with {@code body(result)} and the two headers.
     *
     * @param query the query, usually {@code cache.query(...)}
     * @param body  the response body from the result (rows, a mapped object, ...); may return null for no body
     */
    public static <T> Mono<ResponseEntity<T>> ok(Mono<QueryResult> query, Function<QueryResult, T> body) {
        Objects.requireNonNull(body, "body");
        return entity(query, result -> ResponseEntity.ok(body.apply(result)));
    }

    /**
     * The response {@code response(result)} builds (any status, for example 404 when no row came
     * back), with the two headers set on it (replacing any of the same name it has).
     */
    public static <T> Mono<ResponseEntity<T>> entity(Mono<QueryResult> query,
                                                     Function<QueryResult, ResponseEntity<T>> response) {
        Objects.requireNonNull(query, "query");
        Objects.requireNonNull(response, "response");
        return query.map(result -> withHeaders(result, response.apply(result)));
    }

    /** {@code response} with {@code X-Cache} and {@code Server-Timing} of {@code result}. */
    public static <T> ResponseEntity<T> withHeaders(QueryResult result, ResponseEntity<T> response) {
        HttpHeaders headers = new HttpHeaders();
        headers.addAll(response.getHeaders());
        headers.set(X_CACHE, xCache(result.source()));
        headers.set(SERVER_TIMING, serverTiming(result));
        return new ResponseEntity<>(response.getBody(), headers, response.getStatusCode());
    }

    /** {@code HIT} for {@link Source#CACHE_HIT}, {@code STALE} for {@link Source#CACHE_STALE}, {@code MISS} otherwise. */
    public static String xCache(Source source) {
        return switch (Objects.requireNonNull(source, "source")) {
            case CACHE_HIT -> "HIT";
            case CACHE_STALE -> "STALE";
            case CACHE_MISS -> "MISS";
        };
    }

    /**
     * {@code cache;dur=<milliseconds with two decimals>} of the result's latency, with
     * {@code ;desc="near"} when the near tier answered ({@link QueryResult#fromNearTier()}).
     */
    public static String serverTiming(QueryResult result) {
        String timing = timing("cache", result.latencyMillis());
        return result.fromNearTier() ? timing + ";desc=\"near\"" : timing;
    }

    /** {@code <metric>;dur=<milliseconds with two decimals>}, for responses that are not a query's (a write). */
    public static String timing(String metric, double millis) {
        return String.format(Locale.ROOT, "%s;dur=%.2f", metric, millis);
    }
}
