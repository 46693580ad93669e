package dev.cacheaside;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cacheaside.config.ConfigurationException;
import dev.cacheaside.config.Settings;
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
}
