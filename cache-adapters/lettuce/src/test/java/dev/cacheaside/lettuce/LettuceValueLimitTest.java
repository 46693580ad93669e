package dev.cacheaside.lettuce;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cacheaside.CacheAsideOptions;
import dev.cacheaside.config.ConfigurationException;
import dev.cacheaside.env.Settings;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@link LettuceStoreOptions#maxValueBytes()}: what the store's reads delete as junk and its writes refuse. */
class LettuceValueLimitTest {

    @Test
    void theLimitDefaultsToTheEnginesAndFollowsCacheMaxEntryBytes() {
        assertThat(LettuceStoreOptions.builder().build().maxValueBytes())
                .isEqualTo(LettuceStoreOptions.DEFAULT_MAX_VALUE_BYTES)
                .isEqualTo(CacheAsideOptions.DEFAULT_MAX_ENTRY_BYTES);
        assertThat(LettuceCacheStoreProvider.options(Settings.of(Map.of("CACHE_MAX_ENTRY_BYTES", "4096"))).maxValueBytes())
                .isEqualTo(4096);
        assertThatThrownBy(() -> LettuceCacheStoreProvider.options(Settings.of(Map.of("CACHE_MAX_ENTRY_BYTES", "0"))))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("CACHE_MAX_ENTRY_BYTES");
        assertThatIllegalArgumentException().isThrownBy(() -> LettuceStoreOptions.builder().maxValueBytes(0).build())
                .withMessageContaining("maxValueBytes");
        assertThat(LettuceStoreOptions.builder().maxValueBytes(77).build().mutate().build().maxValueBytes()).isEqualTo(77);
    }

    @Test
    void aWriteOverTheLimitIsRefusedAtTheCallNamingIt() {
        LettuceCacheStore store = LettuceCacheStore.create(LettuceStoreOptions.builder().maxValueBytes(16).build());
        try {
            assertThatIllegalArgumentException().isThrownBy(() -> store.set("k", new byte[17], Duration.ofMinutes(1)))
                    .withMessageContaining("17 bytes").withMessageContaining("maxValueBytes 16");
            assertThatIllegalArgumentException().isThrownBy(() -> store.fill("k", "t", new byte[17], Duration.ofMinutes(1)))
                    .withMessageContaining("CACHE_MAX_ENTRY_BYTES");
            assertThatIllegalArgumentException().isThrownBy(() -> store.replace("k", new byte[1], new byte[17], Duration.ofMinutes(1)));
        } finally {
            store.close();
        }
    }
}
