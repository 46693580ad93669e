package dev.cacheaside.r2dbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cacheaside.config.ConfigurationException;
import dev.cacheaside.env.Settings;
import io.r2dbc.spi.ConnectionFactories;
import io.r2dbc.spi.R2dbcException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import reactor.test.StepVerifier;

/** {@link R2dbcOptions#maxRows()} ({@code DB_MAX_ROWS}) bounds how many rows one query reads (issue 12). */
class MaxRowsTest {

    static R2dbcQueryExecutor h2(int maxRows) {
        return R2dbcQueryExecutor.create(ConnectionFactories.get("r2dbc:h2:mem:///maxrows" + UUID.randomUUID()
                + "?options=DB_CLOSE_DELAY=-1"), R2dbcOptions.builder().maxRows(maxRows).poolMaxSize(1).build());
    }

    @Test
    void aResultPastTheLimitFailsNamingItAndReleasesTheConnection() {
        try (R2dbcQueryExecutor executor = h2(100)) {
            StepVerifier.create(executor.execute("SELECT X FROM SYSTEM_RANGE(1, 50000)", List.of()))
                    .expectErrorSatisfies(e -> assertThat(e).isInstanceOf(R2dbcException.class)
                            .hasMessageContaining("more than 100 rows").hasMessageContaining("DB_MAX_ROWS"))
                    .verify(Duration.ofSeconds(30));
            long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
            while (executor.poolMetrics().orElseThrow().acquiredSize() != 0 && System.nanoTime() < deadline) {
                Thread.onSpinWait();
            }
            assertThat(executor.poolMetrics().orElseThrow().acquiredSize()).as("connections still acquired").isZero();
            assertThat(executor.execute("SELECT X FROM SYSTEM_RANGE(1, 100)", List.of()).block(Duration.ofSeconds(30)).size())
                    .as("a result at the limit, on the one pooled connection").isEqualTo(100);
        }
    }

    @Test
    void zeroMeansNoLimit() {
        try (R2dbcQueryExecutor executor = h2(0)) {
            assertThat(executor.execute("SELECT X FROM SYSTEM_RANGE(1, 150000)", List.of()).block(Duration.ofSeconds(60)).size())
                    .isEqualTo(150_000);
        }
    }

    @Test
    void theOptionDefaultsToOneHundredThousandAndRefusesNegatives() {
        assertThat(R2dbcOptions.create().maxRows()).isEqualTo(R2dbcOptions.DEFAULT_MAX_ROWS).isEqualTo(100_000);
        assertThatIllegalArgumentException().isThrownBy(() -> R2dbcOptions.builder().maxRows(-1).build())
                .withMessageContaining("maxRows=-1");
        assertThat(R2dbcOptions.builder().maxRows(5).build().mutate().build().maxRows()).isEqualTo(5);
        assertThat(R2dbcOptions.builder().maxRows(5).build()).isNotEqualTo(R2dbcOptions.create());
    }

    @Test
    void dbMaxRowsSetsTheOption() {
        assertThat(R2dbcProviders.options(Settings.of(Map.of("DB_MAX_ROWS", "250"))).maxRows()).isEqualTo(250);
        assertThat(R2dbcProviders.options(Settings.of(Map.of("DB_MAX_ROWS", "0"))).maxRows()).isZero();
        assertThatThrownBy(() -> R2dbcProviders.options(Settings.of(Map.of("DB_MAX_ROWS", "-1"))))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("DB_MAX_ROWS");
    }
}
