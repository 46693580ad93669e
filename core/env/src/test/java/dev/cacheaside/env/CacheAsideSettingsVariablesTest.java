package dev.cacheaside.env;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cacheaside.CacheAsideOptions;
import dev.cacheaside.config.ConfigurationException;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CacheAsideSettingsVariablesTest {

    @Test
    void anOptionRefusedByTheBuilderNamesItsVariable() {
        assertThatThrownBy(() -> CacheAsideSettings.options(Settings.of(Map.of("CACHE_LEASE_TTL", "500ms"))))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("CACHE_LEASE_TTL='500ms'")
                .extracting(e -> ((ConfigurationException) e).variable()).isEqualTo("CACHE_LEASE_TTL");
        assertThatThrownBy(() -> CacheAsideSettings.options(Settings.of(Map.of("CACHE_KEY_PREFIX", "caf\u00e9:"))))
                .isInstanceOf(ConfigurationException.class)
                .extracting(e -> ((ConfigurationException) e).variable()).isEqualTo("CACHE_KEY_PREFIX");
    }

    @Test
    void zeroTurnsStaleAndLeaseWaitOffInAnyUnit() {
        for (String zero : java.util.List.of("0", "0ms", "0s", "00m")) {
            CacheAsideOptions o = CacheAsideSettings.options(Settings.of(Map.of("CACHE_STALE_TTL", zero, "CACHE_LEASE_WAIT", zero)));
            org.assertj.core.api.Assertions.assertThat(o.staleWhileRevalidate()).as(zero).isZero();
            org.assertj.core.api.Assertions.assertThat(o.leaseWait()).as(zero).isZero();
        }
        assertThatThrownBy(() -> CacheAsideSettings.options(Settings.of(Map.of("CACHE_STALE_TTL", "-0s5"))))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("CACHE_STALE_TTL");
    }

    @Test
    void cacheVariablesSetTheOptions() {
        CacheAsideOptions o = CacheAsideSettings.options(Settings.of(Map.of(
                "CACHE_TTL", "600", "CACHE_KEY_PREFIX", "app:", "CACHE_TIMEOUT", "100ms", "CACHE_LEASES", "false",
                "CACHE_STALE_TTL", "30s", "CACHE_TTL_JITTER", "0.1", "CACHE_EARLY_REFRESH_BETA", "0",
                "CACHE_LEASE_WAIT", "0", "CACHE_INVALIDATION_TIMEOUT", "30s", "CACHE_CONNECT_TIMEOUT", "7s")));
        assertThat(o.defaultTtl()).isEqualTo(Duration.ofMinutes(10));
        assertThat(o.keyPrefix()).isEqualTo("app:");
        assertThat(o.cacheTimeout()).isEqualTo(Duration.ofMillis(100));
        assertThat(o.leases()).isFalse();
        assertThat(o.staleWhileRevalidate()).isEqualTo(Duration.ofSeconds(30));
        assertThat(o.ttlJitter()).isEqualTo(0.1);
        assertThat(o.earlyRefreshBeta()).isZero();
        assertThat(o.leaseWait()).isZero();
        assertThat(o.invalidationTimeout()).isEqualTo(Duration.ofSeconds(30));
        assertThat(o.connectTimeout()).isEqualTo(Duration.ofSeconds(7));
        assertThat(CacheAsideSettings.options(Settings.of(Map.of())).connectTimeout()).as("default")
                .isEqualTo(CacheAsideOptions.DEFAULT_CONNECT_TIMEOUT);
        assertThatThrownBy(() -> CacheAsideSettings.options(Settings.of(Map.of("CACHE_CONNECT_TIMEOUT", "soon"))))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("CACHE_CONNECT_TIMEOUT");
        assertThatThrownBy(() -> CacheAsideSettings.options(Settings.of(Map.of("CACHE_TTL_JITTER", "0.9"))))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("CACHE_TTL_JITTER='0.9'");
        assertThatThrownBy(() -> CacheAsideSettings.options(Settings.of(Map.of("CACHE_KEY_PREFIX", "a b"))))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("'a b'");
    }

    @Test
    void stateChangingFunctionsAreAllowedByTheirVariable() {
        assertThat(CacheAsideSettings.options(Settings.of(Map.of("CACHE_ALLOW_STATE_FUNCTIONS", "true")))
                .allowStateChangingFunctions()).isTrue();
        assertThat(CacheAsideSettings.options(Settings.empty()).allowStateChangingFunctions()).as("default").isFalse();
    }

    @Test
    void nearVariablesTurnTheNearTierOnAndBoundIt() {
        CacheAsideOptions off = CacheAsideSettings.options(Settings.of(Map.of()));
        assertThat(off.nearCache()).as("off by default").isFalse();
        CacheAsideOptions on = CacheAsideSettings.options(Settings.of(Map.of("CACHE_NEAR", "true", "CACHE_NEAR_MAX_BYTES", "1048576")));
        assertThat(on.nearCache()).isTrue();
        assertThat(on.nearCacheMaxBytes()).isEqualTo(1048576);
        assertThatThrownBy(() -> CacheAsideSettings.options(Settings.of(Map.of("CACHE_NEAR_MAX_BYTES", "100"))))
                .isInstanceOf(ConfigurationException.class)
                .extracting(e -> ((ConfigurationException) e).variable()).isEqualTo("CACHE_NEAR_MAX_BYTES");
        assertThatThrownBy(() -> CacheAsideSettings.options(Settings.of(Map.of("CACHE_NEAR", "sometimes"))))
                .isInstanceOf(ConfigurationException.class)
                .extracting(e -> ((ConfigurationException) e).variable()).isEqualTo("CACHE_NEAR");
    }
}
