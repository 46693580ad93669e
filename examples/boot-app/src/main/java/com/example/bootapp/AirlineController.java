package com.example.bootapp;

import dev.cacheaside.CacheAside;
import dev.cacheaside.spring.CacheAsideResponses;
import java.util.List;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;
import reactor.core.publisher.Mono;
import tools.jackson.databind.json.JsonMapper;

/** Reads through the cache (X-Cache, Server-Timing) and writes through {@code cache.update}. */
@RestController
class AirlineController {

    private final CacheAside cache;
    private final JsonMapper json;

    AirlineController(CacheAside cache, JsonMapper json) {
        this.cache = cache;
        this.json = json;
    }

    @GetMapping("/airlines/{id}")
    Mono<ResponseEntity<List<Airline>>> airline(@PathVariable("id") int id) {
        return CacheAsideResponses.ok(
                cache.query("SELECT airline_id, airline_name FROM boot_app_airline WHERE airline_id = :id",
                        java.util.Map.of("id", id)),
                r -> r.map(row -> json.convertValue(row, Airline.class)));
    }

    @PutMapping("/airlines/{id}")
    Mono<Long> rename(@PathVariable("id") int id, @RequestBody String name) {
        return cache.update("UPDATE boot_app_airline SET airline_name = ? WHERE airline_id = ?", name, id);
    }
}
