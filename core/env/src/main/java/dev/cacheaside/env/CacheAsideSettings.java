package dev.cacheaside.env;

import dev.cacheaside.CacheAsideOptions;
import dev.cacheaside.config.ConfigurationException;

/**
 * The {@code CACHE_*} variables that set {@link CacheAsideOptions}, for
 * {@link CacheAsideEnvironment#create}. A variable that is not set takes the option's default.
 *
 * <table>
 *   <caption>Variables</caption>
 *   <tr><th>variable</th><th>default</th><th>option</th></tr>
 *   <tr><td>CACHE_TTL</td><td>3600 (seconds)</td><td>{@link CacheAsideOptions#defaultTtl()}</td></tr>
 *   <tr><td>CACHE_KEY_PREFIX</td><td>query:</td><td>{@link CacheAsideOptions#keyPrefix()}</td></tr>
 *   <tr><td>CACHE_TIMEOUT</td><td>250ms</td><td>{@link CacheAsideOptions#cacheTimeout()}</td></tr>
 *   <tr><td>CACHE_INVALIDATION_TIMEOUT</td><td>5s</td><td>{@link CacheAsideOptions#invalidationTimeout()}</td></tr>
 *   <tr><td>CACHE_CONNECT_TIMEOUT</td><td>5s</td><td>{@link CacheAsideOptions#connectTimeout()}</td></tr>
 *   <tr><td>CACHE_LEASES</td><td>true</td><td>{@link CacheAsideOptions#leases()}</td></tr>
 *   <tr><td>CACHE_LEASE_TTL</td><td>10s</td><td>{@link CacheAsideOptions#leaseTtl()}</td></tr>
 *   <tr><td>CACHE_LEASE_WAIT</td><td>2s</td><td>{@link CacheAsideOptions#leaseWait()}</td></tr>
 *   <tr><td>CACHE_STALE_TTL</td><td>0 (off)</td><td>{@link CacheAsideOptions#staleWhileRevalidate()}</td></tr>
 *   <tr><td>CACHE_EARLY_REFRESH_BETA</td><td>1.0</td><td>{@link CacheAsideOptions#earlyRefreshBeta()}</td></tr>
 *   <tr><td>CACHE_TTL_JITTER</td><td>0</td><td>{@link CacheAsideOptions#ttlJitter()}</td></tr>
 *   <tr><td>CACHE_BREAKER</td><td>true</td><td>{@link CacheAsideOptions#circuitBreaker()} on or off</td></tr>
 *   <tr><td>CACHE_BREAKER_OPEN</td><td>2s</td><td>how long the breaker stays open</td></tr>
 *   <tr><td>CACHE_BREAKER_FAILURE_RATE</td><td>50</td><td>percent of failed calls that opens it</td></tr>
 *   <tr><td>CACHE_ALLOW_STATE_FUNCTIONS</td><td>false</td><td>{@link CacheAsideOptions#allowStateChangingFunctions()}</td></tr>
 *   <tr><td>CACHE_MAX_ENTRY_BYTES</td><td>1048576</td><td>{@link CacheAsideOptions#maxEntryBytes()}</td></tr>
 *   <tr><td>CACHE_NEAR</td><td>false</td><td>{@link CacheAsideOptions#nearCache()}</td></tr>
 *   <tr><td>CACHE_NEAR_MAX_BYTES</td><td>67108864</td><td>{@link CacheAsideOptions#nearCacheMaxBytes()}, 1024 to 2147483647</td></tr>
 * </table>
 */
public final class CacheAsideSettings {

    private CacheAsideSettings() {
    }

