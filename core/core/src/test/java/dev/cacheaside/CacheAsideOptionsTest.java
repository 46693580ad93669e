package dev.cacheaside;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.function.DoubleSupplier;
import java.util.function.LongSupplier;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import reactor.core.scheduler.Scheduler;
import reactor.test.scheduler.VirtualTimeScheduler;

class CacheAsideOptionsTest {

    @Test
    void defaultsAreTheNamedConstants() {
        CacheAsideOptions o = CacheAsideOptions.defaults();
        assertThat(o.defaultTtl()).as("defaultTtl").isEqualTo(CacheAsideOptions.DEFAULT_TTL);
        assertThat(o.keyPrefix()).as("keyPrefix").isEqualTo(CacheAsideOptions.DEFAULT_KEY_PREFIX);
        assertThat(o.leases()).as("leases").isEqualTo(CacheAsideOptions.DEFAULT_LEASES);
        assertThat(o.leaseTtl()).as("leaseTtl").isEqualTo(CacheAsideOptions.DEFAULT_LEASE_TTL);
        assertThat(o.leaseWait()).as("leaseWait").isEqualTo(CacheAsideOptions.DEFAULT_LEASE_WAIT);
        assertThat(o.staleWhileRevalidate()).as("staleWhileRevalidate")
                .isEqualTo(CacheAsideOptions.DEFAULT_STALE_WHILE_REVALIDATE);
        assertThat(o.earlyRefreshBeta()).as("earlyRefreshBeta").isEqualTo(CacheAsideOptions.DEFAULT_EARLY_REFRESH_BETA);
        assertThat(o.ttlJitter()).as("ttlJitter").isEqualTo(CacheAsideOptions.DEFAULT_TTL_JITTER);
        assertThat(o.cacheTimeout()).as("cacheTimeout").isEqualTo(CacheAsideOptions.DEFAULT_CACHE_TIMEOUT);
        assertThat(o.invalidationTimeout()).as("invalidationTimeout")
                .isEqualTo(CacheAsideOptions.DEFAULT_INVALIDATION_TIMEOUT);
        assertThat(o.connectTimeout()).as("connectTimeout").isEqualTo(CacheAsideOptions.DEFAULT_CONNECT_TIMEOUT);
        assertThat(o.maxEntryBytes()).as("maxEntryBytes").isEqualTo(CacheAsideOptions.DEFAULT_MAX_ENTRY_BYTES);
        assertThat(o.circuitBreaker()).as("circuitBreaker").isSameAs(CacheAsideOptions.DEFAULT_CIRCUIT_BREAKER);
        assertThat(o.allowStateChangingFunctions()).as("allowStateChangingFunctions")
                .isEqualTo(CacheAsideOptions.DEFAULT_ALLOW_STATE_CHANGING_FUNCTIONS);
    }

