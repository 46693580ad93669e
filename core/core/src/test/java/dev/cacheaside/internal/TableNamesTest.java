package dev.cacheaside.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cacheaside.spi.Rows;
import org.junit.jupiter.api.Test;

class TableNamesTest {

    @Test
    void joinsSubqueriesAndCtesAreFoundAndCteNamesAreNot() {
        assertThat(TableNames.of("SELECT * FROM airline WHERE airline_id = 1")).containsExactly("airline");
        assertThat(TableNames.of("SELECT f.flightno, a.name FROM flight f JOIN airport a ON a.airport_id = f.from_airport"
                + " LEFT JOIN airline l ON l.airline_id = f.airline_id")).containsExactlyInAnyOrder("flight", "airport", "airline");
        assertThat(TableNames.of("SELECT * FROM passenger p WHERE EXISTS (SELECT 1 FROM booking b WHERE b.passenger_id = p.passenger_id)"
                + " AND p.passenger_id IN (SELECT passenger_id FROM passengerdetails)"))
                .containsExactlyInAnyOrder("passenger", "booking", "passengerdetails");
        assertThat(TableNames.of("WITH busy AS (SELECT flight_id, COUNT(*) n FROM booking GROUP BY flight_id)"
                + " SELECT f.flightno, busy.n FROM busy JOIN flight f ON f.flight_id = busy.flight_id"))
                .containsExactlyInAnyOrder("booking", "flight");
        assertThat(TableNames.of("SELECT 1 FROM airline UNION SELECT 2 FROM airport")).containsExactlyInAnyOrder("airline", "airport");
    }

    @Test
    void parsingStartsNoThread() {
        // CCJSqlParserUtil (used before) ran every parse on a new executor thread and waited on a
        // Future, which blocks an event loop: 40 new texts started at least 40 threads
        java.lang.management.ThreadMXBean threads = java.lang.management.ManagementFactory.getThreadMXBean();
        long before = threads.getTotalStartedThreadCount();
        for (int i = 0; i < 40; i++) {
            assertThat(TableNames.of("SELECT * FROM thread_probe_" + i + " t JOIN other o ON o.id = t.id"))
                    .containsExactlyInAnyOrder("thread_probe_" + i, "other");
        }
        assertThat(threads.getTotalStartedThreadCount() - before).as("threads started").isLessThan(5);
    }

    @Test
    void textsPastTheBoundAreNotParsed() {
        StringBuilder sql = new StringBuilder("SELECT * FROM big_probe WHERE id IN (0");
        while (sql.length() <= TableNames.MAX_PARSED_CHARS) {
            sql.append(", 1");
        }
        sql.append(')');
        assertThat(TableNames.of(sql.toString())).as("unknown: the caller declares tables").isEmpty();
        assertThat(TableNames.of("SELECT * FROM big_probe WHERE id IN (0, 1)")).containsExactly("big_probe");
    }

    @Test
    void namesCompareWithoutSchemaQuotesOrCase() {
        assertThat(TableNames.of("SELECT * FROM public.\"Booking\"")).containsExactly("booking");
        assertThat(TableNames.of("SELECT * FROM `airportdb`.`booking`")).containsExactly("booking");
        assertThat(TableNames.of("SELECT * FROM BOOKING")).containsExactly("booking");
        assertThat(TableNames.normalize("\"my.schema\".\"Flight\"")).isEqualTo("flight");
        assertThat(TableNames.normalize("[dbo].[Flight]")).isEqualTo("flight");
    }

    @Test
    void writesNameTheirTables() {
        assertThat(TableNames.of("UPDATE booking SET price = ? WHERE booking_id = ?")).containsExactly("booking");
        assertThat(TableNames.of("INSERT INTO passenger (firstname) VALUES (?)")).containsExactly("passenger");
        assertThat(TableNames.of("DELETE FROM booking WHERE flight_id IN (SELECT flight_id FROM flight WHERE airline_id = 3)"))
                .containsExactlyInAnyOrder("booking", "flight");
    }

    @Test
    void unparseableSqlHasNoTables() {
        assertThat(TableNames.of("SELECT * FROM airline WHERE MATCH (name) AGAINST (? IN NATURAL LANGUAGE MODE) FOO BAR BAZ ("))
                .isEmpty();
    }

    @Test
    void tagKeysAreValidCacheKeys() {
        assertThat(TableNames.tagKey("query:", "booking")).isEqualTo("query:table:booking");
        String odd = TableNames.tagKey("query:", "my table with spaces");
        assertThat(odd).startsWith("query:table:").doesNotContain(" ").hasSize("query:table:".length() + 64);
    }
}
