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
}
