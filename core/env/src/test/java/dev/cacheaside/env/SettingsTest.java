package dev.cacheaside.env;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cacheaside.config.ConfigurationException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SettingsTest {

    @TempDir
    Path dir;

    @Test
    void dotenvFileIsReadAndTheEnvironmentWins() throws Exception {
        Path env = dir.resolve(".env");
        Files.writeString(env, "# comment\nDB_ENGINE=postgresql\nDB_PORT=5433\nCACHE_TTL=600\nDB_PASSWORD=\"s3cret\"\n");
        Settings s = Settings.load(Map.of("DB_PORT", "6543"), env);
        assertThat(s.get("DB_ENGINE", "h2")).isEqualTo("postgresql");
        assertThat(s.getPort("DB_PORT", 5432)).as("environment wins").isEqualTo(6543);
        assertThat(s.getDuration("CACHE_TTL", Duration.ofHours(1))).isEqualTo(Duration.ofMinutes(10));
        assertThat(s.get("DB_PASSWORD")).contains("s3cret");
    }

    @Test
    void missingDotenvFileIsFine() {
        Settings s = Settings.load(Map.of(), dir.resolve("nope.env"));
        assertThat(s.get("DB_ENGINE", "h2")).isEqualTo("h2");
    }

    @Test
    void blankValuesCountAsNotSet() {
        Settings s = Settings.of(Map.of("CACHE_PORT", "  "));
        assertThat(s.getPort("CACHE_PORT", 6379)).isEqualTo(6379);
    }

    @Test
    void badNumbersNameTheVariableAndTheValue() {
        Settings s = Settings.of(Map.of("DB_PORT", "33o6", "CACHE_PORT", "70000", "CACHE_TTL", "soon",
                "CACHE_TIMEOUT", "-5s", "CACHE_TLS", "maybe"));
        assertThatThrownBy(() -> s.getPort("DB_PORT", 3306))
                .isInstanceOf(ConfigurationException.class)
                .hasMessage("DB_PORT='33o6' is not a whole number; expected a number from 1 to 65535")
                .extracting(e -> ((ConfigurationException) e).variable()).isEqualTo("DB_PORT");
        assertThatThrownBy(() -> s.getPort("CACHE_PORT", 6379)).hasMessageContaining("CACHE_PORT='70000' is out of range");
        assertThatThrownBy(() -> s.getDuration("CACHE_TTL", Duration.ofHours(1))).hasMessageContaining("CACHE_TTL='soon'");
        assertThatThrownBy(() -> s.getDuration("CACHE_TIMEOUT", Duration.ofMillis(250))).hasMessageContaining("CACHE_TIMEOUT='-5s'");
        assertThatThrownBy(() -> s.getBoolean("CACHE_TLS", false)).hasMessageContaining("CACHE_TLS='maybe'");
    }

    @Test
    void durationsTakeUnits() {
        Settings s = Settings.of(Map.of("A", "250ms", "B", "30s", "C", "5m", "D", "2h", "E", "3600"));
        assertThat(List.of(s.getDuration("A", null), s.getDuration("B", null), s.getDuration("C", null),
                s.getDuration("D", null), s.getDuration("E", null)))
                .containsExactly(Duration.ofMillis(250), Duration.ofSeconds(30), Duration.ofMinutes(5),
                        Duration.ofHours(2), Duration.ofHours(1));
    }

    @Test
    void secretsNeverShow() {
        Settings s = Settings.of(Map.of("DB_PASSWORD", "hunter2", "CACHE_PASSWORD", "abc", "DB_USER", "root"));
        assertThat(s.toString()).doesNotContain("hunter2").doesNotContain("abc").contains("DB_USER=root")
                .contains("DB_PASSWORD=(redacted)");
        Settings bad = Settings.of(Map.of("DB_PASSWORD", "hunter2"));
        assertThatThrownBy(() -> bad.getInt("DB_PASSWORD", 0, 0, 1)).hasMessageNotContaining("hunter2")
                .hasMessageContaining("(redacted)");
    }

    @Test
    void unknownEngineNamesTheVariableAndTheValue() {
        assertThatThrownBy(() -> CacheAsideEnvironment.create(Settings.of(Map.of("DB_ENGINE", "oracle"))))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("DB_ENGINE='oracle' is not a known engine");
        assertThatThrownBy(() -> CacheAsideEnvironment.create(Settings.of(Map.of("CACHE_TTL", "0"))))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("CACHE_TTL='0'");
    }

    @Test
    void choicesAreChecked() {
        Settings s = Settings.of(Map.of("CACHE_ENGINE", "Redis"));
        assertThat(s.getChoice("CACHE_ENGINE", "local", List.of("local", "redis"))).isEqualTo("redis");
        assertThatThrownBy(() -> s.getChoice("CACHE_ENGINE", "local", List.of("local")))
                .hasMessageContaining("CACHE_ENGINE='Redis' is not supported");
    }

    @Test
    void anOverflowingDurationNamesTheVariableInsteadOfThrowingArithmeticException() {
        for (String value : List.of("9999999999999999h", "9223372036854775807m", "99999999999999999999s")) {
            Settings s = Settings.of(Map.of("CACHE_TTL", value));
            assertThatThrownBy(() -> s.getDuration("CACHE_TTL", Duration.ofHours(1)))
                    .as(value).isInstanceOf(ConfigurationException.class)
                    .hasMessageContaining("CACHE_TTL='" + value + "'");
        }
        assertThatThrownBy(() -> CacheAsideEnvironment.create(Settings.of(Map.of("CACHE_TTL", "9999999999999999h"))))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("CACHE_TTL");
    }

    @Test
    void durationsAreBoundedSoThatNothingOverflowsLater() {
        Settings s = Settings.of(Map.of("CACHE_TTL", "36600000", "CACHE_TIMEOUT", "25h"));
        assertThatThrownBy(() -> s.getDuration("CACHE_TTL", Duration.ofHours(1)))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("at most 365 days");
        assertThat(Settings.of(Map.of("CACHE_TTL", "8760h")).getDuration("CACHE_TTL", Duration.ZERO))
                .isEqualTo(Settings.MAX_DURATION);
        assertThatThrownBy(() -> s.getDuration("CACHE_TIMEOUT", Duration.ofSeconds(1), Settings.MAX_TIMEOUT))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("CACHE_TIMEOUT='25h'")
                .hasMessageContaining("at most 1 day");
        assertThat(Settings.of(Map.of("CACHE_TIMEOUT", "24h")).getDuration("CACHE_TIMEOUT", Duration.ZERO, Settings.MAX_TIMEOUT))
                .isEqualTo(Duration.ofDays(1));
    }

    @Test
    void anEmptyHostIsAnErrorButAnUnsetOneTakesTheDefault() {
        for (String empty : List.of("", " ", "\t", "\u0000")) {
            Settings s = Settings.of(Map.of("DB_HOST", empty));
            assertThatThrownBy(() -> s.getHost("DB_HOST", "localhost")).as("DB_HOST='" + empty + "'")
                    .isInstanceOf(ConfigurationException.class)
                    .hasMessageContaining("DB_HOST is set but empty")
                    .extracting(e -> ((ConfigurationException) e).variable()).isEqualTo("DB_HOST");
        }
        assertThatThrownBy(() -> Settings.empty().with("CACHE_HOST", "").getHost("CACHE_HOST", "localhost"))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("CACHE_HOST is set but empty");
        assertThat(Settings.empty().getHost("DB_HOST", "localhost")).isEqualTo("localhost");
        assertThat(Settings.empty().with("DB_HOST", "").with("DB_HOST", null).getHost("DB_HOST", "localhost"))
                .as("removed again").isEqualTo("localhost");
        assertThat(Settings.of(Map.of("DB_HOST", " db.example ")).getHost("DB_HOST", "localhost")).isEqualTo("db.example");
        assertThat(Settings.of(Map.of("DB_HOST", "")).get("DB_HOST")).as("other getters: empty is not set").isEmpty();
        assertThatThrownBy(() -> Settings.of(Map.of("DB_HOST", "a b")).getHost("DB_HOST", "localhost"))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("DB_HOST='a b' is not a host");
        assertThatThrownBy(() -> Settings.of(Map.of("DB_HOST", "postgres://x")).getHost("DB_HOST", "localhost"))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("is not a host");
        assertThatThrownBy(() -> Settings.of(Map.of("DB_HOST", "caf\u00e9.example")).getHost("DB_HOST", "localhost"))
                .as("non-ASCII: the driver would misread it").isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("U+00E9");
        for (String host : List.of("::1", "[::1]", "fe80::1%eth0", "10.0.0.7", "db-1.example_x.internal", "xn--caf-dma.example")) {
            assertThat(Settings.of(Map.of("DB_HOST", host)).getHost("DB_HOST", "localhost")).isEqualTo(host);
        }
    }
}
