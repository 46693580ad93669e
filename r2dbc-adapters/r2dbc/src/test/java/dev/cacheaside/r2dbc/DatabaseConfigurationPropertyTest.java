package dev.cacheaside.r2dbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cacheaside.config.ConfigurationException;
import dev.cacheaside.env.QueryExecutorProvider;
import dev.cacheaside.env.Settings;
import dev.cacheaside.spi.QueryExecutor;
import java.math.BigInteger;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

/**
 * Feeds random, overflowing, negative and garbage strings to every {@code DB_*} variable: each
 * engine's {@code create} gives an executor (closed at once; nothing connects) or a
 * {@link ConfigurationException} naming one of the variables given, never another exception,
 * and never showing the password.
 */
class DatabaseConfigurationPropertyTest {

    static final List<String> VARIABLES = List.of("DB_HOST", "DB_PORT", "DB_USER", "DB_PASSWORD", "DB_NAME",
            "DB_POOL_SIZE", "DB_ACQUIRE_TIMEOUT", "DB_CONNECT_TIMEOUT", "DB_STATEMENT_TIMEOUT");

    static final Map<String, QueryExecutorProvider> ENGINES = Map.of(
            "postgresql", new PostgresqlQueryExecutorProvider(),
            "mariadb", new MariaDbQueryExecutorProvider(),
            "mysql", new MySqlQueryExecutorProvider(),
            "h2", new H2QueryExecutorProvider());

    @Property(tries = 1000)
    void everyValueIsValidOrAConfigurationErrorNamingItsVariable(
            @ForAll("engines") String engine, @ForAll("settings") Map<String, String> vars) {
        QueryExecutor executor;
        try {
            executor = ENGINES.get(engine).create(engine, Settings.of(vars));
        } catch (ConfigurationException e) {
            assertThat(vars).as("the variable named by: " + e.getMessage()).containsKey(e.variable());
            assertThat(e.getMessage()).as("the message names the variable").contains(e.variable());
            String pw = vars.get("DB_PASSWORD");
            if (pw != null && pw.trim().length() >= 6 && vars.entrySet().stream()
                    .noneMatch(v -> !v.getKey().equals("DB_PASSWORD") && v.getValue().contains(pw.trim()))) {
                assertThat(e.getMessage()).as("the message never shows DB_PASSWORD").doesNotContain(pw.trim());
            }
            return;
        }
        executor.closeAsync().block(Duration.ofSeconds(30));
    }

    /** Found by the property test: the MariaDB driver threw NumberFormatException for DB_HOST ':1'. */
    @Test
    void aHostWithColonsIsAnIpv6AddressOrAConfigurationError() {
        for (String engine : List.of("postgresql", "mariadb", "mysql")) {
            for (String bad : List.of(":1", "a:1", "db:5432", "[db]", "db%eth0", "1:2:3", ":::")) {
                assertThatThrownBy(() -> ENGINES.get(engine).create(engine, Settings.of(Map.of("DB_HOST", bad))))
                        .as(engine + " DB_HOST='" + bad + "'")
                        .isInstanceOf(ConfigurationException.class)
                        .hasMessageContaining("DB_HOST");
            }
            for (String ipv6 : List.of("::1", "[::1]")) {
                try {
                    ENGINES.get(engine).create(engine, Settings.of(Map.of("DB_HOST", ipv6))).closeAsync().block(Duration.ofSeconds(30));
                } catch (ConfigurationException e) {
                    assertThat(e.variable()).as(engine + " DB_HOST='" + ipv6 + "'").isEqualTo("DB_HOST");
                }
            }
        }
    }

    @Test
    void anEmptyDbHostIsAnErrorButAnUnsetOneIsLocalhost() {
        for (String engine : List.of("postgresql", "mariadb", "mysql")) {
            // "\u0000" trims to nothing: the PostgreSQL driver took the empty host for a socket and threw
            for (String empty : List.of("", "   ", "\u0000")) {
                assertThatThrownBy(() -> ENGINES.get(engine).create(engine, Settings.of(Map.of("DB_HOST", empty))))
                        .as(engine + " DB_HOST='" + empty + "'")
                        .isInstanceOf(ConfigurationException.class)
                        .hasMessageContaining("DB_HOST is set but empty");
            }
            QueryExecutor unset = ENGINES.get(engine).create(engine, Settings.empty());
            try {
                assertThat(unset.toString()).as(engine + " with DB_HOST unset").contains("localhost");
            } finally {
                unset.closeAsync().block(Duration.ofSeconds(30));
            }
        }
    }

    @Test
    void anOverflowingTimeoutNamesItsVariable() {
        for (String variable : List.of("DB_ACQUIRE_TIMEOUT", "DB_CONNECT_TIMEOUT", "DB_STATEMENT_TIMEOUT")) {
            for (String value : List.of("9999999999999999h", "25h", "-5s")) {
                assertThatThrownBy(() -> new PostgresqlQueryExecutorProvider().create("postgresql",
                        Settings.of(Map.of(variable, value))))
                        .as(variable + "=" + value).isInstanceOf(ConfigurationException.class)
                        .hasMessageContaining(variable + "='" + value + "'");
            }
        }
    }

    @Provide
    Arbitrary<String> engines() {
        return Arbitraries.of(ENGINES.keySet());
    }

    @Provide
    Arbitrary<Map<String, String>> settings() {
        Arbitrary<Map.Entry<String, String>> entry = Combinators.combine(Arbitraries.of(VARIABLES), values()).as(Map::entry);
        return entry.list().ofMinSize(1).ofMaxSize(3).map(list -> {
            Map<String, String> m = new HashMap<>();
            list.forEach(e -> m.put(e.getKey(), e.getValue()));
            return m;
        });
    }

    static Arbitrary<String> values() {
        Arbitrary<String> units = Arbitraries.of("", "ms", "s", "m", "h", "d");
        return Arbitraries.oneOf(
                Arbitraries.strings().ofMaxLength(24),
                Arbitraries.strings().withChars("0123456789-+.:;/@?=&%_ abhlost").ofMaxLength(24),
                Arbitraries.longs().map(String::valueOf),
                Combinators.combine(Arbitraries.longs(), units).as((n, u) -> n + u),
                Combinators.combine(Arbitraries.integers().between(-5, 70_000), units).as((n, u) -> n + u),
                Arbitraries.bigIntegers().between(BigInteger.TEN.pow(30).negate(), BigInteger.TEN.pow(30))
                        .map(BigInteger::toString),
                Arbitraries.of("", " ", "NaN", "-0", "0", "9999999999999999h", "9223372036854775807ms", "-1", "1001",
                        "2147483648", "\u0663", "\u0000", "localhost", "::1", "[::1]", "db.example:5432", "airportdb",
                        "x;y", "secret-password", "a b", "r2dbc:postgresql://h/db"));
    }
}
