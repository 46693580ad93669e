package dev.cacheaside.examples.webflux;

import dev.cacheaside.CacheAside;
import dev.cacheaside.QueryResult;
import dev.cacheaside.Source;
import dev.cacheaside.spring.CacheAsideResponses;
import java.math.BigDecimal;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PatchMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The service's endpoints. Reads go through {@link CacheAside}; each response says where its
 * rows came from in {@code X-Cache} ({@code HIT}, {@code MISS} or {@code STALE}) and how long the
 * query took in {@code Server-Timing} ({@code cache;dur=<ms>}), both written by the starter's
 * {@link CacheAsideResponses}. The write goes through the
 * application's own {@link DatabaseClient} (CacheAside accepts only reads) and then invalidates
 * the cached queries the change affects. Never blocks.
 */
@RestController
class AirportController {

    private static final Logger log = LoggerFactory.getLogger(AirportController.class);

    private final CacheAside cache;
    private final DatabaseClient database;

    AirportController(CacheAside cache, DatabaseClient database) {
        this.cache = cache;
        this.database = database;
    }

    /** One airline; 404 when there is none with that id. */
    @GetMapping("/airlines/{id}")
    Mono<ResponseEntity<Object>> airline(@PathVariable("id") int id) {
        return answer(cache.query(AirportQueries.AIRLINE, id), r -> single(r, Function.identity()));
    }

    /** One flight with its airline and its two airports; 404 when there is none. */
    @GetMapping("/flights/{id}")
    Mono<ResponseEntity<Object>> flight(@PathVariable("id") int id) {
        return answer(cache.query(AirportQueries.FLIGHT, id), r -> single(r, AirportController::nestFlight));
    }

    /** A passenger's bookings (an empty list when there are none). */
    @GetMapping("/passengers/{id}/bookings")
    Mono<ResponseEntity<Object>> bookings(@PathVariable("id") int id) {
        return answer(cache.query(AirportQueries.PASSENGER_BOOKINGS, id),
                r -> ResponseEntity.ok(Map.of("passenger_id", id, "bookings", r.rows().asMaps())));
    }

    /** The ten busiest routes with flights, passengers, revenue and load factor. */
    @GetMapping("/reports/busy-routes")
    Mono<ResponseEntity<Object>> busyRoutes() {
        return answer(cache.query(AirportQueries.BUSY_ROUTES), r -> ResponseEntity.ok(r.rows().asMaps()));
    }

    /**
     * Changes a booking's seat and/or price in the database, then invalidates the cached
     * queries that show it: the passenger's bookings always, the route report when the price
     * changed (its revenue sums prices). 404 when the booking does not exist, 400 for a bad
     * change. An invalidation that fails (cache unreachable) is reported in the body and
     * logged; the write itself stands.
     */
    @PatchMapping("/bookings/{id}")
    Mono<ResponseEntity<Object>> changeBooking(@PathVariable("id") int id, @RequestBody BookingChange change) {
        String problem = change.problem();
        if (problem != null) {
            return Mono.just(ResponseEntity.badRequest().body(Map.of("error", problem)));
        }
        long start = System.nanoTime();
        return readBooking(id)
                .flatMap(before -> {
                    String seat = change.seat() != null ? change.seat().trim() : (String) before.get("seat");
                    BigDecimal price = change.price() != null ? change.price() : (BigDecimal) before.get("price");
                    boolean priceChanged = price.compareTo((BigDecimal) before.get("price")) != 0;
                    int passenger = ((Number) before.get("passenger_id")).intValue();
                    return database.sql("UPDATE booking SET seat = :seat, price = :price WHERE booking_id = :id")
                            .bind("seat", seat).bind("price", price).bind("id", id)
                            .fetch().rowsUpdated()
                            .then(invalidateAffected(passenger, priceChanged))
                            // read the row back only after the write: zipWith would read it concurrently
                            .flatMap(invalidated -> readBooking(id).map(after -> {
                                Map<String, Object> body = new LinkedHashMap<>();
                                body.put("booking", after);
                                body.put("invalidated", invalidated);
                                // a write is not a cache answer: no X-Cache, only how long it took
                                return ResponseEntity.ok()
                                        .header(CacheAsideResponses.SERVER_TIMING,
                                                CacheAsideResponses.timing("db", (System.nanoTime() - start) / 1e6))
                                        .body((Object) body);
                            }));
                })
                .defaultIfEmpty(ResponseEntity.status(HttpStatus.NOT_FOUND)
                        .body(Map.of("error", "no booking " + id)));
    }

