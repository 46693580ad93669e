package dev.cacheaside.caffeine;

import dev.cacheaside.config.ConfigurationException;
import dev.cacheaside.env.CacheStoreProvider;
import dev.cacheaside.env.Settings;
import dev.cacheaside.spi.CacheStore;
import java.util.Locale;
import java.util.Set;

/**
 * Provides {@link LocalCacheStore} for {@code CACHE_ENGINE=local}, reading
 * {@code CACHE_LOCAL_MAX_BYTES} (bytes, or with a binary unit: {@code 512k}, {@code 64m},
 * {@code 1g}; default {@link LocalStoreOptions#DEFAULT_MAXIMUM_BYTES}).
 *
 * <p>Found through {@link java.util.ServiceLoader}; stateless and thread safe.
 */
public final class LocalCacheStoreProvider implements CacheStoreProvider {

    /** The variable bounding the bytes the store holds. */
    public static final String MAX_BYTES = "CACHE_LOCAL_MAX_BYTES";

    /** Public for {@link java.util.ServiceLoader}. */
    public LocalCacheStoreProvider() {
    }

    @Override
    public Set<String> engines() {
        return Set.of("local");
    }

    @Override
    public CacheStore create(String engine, Settings settings) {
        long maximumBytes = settings.get(MAX_BYTES)
                .map(LocalCacheStoreProvider::parseBytes)
                .orElse(LocalStoreOptions.DEFAULT_MAXIMUM_BYTES);
        return LocalCacheStore.create(LocalStoreOptions.builder().maximumBytes(maximumBytes).build());
    }

    static long parseBytes(String raw) {
        String s = raw.trim().toLowerCase(Locale.ROOT);
        if (s.endsWith("ib")) {
            s = s.substring(0, s.length() - 2);
        } else if (s.endsWith("b")) {
            s = s.substring(0, s.length() - 1);
        }
        long unit = 1;
        if (!s.isEmpty()) {
            switch (s.charAt(s.length() - 1)) {
                case 'k': unit = 1L << 10; break;
                case 'm': unit = 1L << 20; break;
                case 'g': unit = 1L << 30; break;
                default: unit = 1;
            }
        }
        if (unit != 1) {
            s = s.substring(0, s.length() - 1);
        }
        try {
            long value = Long.parseLong(s.trim());
            if (value > 0 && value <= Long.MAX_VALUE / unit) {
                return value * unit;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new ConfigurationException(MAX_BYTES, MAX_BYTES + "='" + raw
                + "' is not a positive size; expected bytes (67108864) or a number with a unit (512k, 64m, 1g)");
    }
}