    @Test
    void mutateCarriesEverySetting() {
        Clock clock = Clock.fixed(Instant.parse("2020-01-01T00:00:00Z"), ZoneOffset.UTC);
        LongSupplier nanoTime = () -> 42;
        Scheduler scheduler = VirtualTimeScheduler.create();
        DoubleSupplier random = () -> 0.25;
        CircuitBreakerConfig breaker = CircuitBreakerConfig.ofDefaults();
        CacheAsideOptions o = CacheAsideOptions.builder()
                .defaultTtl(Duration.ofMinutes(7)).keyPrefix("app:").leases(false)
                .leaseTtl(Duration.ofSeconds(3)).leaseWait(Duration.ofMillis(300))
                .staleWhileRevalidate(Duration.ofSeconds(9)).earlyRefreshBeta(2.5).ttlJitter(0.125)
                .cacheTimeout(Duration.ofMillis(40)).invalidationTimeout(Duration.ofSeconds(8))
                .connectTimeout(Duration.ofSeconds(6)).maxEntryBytes(4096).circuitBreaker(breaker)
                .allowStateChangingFunctions(true)
                .clock(clock).nanoTime(nanoTime).scheduler(scheduler).random(random)
                .build();

        CacheAsideOptions copy = o.mutate().build();

        assertThat(copy.defaultTtl()).as("defaultTtl").isEqualTo(Duration.ofMinutes(7));
        assertThat(copy.keyPrefix()).as("keyPrefix").isEqualTo("app:");
        assertThat(copy.leases()).as("leases").isFalse();
        assertThat(copy.leaseTtl()).as("leaseTtl").isEqualTo(Duration.ofSeconds(3));
        assertThat(copy.leaseWait()).as("leaseWait").isEqualTo(Duration.ofMillis(300));
        assertThat(copy.staleWhileRevalidate()).as("staleWhileRevalidate").isEqualTo(Duration.ofSeconds(9));
        assertThat(copy.earlyRefreshBeta()).as("earlyRefreshBeta").isEqualTo(2.5);
        assertThat(copy.ttlJitter()).as("ttlJitter").isEqualTo(0.125);
        assertThat(copy.cacheTimeout()).as("cacheTimeout").isEqualTo(Duration.ofMillis(40));
        assertThat(copy.invalidationTimeout()).as("invalidationTimeout").isEqualTo(Duration.ofSeconds(8));
        assertThat(copy.connectTimeout()).as("connectTimeout").isEqualTo(Duration.ofSeconds(6));
        assertThat(copy.maxEntryBytes()).as("maxEntryBytes").isEqualTo(4096);
        assertThat(copy.circuitBreaker()).as("circuitBreaker").isSameAs(breaker);
        assertThat(copy.allowStateChangingFunctions()).as("allowStateChangingFunctions").isTrue();
        assertThat(copy.clock()).as("clock").isSameAs(clock);
        assertThat(copy.nanoTime()).as("nanoTime").isSameAs(nanoTime);
        assertThat(copy.scheduler()).as("scheduler").isSameAs(scheduler);
        assertThat(copy.random()).as("random").isSameAs(random);
        assertThat(copy).as("toString").hasToString(o.toString());
        assertThat(o.mutate().circuitBreaker(null).build().circuitBreaker()).as("breaker turned off").isNull();
    }

    @Test
    void everyCheckNamesTheSettingAndTheValue() {
        refused(b -> b.defaultTtl(Duration.ofNanos(999_999)), "defaultTtl must be at least 1 ms, was PT0.000999999S");
        refused(b -> b.defaultTtl(null), "defaultTtl must be at least 1 ms, was null");
        refused(b -> b.keyPrefix("a\u00e9"), "keyPrefix must be printable ASCII without spaces, was 'a\u00e9' (character 1)");
        refused(b -> b.maxEntryBytes(0), "maxEntryBytes must be positive, was 0");
        refused(b -> b.leaseTtl(Duration.ofMillis(999)), "leaseTtl must be at least 1 s, was PT0.999S");
        refused(b -> b.leaseWait(Duration.ofMillis(-1)), "leaseWait must not be negative, was PT-0.001S");
        refused(b -> b.staleWhileRevalidate(Duration.ofSeconds(-1)), "staleWhileRevalidate must not be negative, was PT-1S");
        refused(b -> b.earlyRefreshBeta(10.5), "earlyRefreshBeta must be from 0 to 10, was 10.5");
        refused(b -> b.earlyRefreshBeta(Double.NaN), "earlyRefreshBeta must be from 0 to 10, was NaN");
        refused(b -> b.ttlJitter(0.75), "ttlJitter must be from 0 to 0.5, was 0.75");
        refused(b -> b.cacheTimeout(Duration.ZERO), "cacheTimeout must be positive, was PT0S");
        refused(b -> b.invalidationTimeout(null), "invalidationTimeout must be positive, was null");
        refused(b -> b.connectTimeout(Duration.ofSeconds(-2)), "connectTimeout must be positive, was PT-2S");
        assertThatThrownBy(() -> CacheAsideOptions.builder().keyPrefix(null).build())
                .isInstanceOf(NullPointerException.class).hasMessage("keyPrefix");
        assertThatThrownBy(() -> CacheAsideOptions.builder().scheduler(null).build())
                .isInstanceOf(NullPointerException.class).hasMessage("scheduler");
        assertThat(CacheAsideOptions.builder().keyPrefix("").leaseWait(Duration.ZERO).earlyRefreshBeta(0).ttlJitter(0.5)
                .build().keyPrefix()).as("the edges of each range are accepted").isEmpty();
    }

    private static void refused(UnaryOperator<CacheAsideOptions.Builder> setting, String message) {
        assertThatThrownBy(() -> setting.apply(CacheAsideOptions.builder()).build())
                .as(message).isInstanceOf(IllegalArgumentException.class).hasMessage(message);
    }
}
