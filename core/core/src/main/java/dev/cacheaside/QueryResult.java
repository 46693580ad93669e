package dev.cacheaside;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.cacheaside.spi.Rows;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;

/**
 * The answer to one query: its rows, where they came from and how long it took.
 *
 * <p>Immutable and thread safe.
 */
public final class QueryResult {

    /**
     * The mapper behind {@link #mapTo(Class)}: snake_case columns match camelCase properties,
     * names match whatever their case, unknown columns are ignored, java.time is understood.
     */
    private static final ObjectMapper MAPPER = JsonMapper.builder()
            .addModule(new JavaTimeModule())
            .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .enable(MapperFeature.ACCEPT_CASE_INSENSITIVE_PROPERTIES)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .disable(DeserializationFeature.ADJUST_DATES_TO_CONTEXT_TIME_ZONE)
            .build();

    private final String key;
    private final Rows rows;
    private final Source source;
    /** The latency in nanoseconds; {@link #latency()} makes its {@link Duration} when asked. */
    private final long latencyNanos;
    private final boolean near;

    QueryResult(String key, Rows rows, Source source, long latencyNanos) {
        this(key, rows, source, latencyNanos, false);
    }

    QueryResult(String key, Rows rows, Source source, long latencyNanos, boolean near) {
        this.key = key;
        this.rows = rows;
        this.source = source;
        this.latencyNanos = latencyNanos;
        this.near = near;
    }

    /**
     * Whether the rows came from the near tier (in process) rather than the shared store; such a
     * result is still a {@link Source#CACHE_HIT}. Always false without {@code nearCache}.
     */
    public boolean fromNearTier() {
        return near;
    }

    /** The cache key of the query. */
    public String key() {
        return key;
    }

    /** The rows, columns in select order, values of the driver's Java classes. */
    public Rows rows() {
        return rows;
    }

    /** Where the rows came from. */
    public Source source() {
        return source;
    }

    /** The time from subscription to this result. */
    public Duration latency() {
        return Duration.ofNanos(latencyNanos);
    }

    /** The latency in milliseconds, with fractions, as the demo prints it. */
    public double latencyMillis() {
        return latencyNanos / 1_000_000.0;
    }

    /**
     * Each row mapped to {@code type} (a record or a bean) with Jackson: column {@code airline_id}
     * fills property {@code airlineId} (or {@code airline_id}), names match whatever their case,
     * unknown columns are ignored.
     *
     * @throws IllegalArgumentException when a row cannot be mapped; the message says why
     */
    public <T> List<T> mapTo(Class<T> type) {
        return mapTo(type, MAPPER);
    }

    /** Each row mapped to {@code type} with the caller's own {@code mapper}. */
    public <T> List<T> mapTo(Class<T> type, ObjectMapper mapper) {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(mapper, "mapper");
        List<T> mapped = new ArrayList<>(rows.size());
        for (Map<String, Object> row : rows.asMaps()) {
            mapped.add(mapper.convertValue(row, type));
        }
        return mapped;
    }

    /**
     * Each row, as an unmodifiable map of column name to value ({@link Rows#asMaps()}), turned
     * into a {@code T} by {@code mapper}. For any mapping library or version, e.g. the Jackson 3
     * {@code JsonMapper} a Spring Boot 4 application has:
     * {@code result.map(row -> jsonMapper.convertValue(row, Airline.class))}.
     *
     * @throws NullPointerException when {@code mapper} is null
     */
    public <T> List<T> map(Function<? super Map<String, Object>, ? extends T> mapper) {
        Objects.requireNonNull(mapper, "mapper");
        List<T> mapped = new ArrayList<>(rows.size());
        for (Map<String, Object> row : rows.asMaps()) {
            mapped.add(mapper.apply(row));
        }
        return mapped;
    }

    @Override
    public String toString() {
        return "QueryResult[" + source + ", " + rows.size() + " rows, " + latency() + ", " + key + "]";
    }
}
