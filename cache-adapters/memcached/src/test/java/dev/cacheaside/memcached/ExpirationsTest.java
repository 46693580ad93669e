package dev.cacheaside.memcached;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

class ExpirationsTest {

    private static final Instant NOW = Instant.parse("2026-01-01T00:00:00Z");
    private final Clock clock = Clock.fixed(NOW, ZoneOffset.UTC);

    @Test
    void subSecondTtlsRoundUpToOneSecond() {
        assertThat(Expirations.of(Duration.ofMillis(1), clock)).as("1 ms").isEqualTo(1);
        assertThat(Expirations.of(Duration.ofNanos(1), clock)).as("1 ns").isEqualTo(1);
        assertThat(Expirations.of(Duration.ofMillis(999), clock)).as("999 ms").isEqualTo(1);
    }

    @Test
    void partialSecondsRoundUp() {
        assertThat(Expirations.of(Duration.ofMillis(1500), clock)).as("1.5 s").isEqualTo(2);
        assertThat(Expirations.of(Duration.ofSeconds(60), clock)).as("60 s").isEqualTo(60);
    }

    @Test
    void thirtyDaysIsStillRelative() {
        assertThat(Expirations.of(Duration.ofDays(30), clock)).as("exactly 30 days").isEqualTo(2_592_000);
    }

    @Test
    void longerThanThirtyDaysBecomesAnAbsoluteUnixTime() {
        assertThat(Expirations.of(Duration.ofDays(30).plusSeconds(1), clock)).as("30 days + 1 s")
                .isEqualTo(NOW.getEpochSecond() + 2_592_001);
        assertThat(Expirations.of(Duration.ofDays(365), clock)).as("a year")
                .isEqualTo(NOW.getEpochSecond() + 365L * 86_400);
        assertThat(Expirations.of(Duration.ofDays(31).minusMillis(1), clock)).as("31 days - 1 ms rounds up")
                .isEqualTo(NOW.getEpochSecond() + 31L * 86_400);
    }

    @Test
    void nonPositiveTtlsAreRejected() {
        assertThatThrownBy(() -> Expirations.of(Duration.ZERO, clock)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("ttl");
        assertThatThrownBy(() -> Expirations.of(Duration.ofSeconds(-1), clock)).isInstanceOf(IllegalArgumentException.class);
    }
}