    /**
     * The options the {@code CACHE_*} variables of {@code s} set.
     *
     * @throws ConfigurationException naming the variable and its value when one is invalid, or
     *     when {@link CacheAsideOptions.Builder#build()} refuses the options they make
     */
    public static CacheAsideOptions options(Settings s) {
        CacheAsideOptions.Builder b = CacheAsideOptions.builder()
                .defaultTtl(s.getDuration("CACHE_TTL", CacheAsideOptions.DEFAULT_TTL))
                .keyPrefix(s.get("CACHE_KEY_PREFIX", CacheAsideOptions.DEFAULT_KEY_PREFIX))
                .cacheTimeout(s.getDuration("CACHE_TIMEOUT", CacheAsideOptions.DEFAULT_CACHE_TIMEOUT, Settings.MAX_TIMEOUT))
                .invalidationTimeout(s.getDuration("CACHE_INVALIDATION_TIMEOUT", CacheAsideOptions.DEFAULT_INVALIDATION_TIMEOUT, Settings.MAX_TIMEOUT))
                .connectTimeout(s.getDuration("CACHE_CONNECT_TIMEOUT", CacheAsideOptions.DEFAULT_CONNECT_TIMEOUT, Settings.MAX_TIMEOUT))
                .leases(s.getBoolean("CACHE_LEASES", CacheAsideOptions.DEFAULT_LEASES))
                .leaseTtl(s.getDuration("CACHE_LEASE_TTL", CacheAsideOptions.DEFAULT_LEASE_TTL))
                .leaseWait(s.get("CACHE_LEASE_WAIT").map(v -> isZero(v) ? java.time.Duration.ZERO
                        : s.getDuration("CACHE_LEASE_WAIT", null, Settings.MAX_TIMEOUT)).orElse(CacheAsideOptions.DEFAULT_LEASE_WAIT))
                .staleWhileRevalidate(s.get("CACHE_STALE_TTL").map(v -> isZero(v) ? java.time.Duration.ZERO
                        : s.getDuration("CACHE_STALE_TTL", null)).orElse(CacheAsideOptions.DEFAULT_STALE_WHILE_REVALIDATE))
                .earlyRefreshBeta(fraction(s, "CACHE_EARLY_REFRESH_BETA", CacheAsideOptions.DEFAULT_EARLY_REFRESH_BETA, 10))
                .ttlJitter(fraction(s, "CACHE_TTL_JITTER", CacheAsideOptions.DEFAULT_TTL_JITTER, 0.5))
                .allowStateChangingFunctions(s.getBoolean("CACHE_ALLOW_STATE_FUNCTIONS",
                        CacheAsideOptions.DEFAULT_ALLOW_STATE_CHANGING_FUNCTIONS))
                .maxEntryBytes(s.getInt("CACHE_MAX_ENTRY_BYTES", CacheAsideOptions.DEFAULT_MAX_ENTRY_BYTES, 1, Integer.MAX_VALUE))
                .nearCache(s.getBoolean("CACHE_NEAR", CacheAsideOptions.DEFAULT_NEAR_CACHE))
                .nearCacheMaxBytes(s.getInt("CACHE_NEAR_MAX_BYTES", (int) CacheAsideOptions.DEFAULT_NEAR_CACHE_MAX_BYTES,
                        1024, Integer.MAX_VALUE));
        if (s.getBoolean("CACHE_BREAKER", true)) {
            b.circuitBreaker(io.github.resilience4j.circuitbreaker.CircuitBreakerConfig
                    .from(CacheAsideOptions.DEFAULT_CIRCUIT_BREAKER)
                    .waitDurationInOpenState(s.getDuration("CACHE_BREAKER_OPEN", java.time.Duration.ofSeconds(2), Settings.MAX_TIMEOUT))
                    .failureRateThreshold(s.getInt("CACHE_BREAKER_FAILURE_RATE", 50, 1, 100))
                    .build());
        } else {
            b.circuitBreaker(null);
        }
        try {
            return b.build();
        } catch (IllegalArgumentException e) {
            if (e instanceof ConfigurationException) {
                throw e;
            }
            String variable = variableOf(e.getMessage());
            throw new ConfigurationException(variable, variable + "=" + shown(s, variable) + " is invalid: " + e.getMessage());
        }
    }

    /** The variable behind the option that {@link CacheAsideOptions.Builder#build()} names first in {@code message}. */
    static String variableOf(String message) {
        String m = message == null ? "" : message;
        String[][] names = {
            {"defaultTtl", "CACHE_TTL"}, {"keyPrefix", "CACHE_KEY_PREFIX"}, {"leaseTtl", "CACHE_LEASE_TTL"},
            {"leaseWait", "CACHE_LEASE_WAIT"}, {"staleWhileRevalidate", "CACHE_STALE_TTL"},
            {"earlyRefreshBeta", "CACHE_EARLY_REFRESH_BETA"}, {"ttlJitter", "CACHE_TTL_JITTER"},
            {"cacheTimeout", "CACHE_TIMEOUT"}, {"invalidationTimeout", "CACHE_INVALIDATION_TIMEOUT"},
            {"maxEntryBytes", "CACHE_MAX_ENTRY_BYTES"}, {"nearCacheMaxBytes", "CACHE_NEAR_MAX_BYTES"},
        };
        for (String[] name : names) {
            if (m.startsWith(name[0])) {
                return name[1];
            }
        }
        return "CACHE_*";
    }

    private static String shown(Settings s, String variable) {
        return s.get(variable).map(v -> "'" + v + "'").orElse("(default)");
    }

    /** Whether {@code value} is a zero duration ({@code 0}, {@code 0ms}, {@code 0s}, ...): "off" where allowed. */
    static boolean isZero(String value) {
        return value.trim().toLowerCase(java.util.Locale.ROOT).matches("0+ *(ms|s|m|h)?");
    }

    private static double fraction(Settings s, String name, double defaultValue, double max) {
        String raw = s.get(name).orElse(null);
        if (raw == null) {
            return defaultValue;
        }
        try {
            double value = Double.parseDouble(raw);
            if (value >= 0 && value <= max) {
                return value;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new ConfigurationException(name, name + "='" + raw + "' is not a number from 0 to " + max);
    }
}
