package dev.cacheaside;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cacheaside.spi.Rows;
import java.math.BigDecimal;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.PropertyNamingStrategies;
import tools.jackson.databind.json.JsonMapper;

/** Mapping rows with the application's own mapper: Jackson 3 (Spring Boot 4's) as well as the built-in Jackson 2. */
class QueryResultMappingTest {

    record Airline(int airlineId, String airlineName, BigDecimal fee) {
    }

    private final QueryResult result = new QueryResult("query:k", Rows.of(List.of("airline_id", "airline_name", "fee"),
            List.<Object[]>of(new Object[] {1, "Alpha Air", new BigDecimal("12.50")},
                    new Object[] {2, "Beta Lines", null})), Source.CACHE_HIT, 0L);

    @Test
    void aJackson3MapperMapsEachRow() {
        JsonMapper jackson3 = JsonMapper.builder().propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE).build();
        List<Airline> airlines = result.map(row -> jackson3.convertValue(row, Airline.class));
        assertThat(airlines).containsExactly(new Airline(1, "Alpha Air", new BigDecimal("12.50")),
                new Airline(2, "Beta Lines", null));
        assertThat(airlines).as("the same as the built-in Jackson 2 mapping").isEqualTo(result.mapTo(Airline.class));
    }

    @Test
    void aMapperCannotChangeTheRows() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> result.map(row -> row.put("airline_name", "changed")))
                .isInstanceOf(UnsupportedOperationException.class);
        assertThat(result.rows().get(0, "airline_name")).as("the result itself is unchanged").isEqualTo("Alpha Air");
    }
}
