package dev.cacheaside.env;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cacheaside.CacheAsideOptions;
import dev.cacheaside.config.ConfigurationException;
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

/**
 * Feeds random, overflowing, negative and garbage strings to every {@code CACHE_*} variable that
 * {@link CacheAsideSettings} parses: the result is either valid options (whose durations all fit
 * in nanoseconds, so no later conversion overflows) or a {@link ConfigurationException} naming
 * one of the variables given, never any other exception.
 */
class ConfigurationPropertyTest {

    static final List<String> VARIABLES = List.of("CACHE_TTL", "CACHE_KEY_PREFIX", "CACHE_TIMEOUT",
            "CACHE_INVALIDATION_TIMEOUT", "CACHE_LEASES", "CACHE_LEASE_TTL", "CACHE_LEASE_WAIT", "CACHE_STALE_TTL",
            "CACHE_EARLY_REFRESH_BETA", "CACHE_TTL_JITTER", "CACHE_BREAKER", "CACHE_BREAKER_OPEN",
            "CACHE_BREAKER_FAILURE_RATE", "CACHE_MAX_ENTRY_BYTES", "CACHE_NEAR", "CACHE_NEAR_MAX_BYTES");

    @Property(tries = 3000)
    void everyValueIsValidOrAConfigurationErrorNamingItsVariable(@ForAll("settings") Map<String, String> vars) {
        CacheAsideOptions options;
        try {
            options = CacheAsideSettings.options(Settings.of(vars));
        } catch (ConfigurationException e) {
            assertThat(vars).as("the variable named by: " + e.getMessage()).containsKey(e.variable());
            assertThat(e.getMessage()).as("the message names the variable").contains(e.variable());
            return;
        }
        for (Duration d : List.of(options.defaultTtl(), options.cacheTimeout(), options.invalidationTimeout(),
                options.leaseTtl(), options.leaseWait(), options.staleWhileRevalidate())) {
            assertThat(d.toNanos()).as("an accepted duration fits in nanoseconds").isNotNegative();
            // what the engine adds up for an entry's life: TTL stretched by jitter, plus the stale time
            assertThat(d.plus(options.defaultTtl().multipliedBy(2)).plus(options.staleWhileRevalidate()).toMillis())
                    .isPositive();
        }
    }

    @Provide
    Arbitrary<Map<String, String>> settings() {
        Arbitrary<String> name = Arbitraries.of(VARIABLES);
        Arbitrary<Map.Entry<String, String>> entry = Combinators.combine(name, values()).as(Map::entry);
        return entry.list().ofMinSize(1).ofMaxSize(3).map(list -> {
            Map<String, String> m = new HashMap<>();
            list.forEach(e -> m.put(e.getKey(), e.getValue()));
            return m;
        });
    }

    /** Numbers of every size and sign, with and without units, plus garbage. */
    static Arbitrary<String> values() {
        Arbitrary<String> units = Arbitraries.of("", "ms", "s", "m", "h", "d", "MS", " s", "us", "ns");
        return Arbitraries.oneOf(
                Arbitraries.strings().ofMaxLength(24),
                Arbitraries.strings().withChars("0123456789-+.eE ,_xhms").ofMaxLength(24),
                Arbitraries.longs().map(String::valueOf),
                Combinators.combine(Arbitraries.longs(), units).as((n, u) -> n + u),
                Combinators.combine(Arbitraries.integers().between(-5, 100_000), units).as((n, u) -> n + u),
                Arbitraries.bigIntegers().between(BigInteger.TEN.pow(30).negate(), BigInteger.TEN.pow(30))
                        .map(BigInteger::toString),
                Arbitraries.doubles().map(String::valueOf),
                Arbitraries.of("", " ", "NaN", "Infinity", "-Infinity", "1e308", "-0", "0", "0.0", "9999999999999999h",
                        "9223372036854775807s", "9223372036854775807ms", "-9223372036854775808", "0x10", "0x1p3", "+5",
                        "true", "yes", "off", "\u0663", "\u0000", "1_000", "query:", "a b", "\u00e9t\u00e9", "3600",
                        "250ms", "10s", "2147483648", "-1", "101", "0.5", "0.51", "10.0001"));
    }
}