    /** The change a PATCH asks for; a null field stays as it is. */
    record BookingChange(String seat, BigDecimal price) {
        String problem() {
            if (seat == null && price == null) {
                return "give a seat, a price, or both";
            }
            if (seat != null && (seat.isBlank() || seat.trim().length() > 4)) {
                return "seat must be 1 to 4 characters";
            }
            if (price != null && (price.signum() < 0 || price.scale() > 2 || price.precision() - price.scale() > 8)) {
                return "price must be from 0 to 99999999.99 with at most 2 decimals";
            }
            return null;
        }
    }

    private Mono<Map<String, Object>> readBooking(int id) {
        return database.sql("SELECT booking_id, flight_id, passenger_id, seat, price FROM booking WHERE booking_id = :id")
                .bind("id", id)
                .fetch().one();
    }

    private Mono<List<Map<String, Object>>> invalidateAffected(int passenger, boolean priceChanged) {
        Flux<Map<String, Object>> results = Flux.concat(invalidate("passenger-bookings",
                AirportQueries.PASSENGER_BOOKINGS, passenger));
        if (priceChanged) {
            results = results.concatWith(invalidate("busy-routes", AirportQueries.BUSY_ROUTES));
        }
        return results.collectList();
    }

    private Mono<Map<String, Object>> invalidate(String name, String sql, Object... parameters) {
        String key = cache.keyFor(sql, parameters);
        return cache.invalidate(sql, parameters)
                .map(removed -> entry(name, key, "removed", removed))
                .onErrorResume(e -> {
                    log.warn("invalidating {} ({}) failed; it may be served until its TTL ends: {}", name, key, e.toString());
                    return Mono.just(entry(name, key, "error", e.getClass().getSimpleName()));
                });
    }

    private static Map<String, Object> entry(String name, String key, String field, Object value) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("query", name);
        m.put("key", key);
        m.put(field, value);
        return m;
    }

    // ---------------------------------------------------------------- responses

    /**
     * The query's response with X-Cache and Server-Timing, written by the starter's helper. A miss
     * is logged; with tracing on (application.properties), the line carries the request's trace
     * and span ids, as every line logged while serving the request does.
     */
    private static Mono<ResponseEntity<Object>> answer(Mono<QueryResult> query,
                                                       Function<QueryResult, ResponseEntity<Object>> body) {
        return CacheAsideResponses.entity(query.doOnNext(r -> {
            if (r.source() == Source.CACHE_MISS) {
                log.info("cache miss: {} answered by the database in {} ms", r.key(), Math.round(r.latencyMillis()));
            }
        }), body);
    }

    private static ResponseEntity<Object> single(QueryResult result,
                                                 Function<Map<String, Object>, Map<String, Object>> shape) {
        List<Map<String, Object>> rows = result.rows().asMaps();
        if (rows.isEmpty()) {
            return ResponseEntity.status(HttpStatus.NOT_FOUND).body(Map.of("error", "not found"));
        }
        return ResponseEntity.ok(shape.apply(rows.get(0)));
    }

    /** A flat flight row as {flight..., airline: {...}, from: {...}, to: {...}}. */
    private static Map<String, Object> nestFlight(Map<String, Object> row) {
        Map<String, Object> flight = new LinkedHashMap<>();
        Map<String, Object> airline = new LinkedHashMap<>();
        Map<String, Object> from = new LinkedHashMap<>();
        Map<String, Object> to = new LinkedHashMap<>();
        row.forEach((column, value) -> {
            if (column.startsWith("from_")) {
                from.put(column.substring(5), value);
            } else if (column.startsWith("to_")) {
                to.put(column.substring(3), value);
            } else if (column.startsWith("airline") && !column.equals("airline_id")) {
                airline.put(column.equals("airline_iata") ? "iata" : column, value);
            } else if (column.equals("airline_id")) {
                airline.put("airline_id", value);
            } else {
                flight.put(column, value);
            }
        });
        flight.put("airline", airline);
        flight.put("from", from);
        flight.put("to", to);
        return flight;
    }

}
